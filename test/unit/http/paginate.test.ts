import { parseProvider } from '../../../functions/engine/providers/provider.js';
import { afterEach, describe, expect, it } from 'vitest';
import { ProxyConfigError } from '../../../functions/engine/http/errors.js';
import { getPath, linkFromHeader } from '../../../functions/engine/http/paginate.js';
import { createProviderHttp } from '../../../functions/engine/http/provider-http.js';
import type { ProxyConfiguration } from '../../../functions/engine/http/proxy-config.js';
import { sendJson, startServer } from './test-server.js';
import type { RecordedRequest, TestServer } from './test-server.js';
import type { ServerResponse } from 'node:http';

/** Seven records, the provider's whole list. */
const ALL = Array.from({ length: 7 }, (_, i) => ({ id: `r${i}` }));

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function provider(handle: (req: RecordedRequest, res: ServerResponse) => void) {
  server = await startServer(handle);
  const http = createProviderHttp({
    provider: parseProvider({ baseUrl: `${server.baseUrl}/api`, auth: { mode: 'OAUTH2' } }),
    getCredentials: async () => ({ type: 'OAUTH2', accessToken: 'at-1' }),
  });
  return { http, server };
}

async function collect(pages: AsyncIterable<unknown[]>): Promise<unknown[][]> {
  const out: unknown[][] = [];
  for await (const page of pages) out.push(page);
  return out;
}

const ids = (pages: unknown[][]) => pages.map((p) => p.map((r) => (r as { id: string }).id));

describe('cursor pagination', () => {
  it('sends the cursor from a dot path until it is missing', async () => {
    const { http, server } = await provider((req, res) => {
      const start = Number(req.query.get('after') ?? 0);
      const end = start + Number(req.query.get('limit'));
      sendJson(res, 200, { results: ALL.slice(start, end), meta: end < ALL.length ? { next_cursor: String(end) } : {} });
    });
    const config: ProxyConfiguration = {
      endpoint: '/contacts',
      params: { filter: 'active' },
      paginate: { type: 'cursor', cursor_path_in_response: 'meta.next_cursor', cursor_name_in_request: 'after', limit: 3, limit_name_in_request: 'limit', response_path: 'results' },
    };
    expect(ids(await collect(http.paginate(config)))).toEqual([['r0', 'r1', 'r2'], ['r3', 'r4', 'r5'], ['r6']]);
    expect(server.requests.map((r) => r.url)).toEqual(['/api/contacts?filter=active&limit=3', '/api/contacts?filter=active&limit=3&after=3', '/api/contacts?filter=active&limit=3&after=6']);
    expect(server.requests.every((r) => r.headers.authorization === 'Bearer at-1')).toBe(true);
  });

  it('stops on an empty page or a blank cursor', async () => {
    const { http, server } = await provider((req, res) => sendJson(res, 200, req.query.get('c') ? { items: [], next: 'again' } : { items: [{ id: 'a' }], next: 'c1' }));
    const config: ProxyConfiguration = { endpoint: '/x', paginate: { type: 'cursor', cursor_path_in_response: 'next', cursor_name_in_request: 'c', response_path: 'items' } };
    expect(ids(await collect(http.paginate(config)))).toEqual([['a']]);
    expect(server.requests).toHaveLength(2);
  });
});

describe('link pagination', () => {
  it('follows the Link header rel=next (absolute URL, same origin) with the params it carries', async () => {
    const { http, server } = await provider((req, res) => {
      const page = Number(req.query.get('page') ?? 1);
      const links = [`<${server.baseUrl}/api/issues?page=1&per_page=3>; rel="first"`];
      if (page * 3 < ALL.length) links.push(`<${server.baseUrl}/api/issues?page=${page + 1}&per_page=3>; rel="next"`);
      sendJson(res, 200, ALL.slice((page - 1) * 3, page * 3), { Link: links.join(', ') });
    });
    const config: ProxyConfiguration = {
      endpoint: '/issues',
      params: { per_page: 3, state: 'open' },
      paginate: { type: 'link', link_rel_in_response_header: 'next' },
    };
    expect(ids(await collect(http.paginate(config)))).toEqual([['r0', 'r1', 'r2'], ['r3', 'r4', 'r5'], ['r6']]);
    expect(server.requests.map((r) => r.url)).toEqual(['/api/issues?per_page=3&state=open', '/api/issues?page=2&per_page=3', '/api/issues?page=3&per_page=3']);
  });

  it('follows a body link path, including keys with dots like @odata.nextLink', async () => {
    const { http, server } = await provider((req, res) => {
      const skip = Number(req.query.get('$skip') ?? 0);
      const next = skip + 4 < ALL.length ? { '@odata.nextLink': `/api/users?$skip=${skip + 4}` } : {};
      sendJson(res, 200, { value: ALL.slice(skip, skip + 4), ...next });
    });
    const config: ProxyConfiguration = {
      endpoint: 'users',
      paginate: { type: 'link', link_path_in_response_body: '@odata.nextLink', response_path: 'value', limit: 4, limit_name_in_request: '$top' },
    };
    expect(ids(await collect(http.paginate(config)))).toEqual([
      ['r0', 'r1', 'r2', 'r3'],
      ['r4', 'r5', 'r6'],
    ]);
    expect(server.requests.map((r) => r.url)).toEqual(['/api/users?%24top=4', '/api/users?%24skip=4']);
  });

  it('refuses to follow a link to another origin, so credentials never reach it', async () => {
    const other = await startServer((req, res) => sendJson(res, 200, []));
    try {
      const { http } = await provider((req, res) => sendJson(res, 200, { data: [{ id: 'a' }], paging: { next: `${other.baseUrl}/api/steal` } }));
      const pages = http.paginate({ endpoint: '/x', paginate: { type: 'link', link_path_in_response_body: 'paging.next', response_path: 'data' } });
      await expect(collect(pages)).rejects.toThrow(ProxyConfigError);
      expect(other.requests).toHaveLength(0);
    } finally {
      await other.close();
    }
  });
});

describe('offset pagination', () => {
  const offsetServer = () =>
    provider((req, res) => {
      const size = Number(req.query.get('limit'));
      const page = Number(req.query.get('page') ?? -1);
      const start = page >= 0 ? (page - 1) * size : Number(req.query.get('offset'));
      sendJson(res, 200, { data: { rows: ALL.slice(start, start + size) } });
    });

  it('per-page: adds one per page and stops on a short page', async () => {
    const { http, server } = await offsetServer();
    const config: ProxyConfiguration = {
      endpoint: '/rows',
      paginate: { type: 'offset', offset_name_in_request: 'page', offset_start_value: 1, offset_calculation_method: 'per-page', limit: 3, limit_name_in_request: 'limit', response_path: 'data.rows' },
    };
    expect(ids(await collect(http.paginate(config)))).toEqual([['r0', 'r1', 'r2'], ['r3', 'r4', 'r5'], ['r6']]);
    expect(server.requests.map((r) => r.query.get('page'))).toEqual(['1', '2', '3']);
  });

  it('by-response-size (default): adds the number of records and starts at 0', async () => {
    const { http, server } = await offsetServer();
    const nextParams: unknown[] = [];
    const config: ProxyConfiguration = {
      endpoint: '/rows',
      paginate: {
        type: 'offset',
        offset_name_in_request: 'offset',
        limit: 2,
        limit_name_in_request: 'limit',
        response_path: 'data.rows',
        on_page: async ({ nextPageParam }) => void nextParams.push(nextPageParam),
      },
    };
    expect(ids(await collect(http.paginate(config)))).toEqual([['r0', 'r1'], ['r2', 'r3'], ['r4', 'r5'], ['r6']]);
    expect(server.requests.map((r) => r.query.get('offset'))).toEqual(['0', '2', '4', '6']);
    expect(nextParams).toEqual([2, 4, 6, undefined]);
  });
});

describe('in_body', () => {
  it('puts cursor and limit in the JSON body (default for POST) and keeps the script body', async () => {
    const { http, server } = await provider((req, res) => {
      const body = JSON.parse(req.body) as { cursor?: string; page_size: number };
      const start = Number(body.cursor ?? 0);
      const end = start + body.page_size;
      sendJson(res, 200, { results: ALL.slice(start, end), next_cursor: end < ALL.length ? String(end) : null });
    });
    const config: ProxyConfiguration = {
      endpoint: '/search',
      method: 'POST',
      data: { query: 'x' },
      paginate: { type: 'cursor', cursor_path_in_response: 'next_cursor', cursor_name_in_request: 'cursor', limit: 4, limit_name_in_request: 'page_size', response_path: 'results' },
    };
    expect(ids(await collect(http.paginate(config)))).toEqual([
      ['r0', 'r1', 'r2', 'r3'],
      ['r4', 'r5', 'r6'],
    ]);
    expect(server.requests.map((r) => JSON.parse(r.body))).toEqual([
      { query: 'x', page_size: 4 },
      { query: 'x', page_size: 4, cursor: '4' },
    ]);
    expect(server.requests.every((r) => r.url === '/api/search')).toBe(true);
  });

  it('in_body: true sends offset params in the body of any method', async () => {
    const { http, server } = await provider((req, res) => {
      const body = JSON.parse(req.body) as { skip: number };
      sendJson(res, 200, ALL.slice(body.skip, body.skip + 5));
    });
    const config: ProxyConfiguration = { endpoint: '/q', method: 'PUT', paginate: { type: 'offset', offset_name_in_request: 'skip', in_body: true, limit: 5 } };
    expect(ids(await collect(http.paginate(config)))).toEqual([
      ['r0', 'r1', 'r2', 'r3', 'r4'],
      ['r5', 'r6'],
    ]);
    expect(server.requests.map((r) => JSON.parse(r.body))).toEqual([{ skip: 0 }, { skip: 5 }]);
  });
});

describe('helpers', () => {
  it('getPath reads dot paths, indexes and dotted keys', () => {
    expect(getPath({ a: { b: [{ c: 1 }] } }, 'a.b[0].c')).toBe(1);
    expect(getPath({ 'x.y': { z: 2 } }, 'x.y.z')).toBe(2);
    expect(getPath({ a: 1 }, 'a.b')).toBeUndefined();
    expect(getPath([1], '')).toEqual([1]);
  });

  it('linkFromHeader picks the requested rel', () => {
    const header = '<https://a/x?page=1>; rel="prev", <https://a/x?page=3>; rel="next last"';
    expect(linkFromHeader(header, 'next')).toBe('https://a/x?page=3');
    expect(linkFromHeader(header, 'first')).toBeUndefined();
  });
});
