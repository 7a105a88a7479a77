/**
 * `nango.paginate()`: walks a provider list endpoint page by page with Nango's cursor, link
 * and offset strategies and yields each page's records. Stop rules (Nango's):
 * - every type: a page with no records ends the walk (and is not yielded);
 * - cursor: the next cursor is missing, null or blank;
 * - link: no next link in the `Link` header / body path;
 * - offset: the page has fewer records than `limit` (when `limit` is set).
 */
import { ProxyConfigError } from './errors.js';
import { getPath, setPath } from './object-path.js';
import { isAbsoluteUrl, resolveEndpointUrl } from './proxy-config.js';
import type { CursorPagination, LinkPagination, OffsetPagination, PaginationConfig, ProxyConfiguration, ProxyFn, ProxyResponse } from './proxy-config.js';

export { getPath } from './object-path.js';

type PageParams = Record<string, string | number>;

/** Nango puts pagination params in the body for these methods unless `in_body` says otherwise. */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Iterate the pages of `config.endpoint`, yielding the records of each page.
 * @param proxy   the single-request function (auth, retries) every page goes through
 * @param config  the script's configuration; `config.paginate` selects the strategy
 * @param baseUrl the base URL the endpoint is relative to; next-page links must share its origin
 */
export async function* paginate<T = any>(proxy: ProxyFn, config: ProxyConfiguration, baseUrl: string): AsyncGenerator<T[], undefined, void> {
  if (!config.paginate) throw new ProxyConfigError('paginate() needs a `paginate` section in its configuration, or a provider with a default pagination');
  if (config.paginate.type === undefined) throw new ProxyConfigError('paginate() got pagination fields without a type, and the provider has no default pagination to complete them');
  const pagination = config.paginate as PaginationConfig;
  validatePagination(pagination);
  const inBody = pagination.in_body ?? BODY_METHODS.has((config.method ?? 'GET').toUpperCase());
  const limitParam: PageParams = pagination.limit !== undefined && pagination.limit_name_in_request ? { [pagination.limit_name_in_request]: pagination.limit } : {};
  const page = (extra: PageParams) => withPageParams(config, inBody, { ...limitParam, ...extra });

  switch (pagination.type) {
    case 'cursor':
      return yield* byCursor<T>(proxy, pagination, page);
    case 'offset':
      return yield* byOffset<T>(proxy, pagination, page);
    case 'link':
      return yield* byLink<T>(proxy, pagination, page({}), firstUrl(config, baseUrl), baseUrl);
    default:
      throw new ProxyConfigError(`Unknown pagination type '${(pagination as { type: unknown }).type}'`);
  }
}

async function* byCursor<T>(proxy: ProxyFn, p: CursorPagination, page: (extra: PageParams) => ProxyConfiguration) {
  let cursor: string | number | undefined;
  for (;;) {
    const response = await proxy(page(cursor === undefined ? {} : { [p.cursor_name_in_request]: cursor }));
    const items = recordsOf<T>(response, p);
    if (items.length === 0) return undefined;
    const next = normalizeCursor(getPath(response.data, p.cursor_path_in_response));
    yield items;
    // on_page runs once the consumer asks for more, i.e. after it handled this page, so a
    // checkpoint saved from it never points past records that were not saved yet.
    await p.on_page?.({ nextPageParam: next, response });
    if (next === undefined) return undefined;
    if (next === cursor) throw new ProxyConfigError(`Cursor '${p.cursor_path_in_response}' did not advance; stopping to avoid an endless loop`);
    cursor = next;
  }
}

async function* byOffset<T>(proxy: ProxyFn, p: OffsetPagination, page: (extra: PageParams) => ProxyConfiguration) {
  let offset = p.offset_start_value ?? 0;
  for (;;) {
    const response = await proxy(page({ [p.offset_name_in_request]: offset }));
    const items = recordsOf<T>(response, p);
    if (items.length === 0) return undefined;
    const last = Number(p.limit) > 0 && items.length < Number(p.limit);
    const next = (p.offset_calculation_method ?? 'by-response-size') === 'per-page' ? offset + 1 : offset + items.length;
    yield items;
    await p.on_page?.({ nextPageParam: last ? undefined : next, response });
    if (last) return undefined;
    offset = next;
  }
}

async function* byLink<T>(proxy: ProxyFn, p: LinkPagination, first: ProxyConfiguration, firstUrl: URL, baseUrl: string) {
  const origin = new URL(baseUrl).origin;
  let request = first;
  let current = firstUrl;
  for (;;) {
    const response = await proxy(request);
    const items = recordsOf<T>(response, p);
    if (items.length === 0) return undefined;
    const link = nextLink(response, p);
    yield items;
    await p.on_page?.({ nextPageParam: link, response });
    if (link === undefined) return undefined;
    // Relative links resolve against the page that returned them, like a browser would.
    const next = new URL(link, current);
    if (next.origin !== origin) {
      throw new ProxyConfigError(`Next-page link points to ${next.origin}, not the provider (${origin}); credentials are not sent there`);
    }
    if (next.href === current.href) throw new ProxyConfigError('Next-page link did not change; stopping to avoid an endless loop');
    // The link carries every query param it needs (limit, filters, page token), so the
    // script's own params are replaced by the link's rather than merged into them.
    request = { ...first, baseUrlOverride: next.origin, endpoint: next.pathname, params: searchParamsToRecord(next.searchParams) };
    current = next;
  }
}

function firstUrl(config: ProxyConfiguration, baseUrl: string): URL {
  return isAbsoluteUrl(config.endpoint) ? new URL(config.endpoint) : resolveEndpointUrl(baseUrl, config.endpoint);
}

/** Nango's required fields per type, checked before the first request. */
function validatePagination(p: PaginationConfig): void {
  const missing = (field: string) => new ProxyConfigError(`${p.type} pagination needs '${field}'`);
  if (p.type === 'cursor') {
    if (!p.cursor_name_in_request) throw missing('cursor_name_in_request');
    if (!p.cursor_path_in_response) throw missing('cursor_path_in_response');
    if (p.limit !== undefined && !p.limit_name_in_request) throw missing('limit_name_in_request (limit is set)');
  }
  if (p.type === 'offset' && !p.offset_name_in_request) throw missing('offset_name_in_request');
}

/**
 * The request for one page. In the body a dotted name sets a nested field (`variables.after` for
 * GraphQL), on copies so the script's `data` is never changed; in the query string it stays a
 * literal key, as Nango sends it.
 */
function withPageParams(config: ProxyConfiguration, inBody: boolean, extra: PageParams): ProxyConfiguration {
  if (inBody) {
    const data = config.data ?? {};
    const proto = typeof data === 'object' && data !== null ? Object.getPrototypeOf(data) : undefined;
    if (proto !== Object.prototype && proto !== null) {
      throw new ProxyConfigError('Pagination params go in the body (in_body), so `data` must be a JSON object');
    }
    let body = data as Record<string, unknown>;
    for (const [name, value] of Object.entries(extra)) body = setPath(body, name, value);
    return { ...config, data: body };
  }
  const params = typeof config.params === 'string' ? searchParamsToRecord(new URLSearchParams(config.params)) : { ...config.params };
  for (const [key, value] of Object.entries(extra)) params[key] = String(value);
  return { ...config, params };
}

function recordsOf<T>(response: ProxyResponse, p: PaginationConfig): T[] {
  const path = p.response_path ?? '';
  const value = getPath(response.data, path);
  // A missing list on the last page is common (e.g. the key is omitted when empty).
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    throw new ProxyConfigError(`Expected an array at response_path '${path}' but found ${typeof value}`);
  }
  return value as T[];
}

function nextLink(response: ProxyResponse, p: LinkPagination): string | undefined {
  const fromBody = p.link_path_in_response_body ? getPath(response.data, p.link_path_in_response_body) : undefined;
  const useHeader = p.link_rel_in_response_header !== undefined || p.link_path_in_response_body === undefined;
  const fromHeader = useHeader ? linkFromHeader(response.headers['link'], p.link_rel_in_response_header ?? 'next') : undefined;
  const link = fromHeader ?? fromBody;
  return typeof link === 'string' && link.trim() !== '' ? link.trim() : undefined;
}

/** Parse an RFC 8288 `Link` header and return the target whose `rel` list contains `rel`. */
export function linkFromHeader(header: string | undefined, rel: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/s.exec(part);
    const rels = match?.[2] ? /;\s*rel\s*=\s*"?([^";]+)"?/i.exec(match[2])?.[1] : undefined;
    if (match && rels?.toLowerCase().split(/\s+/).includes(rel.toLowerCase())) return match[1];
  }
  return undefined;
}

function normalizeCursor(value: unknown): string | number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '') return value;
  return undefined;
}

function searchParamsToRecord(search: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of search) {
    const prev = out[key];
    out[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}
