/**
 * The HTTP half of the script SDK: `nango.proxy/get/post/put/patch/delete/paginate`. Builds the
 * provider URL, injects the connection's credentials, retries transient failures and turns a
 * final failure into a `ProviderHttpError` whose message, URL and body excerpt carry no secret.
 */
import type { Credentials, ProviderConfig } from '../connection.js';
import { buildRequest } from './build-request.js';
import { overriddenConnection, withoutConnection } from './connection-override.js';
import type { ConnectionRef } from './connection-override.js';
import { findInCauses, ProviderHttpError, ProxyConfigError, redact, redactUrl, ResponseTooLargeError } from './errors.js';
import { fetchRefusingMetadata } from './fetch-refusing-metadata.js';
import { paginate } from './paginate.js';
import { effectivePagination, isAbsoluteUrl } from './proxy-config.js';
import type { ProxyConfiguration, ProxyResponse, ProxyResponseType } from './proxy-config.js';
import { headersOf, readFailureBody, readSuccessBody } from './read-response.js';
import { assertRetryHeader, isRetryable, retryWait } from './retry-policy.js';
import type { AttemptFailure } from './retry-policy.js';

export type { ConnectionRef } from './connection-override.js';

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
  /** Wall clock in ms, used to turn an HTTP-date `Retry-After` or a `retryHeader.at` time into a delay. */
  now?: () => number;
  log?: (msg: string, level: 'debug' | 'info' | 'warn' | 'error') => void;
  /**
   * Per-attempt timeout; default 60 s. It covers the whole body, except for
   * `responseType: 'stream'`, where it ends once the headers arrive: the script reads at its own pace.
   */
  timeoutMs?: number;
  /** Upper bound of any single retry wait, `Retry-After` and `retryHeader` included; default 10 minutes (Nango's cap). */
  maxRetryDelayMs?: number;
  /** Runs before every attempt; the engine throws from it to stop a script at its deadline. */
  beforeCall?: () => void | Promise<void>;
  /**
   * Let the URL name a private, loopback or reserved address (and `localhost`). Default true, as
   * scripts have always had it (sandboxes on 127.0.0.1, providers in the VPC); the proxy passes
   * false in AWS. Link-local and metadata addresses are refused either way. A name that resolves
   * to such an address is the `fetch`'s to refuse (`public-only-fetch.ts`).
   */
  allowPrivate?: boolean;
  /**
   * When (by `now()`) every call gives up, for a caller with a hard time window (the proxy behind
   * API Gateway's 30 s): each attempt's timeout is cut to what remains, and a retry whose wait
   * would end past it is not made — the last failure is thrown as it was. Default: none.
   */
  deadline?: number;
  /** The connection this client calls as; a call naming it explicitly takes the normal path. */
  self?: ConnectionRef;
  /**
   * The client of another connection, for calls that name one (`connectionId: 'other'`). Asked
   * once per connection and kept for the client's lifetime (a failure is asked again). Without
   * it such calls fail with a `ProxyConfigError`.
   */
  forConnection?: (ref: ConnectionRef) => Promise<ProviderHttp>;
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
const DEFAULT_MAX_RETRY_DELAY_MS = 10 * 60_000;
const BODY_EXCERPT_CHARS = 300;
const RESPONSE_TYPES = new Set<ProxyResponseType>(['json', 'text', 'arraybuffer', 'stream']);

/**
 * Build the provider HTTP client a script's `nango` object exposes.
 * Retries (only when `config.retries` > 0) cover network errors, timeouts, 429, 5xx and
 * `config.retryOn`; the wait is the script's `retryHeader` when that header is present, else the
 * provider's rate-limit header or `Retry-After` on 429/503, otherwise full-jitter exponential
 * backoff (`random() * min(cap, 3 s * 2^attempt)`).
 */
export function createProviderHttp(deps: ProviderHttpDeps): ProviderHttp {
  const fetchImpl = deps.fetch ?? globalThis.fetch;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = deps.random ?? Math.random;
  const now = deps.now ?? Date.now;
  const log = deps.log ?? (() => undefined);
  const timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxDelay = deps.maxRetryDelayMs ?? DEFAULT_MAX_RETRY_DELAY_MS;
  const otherClients = new Map<string, Promise<ProviderHttp>>();

  /** The client of the connection a call names, or undefined when it names this one. */
  function clientFor(config: ProxyConfiguration): Promise<ProviderHttp> | undefined {
    const ref = overriddenConnection(config, deps.self);
    if (ref === undefined) return undefined;
    const { forConnection } = deps;
    if (!forConnection) {
      throw new ProxyConfigError(`Per-call providerConfigKey/connectionId overrides are not available here (asked for ${ref.providerConfigKey}/${ref.connectionId})`);
    }
    const key = JSON.stringify([ref.providerConfigKey, ref.connectionId]);
    let client = otherClients.get(key);
    if (!client) {
      client = forConnection(ref);
      otherClients.set(key, client);
      client.catch(() => otherClients.delete(key));
    }
    return client;
  }

  async function proxy<T = any>(config: ProxyConfiguration): Promise<ProxyResponse<T>> {
    const other = clientFor(config);
    if (other) return (await other).proxy<T>(withoutConnection(config));
    const method = (config.method ?? 'GET').toUpperCase();
    const responseType = config.responseType ?? 'json';
    if (!RESPONSE_TYPES.has(responseType)) throw new ProxyConfigError(`responseType '${String(responseType)}' is not supported; use json, text, arraybuffer or stream`);
    assertRetryHeader(config.retryHeader);
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
      let failure: AttemptFailure;
      const attemptMs = deps.deadline === undefined ? timeoutMs : Math.max(0, Math.min(timeoutMs, deps.deadline - now()));
      const timeout = new AbortController();
      const timer = setTimeout(() => timeout.abort(new DOMException(`no answer within ${attemptMs} ms`, 'TimeoutError')), attemptMs);
      try {
        const res = await fetchRefusingMetadata(fetchImpl, url, { ...init, signal: timeout.signal }, { secrets, ...(deps.allowPrivate === false ? { allowPrivate: false } : {}) });
        const headers = headersOf(res);
        if (res.ok) {
          // A stream is read after this call returns, so only the wait for its headers is timed.
          if (responseType === 'stream') clearTimeout(timer);
          const data = await readSuccessBody(res, responseType);
          log(`${method} ${path} -> ${res.status}`, 'debug');
          return { data: data as T, status: res.status, statusText: res.statusText, headers };
        }
        const body = await readFailureBody(res, responseType);
        failure = { status: res.status, headers, data: body.data, raw: body.raw };
      } catch (err) {
        if (err instanceof ProxyConfigError) throw err; // a refused host is not a network error to retry
        // Nor is a refusal the fetch raised at connect time (wrapped in fetch's TypeError), or a body too large to pass on.
        const fatal = findInCauses(err, (e): e is Error => e instanceof ProxyConfigError || e instanceof ResponseTooLargeError);
        if (fatal) throw fatal;
        failure = { networkError: redact(describeNetworkError(err), secrets), cause: err };
      } finally {
        clearTimeout(timer);
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
      if (!isRetryable(failure, deps.provider.retry, config.retryOn) || attempt >= retries) throw finalError(attempt);
      const delay = retryWait({ attempt, failure, rule: deps.provider.retry, retryHeader: config.retryHeader, nowMs: now(), random, maxDelayMs: maxDelay });
      const reason = failure.status ?? failure.networkError;
      if (deps.deadline !== undefined && now() + delay >= deps.deadline) {
        log(`${method} ${redact(path, secrets)} failed with ${reason}; no retry: the wait of ${delay}ms ends past the call's time budget`, 'warn');
        throw finalError(attempt);
      }
      log(`${method} ${redact(path, secrets)} failed with ${reason}; retry ${attempt + 1} of ${retries} in ${delay}ms`, 'warn');
      await sleep(delay);
    }
  }

  async function* paginateConfig<T>(config: ProxyConfiguration): AsyncGenerator<T[], undefined, void> {
    const other = clientFor(config);
    if (other) return yield* (await other).paginate<T>(withoutConnection(config));
    const pagination = effectivePagination(config.paginate, deps.provider.pagination);
    return yield* paginate<T>(proxy, { ...config, ...(pagination ? { paginate: pagination } : {}) }, config.baseUrlOverride ?? deps.provider.baseUrl);
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
    paginate: paginateConfig,
  };
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
