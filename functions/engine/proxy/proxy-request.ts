/**
 * Nango's proxy (`ALL /proxy/{anyPath}`): one request to the provider as a connection, its
 * credentials injected per the provider's templates, the answer handed back as the provider gave
 * it — a failed one (4xx, 5xx) included, as Nango does, status, body and content type unchanged.
 *
 * It is the script SDK's provider client (`connectionClient`): the same credential injection,
 * token refresh before expiry and on a 401 (refresh, then one retry), the provider's retry rule
 * and `Retry-After`, the same redirect and metadata-address guards. What the proxy adds is the
 * limits of its place behind API Gateway (`limits.ts`): a time budget every attempt and wait fits
 * in, a cap on the body it buffers, and, where `allowPrivate` is false (AWS), no private,
 * loopback or reserved address reached by any route — the URL itself (`Base-Url-Override`, the
 * provider's base URL, a `${connectionConfig.x}` in it, a redirect) or a name resolved by the
 * injected `fetch` (`public-only-fetch.ts` refuses those at connect time). There, too, a
 * `Base-Url-Override` must be https: the credentials go to it (the API route lets only a `full`
 * key name one at all). A provider refusing the token refresh for good marks the connection.
 *
 * Outcomes are values: the provider's answer, or a refusal with Nango's code and status.
 * Logs carry the method, the path without its query, the status and the duration: never a
 * header, a query or a body.
 */
import { interpolateBaseUrl } from '../connection.js';
import { CredentialsRefreshError } from '../credentials.js';
import { findInCauses, ProviderHttpError, ProxyConfigError, RefusedHostError, ResponseTooLargeError } from '../http/errors.js';
import type { ProviderHttpDeps } from '../http/provider-http.js';
import { TemplateError } from '../providers/template.js';
import type { Clock, Logger } from '../ports.js';
import { connectionClient, type ScriptServiceDeps } from '../runner/script-services.js';
import { fetchLimitingResponse } from './limit-response.js';
import { lambdaBodyBytes, maxResponseBytes, PROXY_MAX_LAMBDA_BODY_BYTES, PROXY_TIME_BUDGET_MS } from './limits.js';

export type ProxyMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ProxyRequest {
  providerConfigKey: string;
  connectionId: string;
  method: ProxyMethod;
  /** The provider path: what follows `/proxy` in the request, starting with `/`, still percent-encoded. */
  path: string;
  /** The raw query string without its `?` ('' for none), passed on byte for byte. */
  query: string;
  /** Headers for the provider (`forwardedHeaders`), lower-case names. */
  headers: Record<string, string>;
  /** The raw request body; undefined or empty for none. */
  body?: Uint8Array | undefined;
  retries: number;
  retryOn?: number[] | undefined;
  baseUrlOverride?: string | undefined;
  /** `false`: ask the provider for an uncompressed body. The body passed back is always decoded. */
  decompress?: boolean | undefined;
}

export interface ProxyDeps {
  registry: ScriptServiceDeps['registry'];
  state: ScriptServiceDeps['state'];
  /** The clock token expiry is judged by. */
  clock: Clock;
  logger: Logger;
  /** How requests leave: in AWS a fetch that refuses private addresses at connect time. @default global fetch */
  fetch?: typeof fetch;
  /** Private, loopback and reserved addresses may be called (local development). @default false */
  allowPrivate?: boolean;
  /** Wall-clock ms for the time budget (API Gateway's window is real time). @default Date.now */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** @default PROXY_TIME_BUDGET_MS */
  budgetMs?: number;
}

/** The provider's answer, ready to send back. */
export interface ProxiedResponse {
  kind: 'response';
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

/** Why the provider was not (or could not be) asked; `code` and `status` follow Nango's where it has them. */
export interface ProxyRefusal {
  kind: 'refused';
  status: 400 | 404 | 424 | 502 | 504;
  code: string;
  message: string;
}

export type ProxyOutcome = ProxiedResponse | ProxyRefusal;

/**
 * Response headers never passed back: this hop's framing and connection (`content-length` is
 * recomputed; `content-encoding` is wrong once fetch has decoded the body), the provider's
 * cookies (they would be set on the API's origin), and CORS, which is the API's own.
 */
const DROPPED_RESPONSE_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'content-encoding',
  'set-cookie',
]);

export async function proxyRequest(deps: ProxyDeps, request: ProxyRequest): Promise<ProxyOutcome> {
  const now = deps.now ?? Date.now;
  const started = now();
  const outcome = await callProvider(deps, request, started + (deps.budgetMs ?? PROXY_TIME_BUDGET_MS));
  const status = outcome.kind === 'response' ? `${outcome.status}` : `${outcome.status} ${outcome.code}`;
  deps.logger.log(outcome.kind === 'refused' && outcome.status >= 500 ? 'warn' : 'info', `proxy ${request.method} ${loggablePath(request.path)} -> ${status} in ${now() - started} ms`, {
    providerConfigKey: request.providerConfigKey,
    connectionId: request.connectionId,
  });
  return outcome;
}

async function callProvider(deps: ProxyDeps, request: ProxyRequest, deadline: number): Promise<ProxyOutcome> {
  const { providerConfigKey, connectionId } = request;
  const allowPrivate = deps.allowPrivate ?? false;
  // Where private addresses are refused (AWS), credentials only travel to an override over TLS.
  if (request.baseUrlOverride && !allowPrivate && !request.baseUrlOverride.toLowerCase().startsWith('https://')) {
    return refused(400, 'base_url_override_not_allowed', "Base-Url-Override must be an https URL here: the connection's credentials are sent to it");
  }
  const integration = deps.registry.get(providerConfigKey);
  if (!integration) return refused(404, 'unknown_provider_config', `there is no integration "${providerConfigKey}"`);
  const connection = await deps.state.connections.getWithCredentials(providerConfigKey, connectionId);
  // Nango's status and code for a connection it cannot find.
  if (!connection) return refused(400, 'unknown_connection', `there is no connection "${connectionId}" for integration "${providerConfigKey}"`);
  if (connection.authError) {
    return refused(424, 'invalid_credentials', `connection "${connectionId}" must be authorized again: ${connection.authError.message}`);
  }
  // Passed whole to the client: `connectionClient` spreads `http` into the provider client's deps.
  const http: Pick<ProviderHttpDeps, 'fetch' | 'sleep' | 'random' | 'now' | 'timeoutMs' | 'maxRetryDelayMs' | 'deadline' | 'allowPrivate'> = {
    fetch: fetchLimitingResponse(deps.fetch ?? globalThis.fetch, maxResponseBytes),
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
    ...(deps.random ? { random: deps.random } : {}),
    ...(deps.now ? { now: deps.now } : {}),
    timeoutMs: deps.budgetMs ?? PROXY_TIME_BUDGET_MS,
    maxRetryDelayMs: deps.budgetMs ?? PROXY_TIME_BUDGET_MS,
    deadline,
    allowPrivate,
  };
  const services: ScriptServiceDeps = { registry: deps.registry, clock: deps.clock, state: deps.state, http, allowPrivateFetch: allowPrivate };
  const host = { guard: async () => undefined, writeLog: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => deps.logger.log(level, message, { providerConfigKey, connectionId }) };

  try {
    // The client renders the base URL itself; rendering it here first turns a missing
    // `${connectionConfig.x}` into a clear 400 rather than an error inside the call.
    interpolateBaseUrl(integration.provider.baseUrl, connection);
    const { http: client } = connectionClient(services, host, integration, connection);
    const res = await client.proxy<Buffer>({
      method: request.method,
      endpoint: request.query === '' ? request.path : `${request.path}?${request.query}`,
      headers: request.headers,
      ...(request.body !== undefined && request.body.byteLength > 0 ? { data: request.body } : {}),
      retries: request.retries,
      retryOn: request.retryOn ?? null,
      ...(request.baseUrlOverride ? { baseUrlOverride: request.baseUrlOverride } : {}),
      ...(request.decompress === false ? { decompress: false } : {}),
      responseType: 'arraybuffer',
    });
    return fitted({ kind: 'response', status: res.status, headers: passedHeaders(res.headers), body: res.data });
  } catch (error) {
    const outcome = await fromError(deps, request, error);
    return outcome.kind === 'response' ? fitted(outcome) : outcome;
  }
}

/**
 * The answer, or 502 when it would not fit the Lambda result once there: a text body travels
 * JSON-escaped, so a quote- or control-character-dense one grows past its byte count.
 */
function fitted(response: ProxiedResponse): ProxyOutcome {
  const size = lambdaBodyBytes(response.headers['content-type'], response.body);
  if (size <= PROXY_MAX_LAMBDA_BODY_BYTES) return response;
  return refused(502, 'response_too_large', `the provider's response takes ${size} bytes in the API's Lambda result, above ${PROXY_MAX_LAMBDA_BODY_BYTES}: the proxy returns at most that much`);
}

/** The provider's failed answer as it sent it; every other failure as a refusal. */
async function fromError(deps: ProxyDeps, request: ProxyRequest, error: unknown): Promise<ProxyOutcome> {
  const refresh = findInCauses(error, (e): e is CredentialsRefreshError => e instanceof CredentialsRefreshError);
  if (refresh) {
    await recordRefusedRefresh(deps, request, refresh);
    return refused(424, 'invalid_credentials', refresh.message);
  }
  const refusedHost = findInCauses(error, (e): e is RefusedHostError => e instanceof RefusedHostError);
  if (refusedHost) {
    // What a name resolved to stays in the log; the caller is told only that it is not public.
    if (refusedHost.refusedAddress !== undefined) {
      deps.logger.log('warn', `proxy refused a non-public address: ${refusedHost.refusedAddress}`, { providerConfigKey: request.providerConfigKey, connectionId: request.connectionId });
    }
    return refused(400, 'base_url_override_not_allowed', refusedHost.message);
  }
  const tooLarge = findInCauses(error, (e): e is ResponseTooLargeError => e instanceof ResponseTooLargeError);
  if (tooLarge) return refused(502, 'response_too_large', `${tooLarge.message}: the proxy returns at most that much`);
  if (error instanceof ProxyConfigError || error instanceof TemplateError) return refused(400, 'invalid_request', error.message);
  if (error instanceof ProviderHttpError) {
    if (error.response) {
      const { status, data, headers } = error.response;
      return { kind: 'response', status, headers: passedHeaders(headers), body: toBytes(data) };
    }
    // No answer at all: its message names the method, the path and the reason, never the query or a secret.
    if (/\(timeout\)/.test(error.message)) return refused(504, 'provider_timeout', `${error.message}: the provider did not answer within the proxy's time budget`);
    return refused(502, 'provider_unreachable', error.message);
  }
  throw error;
}

/**
 * A refresh the provider refused for good marks the connection, as a sync run or an action does
 * (the `auth.refresh_error` webhook follows), so it is not called again until re-authorized.
 */
async function recordRefusedRefresh(deps: ProxyDeps, request: ProxyRequest, error: CredentialsRefreshError): Promise<void> {
  if (!error.needsReauthorization || error.connectionUpdatedAt === undefined) return;
  const at = new Date(deps.clock.now()).toISOString();
  // Conditional on the connection being the one the refresh failed on: tokens saved meanwhile win.
  await deps.state.connections.recordAuthError(request.providerConfigKey, request.connectionId, { type: 'auth', message: error.message, at }, error.connectionUpdatedAt);
}

function refused(status: ProxyRefusal['status'], code: string, message: string): ProxyRefusal {
  return { kind: 'refused', status, code, message };
}

function passedHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !DROPPED_RESPONSE_HEADERS.has(name) && !name.startsWith('access-control-')));
}

function toBytes(data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (typeof data === 'string') return Buffer.from(data);
  return Buffer.from(JSON.stringify(data ?? ''));
}

/** The path as logged: printable, shortened; the query is never part of it. */
function loggablePath(path: string): string {
  const printable = path.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 200 ? `${printable.slice(0, 200)}…` : printable;
}
