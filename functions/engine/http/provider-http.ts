/**
 * The HTTP half of the script SDK: `nango.proxy/get/post/put/patch/delete/paginate`. Builds the
 * provider URL, injects the connection's credentials, retries transient failures and turns a
 * final failure into a `ProviderHttpError` whose message, URL and body excerpt carry no secret.
 */
import type { Credentials, ProviderConfig } from '../connection.js';
import { ProviderHttpError, ProxyConfigError, redact, redactUrl } from './errors.js';
import { fetchRefusingMetadata } from './fetch-refusing-metadata.js';
import { injectCredentials } from './inject-credentials.js';
import { paginate } from './paginate.js';
import { effectivePagination, isAbsoluteUrl, resolveEndpointUrl } from './proxy-config.js';
import { parseRetryAfter } from './retry-after.js';
import type { ProxyConfiguration, ProxyParams, ProxyResponse } from './proxy-config.js';

export interface ProviderHttpDeps {
  /** The provider, its base URL already filled for this connection. */
  provider: ProviderConfig;
  /** The connection's config, for `${connectionConfig.*}` in the provider's header and query templates. */
  connectionConfig?: Record<string, unknown>;
  /**
   * Read on every attempt so a token refreshed during a retry wait is picked up; asked for a new
   * token once per call when the provider answers 401 to the current one.
   */
  getCredentials: (request?: { rejectedAccessToken?: string }) => Promise<Credentials>;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Wall clock in ms, used to turn an HTTP-date `Retry-After` into a delay. */
  now?: () => number;
  log?: (msg: string, level: 'debug' | 'info' | 'warn' | 'error') => void;
  /** Per-attempt timeout; default 60 s. */
  timeoutMs?: number;
  /** Upper bound of any single retry wait, `Retry-After` included; default 10 minutes (Nango's cap). */
  maxRetryDelayMs?: number;
  /** Runs before every attempt; the engine throws from it to stop a script at its deadline. */
  beforeCall?: () => void | Promise<void>;
}

/** Alias kept for callers that name the deps "options". */
export type ProviderHttpOptions = ProviderHttpDeps;

type MethodConfig = Omit<ProxyConfiguration, 'method'>;

export interface ProviderHttp {
  proxy<T = any>(config: ProxyConfiguration): Promise<ProxyResponse<T>>;
  get<T = any>(config: MethodConfig): Promise<ProxyResponse<T>>;
  post<T = any>(config: MethodConfig): Promise<ProxyResponse<T>>;
  put<T = any>(config: MethodConfig): Promise<ProxyResponse<T>>;
  patch<T = any>(config: MethodConfig): Promise<ProxyResponse<T>>;
  delete<T = any>(config: MethodConfig): Promise<ProxyResponse<T>>;
  paginate<T = any>(config: ProxyConfiguration): AsyncGenerator<T[], undefined, void>;
}

const DEFAULT_TIMEOUT_MS = 60_000;
/** Nango documents a 3 s first delay doubled per attempt; we keep that curve but add full jitter. */
const BASE_RETRY_DELAY_MS = 3_000;
const DEFAULT_MAX_RETRY_DELAY_MS = 10 * 60_000;
const BODY_EXCERPT_CHARS = 300;

interface Failure {
  status?: number;
  headers?: Record<string, string>;
  data?: unknown;
  raw?: string;
  networkError?: string;
  cause?: unknown;
}

/**
 * Build the provider HTTP client a script's `nango` object exposes.
 * Retries (only when `config.retries` > 0) cover network errors, timeouts, 429, 5xx and
 * `config.retryOn`; the wait is `Retry-After` on 429/503 when present, otherwise full-jitter
 * exponential backoff (`random() * min(cap, 3 s * 2^attempt)`).
 */
export function createProviderHttp(deps: ProviderHttpDeps): ProviderHttp {
  const fetchImpl = deps.fetch ?? globalThis.fetch;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = deps.random ?? Math.random;
  const now = deps.now ?? Date.now;
  const log = deps.log ?? (() => undefined);
  const timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxDelay = deps.maxRetryDelayMs ?? DEFAULT_MAX_RETRY_DELAY_MS;

  async function proxy<T = any>(config: ProxyConfiguration): Promise<ProxyResponse<T>> {
    const method = (config.method ?? 'GET').toUpperCase();
    const responseType = config.responseType ?? 'json';
    if (responseType === 'stream') throw new ProxyConfigError("responseType 'stream' is not supported; use 'arraybuffer'");
    const retries = Math.max(0, Math.floor(config.retries ?? 0));
    const path = displayPath(config.endpoint);

    let rejectedAccessToken: string | undefined;
    let authRetried = false;
    /** The 401 that asked for a refresh: what the script sees if the refresh itself fails. */
    let unauthorized: ((cause: unknown) => ProviderHttpError) | undefined;
    for (let attempt = 0; ; attempt++) {
      await deps.beforeCall?.();
      // Outside the try: a credentials or config problem is not a transient network error.
      const creds = await deps.getCredentials(rejectedAccessToken === undefined ? undefined : { rejectedAccessToken }).catch((error: unknown) => {
        // Scripts handle a 401 by its status: the failed refresh travels as its cause.
        throw unauthorized ? unauthorized(error) : error;
      });
      const { url, init, secrets, secretParams } = buildRequest(deps.provider, deps.connectionConfig ?? {}, config, method, creds);
      let failure: Failure;
      try {
        const res = await fetchRefusingMetadata(fetchImpl, url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
        const bytes = Buffer.from(await res.arrayBuffer());
        const headers: Record<string, string> = {};
        res.headers.forEach((value, name) => {
          headers[name.toLowerCase()] = value;
        });
        const raw = bytes.toString('utf8');
        const data = responseType === 'arraybuffer' ? bytes : responseType === 'text' ? raw : parseJson(raw);
        if (res.ok) {
          log(`${method} ${path} -> ${res.status}`, 'debug');
          return { data: data as T, status: res.status, headers };
        }
        failure = { status: res.status, headers, data, raw };
      } catch (err) {
        if (err instanceof ProxyConfigError) throw err; // a refused host is not a network error to retry
        failure = { networkError: redact(describeNetworkError(err), secrets), cause: err };
      }

      const finalError = (retried: number, cause: unknown = failure.cause) =>
        new ProviderHttpError({
          method,
          path: redact(path, secrets),
          url: redactUrl(url, secrets, secretParams),
          status: failure.status,
          retries: retried,
          bodyExcerpt: failure.raw !== undefined ? redact(failure.raw.slice(0, BODY_EXCERPT_CHARS), secrets) : undefined,
          response: failure.status !== undefined ? { status: failure.status, data: failure.data, headers: failure.headers ?? {} } : undefined,
          networkError: failure.networkError,
          cause,
        });
      // A 401 to an OAuth token: refresh it and try once more, whatever the retry budget.
      if (failure.status === 401 && creds.type === 'OAUTH2' && !authRetried) {
        authRetried = true;
        rejectedAccessToken = creds.accessToken;
        const retried = attempt;
        unauthorized = (cause) => finalError(retried, cause);
        log(`${method} ${redact(path, secrets)} answered 401; refreshing the access token and retrying once`, 'info');
        attempt--;
        continue;
      }
      rejectedAccessToken = undefined;
      unauthorized = undefined;
      const rateLimited = failure.status !== undefined && isRateLimited(deps.provider.retry, failure);
      const retryable = failure.status === undefined || rateLimited || isRetryableStatus(failure.status, config.retryOn);
      if (!retryable || attempt >= retries) throw finalError(attempt);
      const delay = retryDelay(attempt, failure, rateLimited);
      const reason = failure.status ?? failure.networkError;
      log(`${method} ${redact(path, secrets)} failed with ${reason}; retry ${attempt + 1} of ${retries} in ${delay}ms`, 'warn');
      await sleep(delay);
    }
  }

  function retryDelay(attempt: number, failure: Failure, rateLimited: boolean): number {
    const wait = deps.provider.retry.wait;
    if (rateLimited && wait) {
      const fromRule = waitFromHeader(wait, failure.headers?.[wait.header], now());
      if (fromRule !== undefined) return Math.min(fromRule, maxDelay);
    }
    if (failure.status === 429 || failure.status === 503) {
      const fromHeader = parseRetryAfter(failure.headers?.['retry-after'], now());
      if (fromHeader !== undefined) return Math.min(fromHeader, maxDelay);
    }
    const ceiling = Math.min(maxDelay, BASE_RETRY_DELAY_MS * 2 ** attempt);
    return Math.floor(random() * ceiling);
  }

  const withMethod =
    (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE') =>
    <T = any>(config: MethodConfig) =>
      proxy<T>({ ...config, method });

  return {
    proxy,
    get: withMethod('GET'),
    post: withMethod('POST'),
    put: withMethod('PUT'),
    patch: withMethod('PATCH'),
    delete: withMethod('DELETE'),
    paginate: <T = any>(config: ProxyConfiguration) => {
      const pagination = effectivePagination(config.paginate, deps.provider.pagination);
      return paginate<T>(proxy, { ...config, ...(pagination ? { paginate: pagination } : {}) }, config.baseUrlOverride ?? deps.provider.baseUrl);
    },
  };
}

interface BuiltRequest {
  url: URL;
  init: RequestInit;
  /** Every credential value sent, for redaction. */
  secrets: string[];
  /** Query parameters that carry a credential. */
  secretParams: string[];
}

function buildRequest(provider: ProviderConfig, connectionConfig: Record<string, unknown>, config: ProxyConfiguration, method: string, creds: Credentials): BuiltRequest {
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

  const init: RequestInit = { method, headers };
  // fetch rejects a body on GET; Nango scripts only send one there by mistake.
  if (config.data !== undefined && config.data !== null && method !== 'GET') {
    init.body = encodeBody(config.data, headers);
  }
  return { url, init, secrets: injected.secrets, secretParams: injected.secretParams };
}

function appendParams(url: URL, params: ProxyParams | undefined): void {
  if (params === undefined) return;
  const entries = typeof params === 'string' ? [...new URLSearchParams(params)] : Object.entries(params);
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

/** axios-like: JSON when it parses, the text otherwise (including an empty body). */
function parseJson(raw: string): unknown {
  if (raw === '') return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** The provider's rate-limit answer: one of its statuses, and (when it names one) its remaining-count header at 0. */
function isRateLimited(rule: ProviderConfig['retry'], failure: Failure): boolean {
  if (!rule.statuses.includes(failure.status!)) return false;
  return rule.remainingHeader === undefined || failure.headers?.[rule.remainingHeader] === '0';
}

/** The wait a rate-limit header asks for, in ms; undefined when absent or unreadable. */
function waitFromHeader(wait: NonNullable<ProviderConfig['retry']['wait']>, value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  if (wait.format === 'http-date' || wait.format === 'seconds') return parseRetryAfter(value, nowMs);
  const at = Number(value);
  if (!Number.isFinite(at)) return undefined;
  return Math.max(0, (wait.format === 'epoch-seconds' ? at * 1000 : at) - nowMs);
}

function isRetryableStatus(status: number, retryOn: number[] | undefined): boolean {
  return status === 429 || status >= 500 || (retryOn?.includes(status) ?? false);
}

function describeNetworkError(err: unknown): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return 'timeout';
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  if (typeof cause?.code === 'string') return cause.code;
  return err instanceof Error ? err.message : String(err);
}

function displayPath(endpoint: string): string {
  const path = isAbsoluteUrl(endpoint) ? new URL(endpoint).pathname : (endpoint.split('?')[0] ?? '');
  return path.startsWith('/') ? path : `/${path}`;
}
