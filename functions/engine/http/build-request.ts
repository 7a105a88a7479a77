/**
 * One provider request as fetch takes it: the URL (base URL + endpoint + params + credential
 * query), the headers (provider's, then the script's) and the encoded body.
 */
import type { Credentials, ProviderConfig } from '../connection.js';
import { ProxyConfigError } from './errors.js';
import { injectCredentials } from './inject-credentials.js';
import { isAbsoluteUrl, resolveEndpointUrl } from './proxy-config.js';
import type { ProxyConfiguration, ProxyParams } from './proxy-config.js';

export interface BuiltRequest {
  url: URL;
  init: RequestInit & { headers: Record<string, string> };
  /** Every credential value sent, for redaction. */
  secrets: string[];
  /** Query parameters that carry a credential. */
  secretParams: string[];
}

export function buildRequest(provider: ProviderConfig, connectionConfig: Record<string, unknown>, config: ProxyConfiguration, method: string, creds: Credentials): BuiltRequest {
  if (isAbsoluteUrl(config.endpoint) && !config.baseUrlOverride) {
    // Refusing keeps a stray absolute URL from carrying the connection's credentials elsewhere.
    throw new ProxyConfigError('An absolute endpoint needs baseUrlOverride; pass a path relative to the provider base URL');
  }
  const url = isAbsoluteUrl(config.endpoint) ? new URL(config.endpoint) : resolveEndpointUrl(config.baseUrlOverride ?? provider.baseUrl, config.endpoint);
  appendParams(url, config.params);
  const injected = injectCredentials(provider, creds, connectionConfig);
  for (const [name, value] of Object.entries(injected.query)) url.searchParams.set(name, value);

  // Precedence: the provider's headers (credentials included) < the script's own headers.
  const headers: Record<string, string> = { ...injected.headers };
  for (const [name, value] of Object.entries(config.headers ?? {})) headers[name.toLowerCase()] = value;
  if (config.decompress === false) headers['accept-encoding'] = 'identity';

  const init: BuiltRequest['init'] = { method, headers };
  // fetch rejects a body on GET; Nango scripts only send one there by mistake.
  if (config.data !== undefined && config.data !== null && method !== 'GET') {
    init.body = encodeBody(config.data, headers);
  }
  return { url, init, secrets: injected.secrets, secretParams: injected.secretParams };
}

/** Map values are appended as written; numbers are stringified and arrays repeat the key. */
function appendParams(url: URL, params: ProxyParams | undefined): void {
  if (params === undefined) return;
  if (typeof params !== 'string' && (typeof params !== 'object' || params === null)) {
    throw new ProxyConfigError(`params must be a query string or an object, not ${typeof params}`);
  }
  const entries: [string, unknown][] = typeof params === 'string' ? [...new URLSearchParams(params)] : Object.entries(params);
  for (const [key, value] of entries) {
    if (Array.isArray(value)) for (const item of value) url.searchParams.append(key, String(item));
    else if (value !== undefined && value !== null) url.searchParams.append(key, String(value));
  }
}

function encodeBody(data: unknown, headers: Record<string, string>): RequestInit['body'] {
  if (typeof data === 'string' || data instanceof URLSearchParams || data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
    return data as RequestInit['body'];
  }
  headers['content-type'] ??= 'application/json';
  return JSON.stringify(data);
}
