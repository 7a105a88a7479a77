/**
 * The request configuration a sync script passes to `nango.proxy()`, `nango.get()` … and
 * `nango.paginate()`. Field names follow Nango's `ProxyConfiguration` exactly so scripts
 * written for Nango type-check and run unchanged.
 */

/**
 * Query parameters, as Nango types them: a raw query string (`a=1&b=2`) or a map whose arrays
 * repeat the key (`{ id: [1, 2] }` → `id=1&id=2`). A key is used as written: `a.b` stays the
 * literal key `a.b` in the query string.
 */
export type ProxyParams = string | Record<string, string | number | string[] | number[]>;

/**
 * How the body is read: `json` (default; text when it does not parse), `text` (a string),
 * `arraybuffer` (a Node.js `Buffer`), `stream` (a Node.js `Readable`, not buffered, for piping
 * large downloads as scripts do with axios).
 */
export type ProxyResponseType = 'json' | 'text' | 'arraybuffer' | 'stream';

/**
 * Where a provider says when to retry, per call (Nango's `RetryHeaderConfig`). Only `at` and
 * `after` are honoured, as Nango's proxy does for a script's own config: on a retryable failure
 * with `retries` > 0 the wait is read from the named response header(s) and capped by the
 * client's `maxRetryDelayMs`; the longest wait among several named headers wins, and `at` is
 * used when both are given. `remaining`, `error_code` and `in_body` are accepted for type
 * compatibility and ignored: Nango honours them only from its provider catalogue, whose
 * counterpart here is the provider's `retry` rule.
 */
export interface RetryHeaderConfig {
  /** Header(s) holding the time to retry at: epoch seconds (epoch ms and HTTP-dates are read too). */
  at?: string | string[];
  /** Header(s) holding the number of seconds to wait. */
  after?: string | string[];
  /** Ignored (see above). */
  remaining?: string;
  /** Ignored (see above). */
  error_code?: number | string | Array<number | string>;
  /** Ignored (see above). */
  in_body?: { path: string; value?: string; strategy: 'at' | 'after' };
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Fields shared by every pagination type (Nango names). */
interface PaginationBase {
  /** Page size sent as `limit_name_in_request`; when omitted no limit is sent. */
  limit?: number | string;
  /**
   * Name of the page-size parameter in the request. Like the cursor and offset names, a dotted
   * name (`variables.first`) sets a nested field when the params go in the JSON body, and is a
   * literal key in the query string.
   */
  limit_name_in_request?: string;
  /** Dot path to the records in the body (`results.contacts`); omitted or `''` = the body itself. */
  response_path?: string;
  /**
   * Send pagination params in the JSON body instead of the query string. Nango's default:
   * query for GET/DELETE, body for POST/PUT/PATCH.
   */
  in_body?: boolean;
  /** Called after each page with the value that will fetch the next page (Nango's `on_page`). */
  on_page?: (state: { nextPageParam?: string | number | undefined; response: ProxyResponse }) => Promise<void>;
}

export interface CursorPagination extends PaginationBase {
  type: 'cursor';
  /** Dot path to the next cursor in the response body. */
  cursor_path_in_response: string;
  /** Name of the cursor parameter in the request; dotted (`variables.after`) nests it in a JSON body. */
  cursor_name_in_request: string;
}

export interface LinkPagination extends PaginationBase {
  type: 'link';
  /** `rel` of the `Link` header entry holding the next page (e.g. `next`). */
  link_rel_in_response_header?: string;
  /** Dot path to the next page URL in the response body (e.g. `paging.next`). */
  link_path_in_response_body?: string;
}

export type OffsetCalculationMethod = 'per-page' | 'by-response-size';

export interface OffsetPagination extends PaginationBase {
  type: 'offset';
  /** Name of the offset (or page number) parameter in the request; dotted nests it in a JSON body. */
  offset_name_in_request: string;
  /** First offset; default 0 (some APIs count pages from 1). */
  offset_start_value?: number;
  /** `by-response-size` (default): offset += records received; `per-page`: offset += 1. */
  offset_calculation_method?: OffsetCalculationMethod;
}

export type PaginationConfig = CursorPagination | LinkPagination | OffsetPagination;

/** Any pagination fields without a complete strategy: the provider's default fills the rest. */
export type PartialPagination = Partial<Omit<CursorPagination, 'type'> & Omit<LinkPagination, 'type'> & Omit<OffsetPagination, 'type'>> & { type?: PaginationConfig['type'] };

/**
 * The pagination a call uses: the script's own when complete, else its fields over the provider's
 * default of the same type. Undefined when neither says how to page.
 */
export function effectivePagination(own: ProxyConfiguration['paginate'], providerDefault: PaginationConfig | undefined): PaginationConfig | undefined {
  if (!own) return providerDefault;
  if (!providerDefault || (own.type !== undefined && own.type !== providerDefault.type)) return own.type === undefined ? undefined : (own as PaginationConfig);
  return { ...providerDefault, ...own, type: providerDefault.type } as PaginationConfig;
}

/**
 * Optional fields also take `undefined`: Nango projects compile with `exactOptionalPropertyTypes`
 * and pass `baseUrlOverride: maybeUrl` and the like.
 */
export interface ProxyConfiguration {
  /** Path relative to the provider's base URL; an absolute URL only together with `baseUrlOverride`. */
  endpoint: string;
  /** Default `GET`; lower case is accepted as scripts written for axios often pass it. */
  method?: HttpMethod | Lowercase<HttpMethod> | undefined;
  headers?: Record<string, string> | undefined;
  params?: ProxyParams | undefined;
  /** Request body: objects are sent as JSON; strings, buffers and URLSearchParams as is. */
  data?: unknown | undefined;
  /**
   * Extra attempts on network errors, 429, 5xx and `retryOn`. Default 0, as in Nango: a
   * non-idempotent POST is never repeated unless the script asks for it.
   */
  retries?: number | undefined;
  /** Replaces the provider's base URL for this call; auth is still injected. */
  baseUrlOverride?: string | undefined;
  /** How to read the body; default `json` (falls back to text when the body is not JSON). */
  responseType?: ProxyResponseType | undefined;
  /** Additional status codes to retry on, e.g. `[409]`. */
  retryOn?: number[] | null | undefined;
  /**
   * How to page; a partial block (`{ limit: 100 }`, no `type`) is merged over the provider's
   * default pagination, as on Nango.
   */
  paginate?: PaginationConfig | PartialPagination | undefined;
  /** `false` asks the provider for an uncompressed body (`Accept-Encoding: identity`). */
  decompress?: boolean | undefined;
  /** Response headers that say how long to wait before a retry (see `RetryHeaderConfig`). */
  retryHeader?: RetryHeaderConfig | undefined;
  /**
   * Call through another connection (Nango's per-call override); each defaults to the
   * script's own. Naming the script's own connection is the same as leaving them out.
   */
  providerConfigKey?: string | undefined;
  connectionId?: string | undefined;
}

/** What `proxy()` resolves to: the shape of an axios response that scripts read `.data` from. */
export interface ProxyResponse<T = any> {
  data: T;
  status: number;
  /** The status line's reason phrase (`OK`), as axios gives it; may be empty over HTTP/2. */
  statusText: string;
  /** Response headers with lower-case names. */
  headers: Record<string, string>;
}

/** The function `paginate()` drives; `createProviderHttp().proxy` satisfies it. */
export type ProxyFn = (config: ProxyConfiguration) => Promise<ProxyResponse>;

/**
 * Resolve a script's `endpoint` against a base URL the way Nango does: plain concatenation
 * with exactly one `/` between them, so `https://api.xero.com/` + `api.xro/2.0/x` and
 * `https://api.hubapi.com` + `/crm/v3/x` both work and a base path prefix is kept.
 */
export function resolveEndpointUrl(baseUrl: string, endpoint: string): URL {
  if (endpoint === '') return new URL(baseUrl);
  return new URL(`${baseUrl.replace(/\/+$/, '')}/${endpoint.replace(/^\/+/, '')}`);
}

/** True for `http://…` / `https://…` endpoints. */
export function isAbsoluteUrl(endpoint: string): boolean {
  return /^https?:\/\//i.test(endpoint);
}
