/**
 * `nango.uncontrolledFetch()`: a plain HTTP call from a script to any URL (a pre-signed download,
 * a webhook the provider hands out), outside the provider client. No credential is injected,
 * nothing is retried and a non-2xx answer is returned, not thrown: the script gets fetch's own
 * `Response`. What stays guarded is where it may go: http(s) only, never a link-local or cloud
 * metadata address (at the start and at every redirect hop), and no private or loopback address
 * unless `allowPrivate`.
 */
import { ProxyConfigError } from './errors.js';
import { fetchRefusingMetadata } from './fetch-refusing-metadata.js';

export interface UncontrolledFetchOptions {
  url: URL | string;
  /** Default `GET`; any case. */
  method?: string;
  headers?: Record<string, string>;
  /** Sent as is; refused on GET and HEAD, which cannot carry one. */
  body?: string | null;
}

export interface UncontrolledFetchDeps {
  fetch?: typeof fetch;
  /** Runs before the call; the engine throws from it to stop a script at its deadline. */
  beforeCall?: () => void | Promise<void>;
  /**
   * Let private, loopback and reserved literal addresses through (local development). Default
   * false. Link-local and metadata addresses are refused either way.
   */
  allowPrivate?: boolean;
}

export async function uncontrolledFetch(options: UncontrolledFetchOptions, deps: UncontrolledFetchDeps = {}): Promise<Response> {
  const url = parseUrl(options.url);
  const method = (options.method ?? 'GET').toUpperCase();
  const hasBody = options.body !== undefined && options.body !== null;
  if (hasBody && (method === 'GET' || method === 'HEAD')) throw new ProxyConfigError(`uncontrolledFetch: a ${method} request cannot carry a body`);
  await deps.beforeCall?.();
  const init: RequestInit = { method, headers: { ...options.headers } };
  if (hasBody) init.body = options.body;
  return fetchRefusingMetadata(deps.fetch ?? globalThis.fetch, url, init, { allowPrivate: deps.allowPrivate ?? false });
}

function parseUrl(raw: URL | string): URL {
  let url: URL;
  try {
    url = new URL(raw instanceof URL ? raw.href : raw);
  } catch {
    throw new ProxyConfigError('uncontrolledFetch needs an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ProxyConfigError(`uncontrolledFetch only calls http and https URLs, not ${url.protocol}`);
  }
  return url;
}
