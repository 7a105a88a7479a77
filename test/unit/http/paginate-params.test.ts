/**
 * Where pagination parameters go: dotted names nest in a JSON body (GraphQL `variables.after`)
 * without touching the script's `data`, stay literal keys in the query string (as Nango sends
 * them), and a `paginate` block without `type` completes the provider's default.
 */
import { describe, expect, it } from 'vitest';
import { ProxyConfigError } from '../../../functions/engine/http/errors.js';
import { setPath } from '../../../functions/engine/http/object-path.js';
import type { ProxyConfiguration } from '../../../functions/engine/http/proxy-config.js';
import { collect, fakeClient, json } from './fake-fetch.js';

const NODES = Array.from({ length: 5 }, (_, i) => ({ id: `n${i}` }));
const ids = (pages: { id: string }[][]) => pages.map((p) => p.map((r) => r.id));

describe('dotted names in a JSON body', () => {
  it('sets variables.first / variables.after for a GraphQL POST and leaves the script data unchanged', async () => {
    const { http, calls } = fakeClient((call) => {
      const { variables } = JSON.parse(call.body!) as { variables: { first: number; after?: string } };
      const start = variables.after === undefined ? 0 : Number(variables.after.slice(1));
      const end = start + variables.first;
      return json(200, { data: { items: { nodes: NODES.slice(start, end), pageInfo: { endCursor: end < NODES.length ? `c${end}` : null } } } });
    });
    const data = { query: 'query Items($first: Int, $after: String) { items { nodes { id } } }', variables: { filter: 'open' } };
    const before = structuredClone(data);
    const config: ProxyConfiguration = {
      endpoint: '/graphql',
      method: 'POST',
      data,
      paginate: {
        type: 'cursor',
        cursor_name_in_request: 'variables.after',
        cursor_path_in_response: 'data.items.pageInfo.endCursor',
        limit: 2,
        limit_name_in_request: 'variables.first',
        response_path: 'data.items.nodes',
      },
    };

    const pages = await collect(http.paginate<{ id: string }>(config));

    expect(ids(pages)).toEqual([['n0', 'n1'], ['n2', 'n3'], ['n4']]);
    expect(calls.map((c) => JSON.parse(c.body!))).toEqual([
      { query: data.query, variables: { filter: 'open', first: 2 } },
      { query: data.query, variables: { filter: 'open', first: 2, after: 'c2' } },
      { query: data.query, variables: { filter: 'open', first: 2, after: 'c4' } },
    ]);
    expect(calls.every((c) => c.url.search === '')).toBe(true);
    expect(data).toEqual(before);
  });

  it('nests an offset name too (pagination.offset), creating the object when data has none', async () => {
    const { http, calls } = fakeClient((call) => {
      const { pagination } = JSON.parse(call.body!) as { pagination: { offset: number; limit: number } };
      return json(200, { rows: NODES.slice(pagination.offset, pagination.offset + pagination.limit) });
    });
    const config: ProxyConfiguration = {
      endpoint: '/search',
      method: 'POST',
      data: { sort: 'asc' },
      paginate: { type: 'offset', offset_name_in_request: 'pagination.offset', limit: 3, limit_name_in_request: 'pagination.limit', response_path: 'rows' },
    };

    expect(ids(await collect(http.paginate(config)))).toEqual([
      ['n0', 'n1', 'n2'],
      ['n3', 'n4'],
    ]);
    expect(calls.map((c) => JSON.parse(c.body!))).toEqual([
      { sort: 'asc', pagination: { limit: 3, offset: 0 } },
      { sort: 'asc', pagination: { limit: 3, offset: 3 } },
    ]);
  });

  it('refuses a body that is not a plain object', async () => {
    const { http, calls } = fakeClient(() => json(200, []));
    const config: ProxyConfiguration = { endpoint: '/q', method: 'POST', data: 'raw', paginate: { type: 'offset', offset_name_in_request: 'o' } };
    await expect(collect(http.paginate(config))).rejects.toBeInstanceOf(ProxyConfigError);
    expect(calls).toHaveLength(0);
  });
});

describe('dotted names in the query string', () => {
  it('are literal keys, as Nango sends them', async () => {
    const { http, calls } = fakeClient((call) => {
      const after = call.url.searchParams.get('page.after');
      return json(200, after === null ? { items: [{ id: 'a' }], next: 'x' } : { items: [{ id: 'b' }] });
    });
    const config: ProxyConfiguration = {
      endpoint: '/items',
      paginate: { type: 'cursor', cursor_name_in_request: 'page.after', cursor_path_in_response: 'next', limit: 1, limit_name_in_request: 'page.size', response_path: 'items' },
    };

    expect(ids(await collect(http.paginate<{ id: string }>(config)))).toEqual([['a'], ['b']]);
    expect(calls.map((c) => c.url.search)).toEqual(['?page.size=1', '?page.size=1&page.after=x']);
  });
});

describe('pagination config', () => {
  it('merges a paginate block without type over the provider default', async () => {
    const { http, calls } = fakeClient(
      (call) => json(200, call.url.searchParams.has('cursor') ? { items: [{ id: 'b' }] } : { items: [{ id: 'a' }], next: 'c1' }),
      {},
      {
        pagination: { type: 'cursor', cursor_name_in_request: 'cursor', cursor_path_in_response: 'next', response_path: 'items' },
      },
    );

    const pages = await collect(http.paginate<{ id: string }>({ endpoint: '/items', paginate: { limit: 10, limit_name_in_request: 'per_page' } }));

    expect(ids(pages)).toEqual([['a'], ['b']]);
    expect(calls.map((c) => c.url.search)).toEqual(['?per_page=10', '?per_page=10&cursor=c1']);
  });

  it.each<[string, ProxyConfiguration['paginate'], RegExp]>([
    ['a cursor without its request name', { type: 'cursor', cursor_path_in_response: 'next' } as never, /cursor_name_in_request/],
    ['a cursor without its response path', { type: 'cursor', cursor_name_in_request: 'c' } as never, /cursor_path_in_response/],
    ['a cursor limit without its name', { type: 'cursor', cursor_name_in_request: 'c', cursor_path_in_response: 'n', limit: 5 }, /limit_name_in_request/],
    ['an offset without its name', { type: 'offset' } as never, /offset_name_in_request/],
  ])('refuses %s before any request', async (_name, paginate, message) => {
    const { http, calls } = fakeClient(() => json(200, []));
    await expect(collect(http.paginate({ endpoint: '/x', paginate }))).rejects.toThrow(message);
    expect(calls).toHaveLength(0);
  });
});

describe('setPath', () => {
  it('copies every object on the path and shares the rest', () => {
    const shared = { keep: true };
    const target = { variables: { first: 1 }, other: shared };

    const out = setPath(target, 'variables.after', 'c');

    expect(out).toEqual({ variables: { first: 1, after: 'c' }, other: shared });
    expect(out.other).toBe(shared);
    expect(target).toEqual({ variables: { first: 1 }, other: { keep: true } });
  });

  it('creates arrays for index segments and replaces a non-object step, like lodash set', () => {
    expect(setPath({}, 'filters[0].cursor', 'c')).toEqual({ filters: [{ cursor: 'c' }] });
    expect(setPath({ a: 'text' }, 'a.b', 1)).toEqual({ a: { b: 1 } });
  });

  it.each(['__proto__.polluted', 'constructor.prototype.x', 'a..b'])('refuses %s', (path) => {
    expect(() => setPath({}, path, 1)).toThrow(ProxyConfigError);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
