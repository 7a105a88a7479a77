/**
 * The request a call sends: params as Nango types them (numbers, arrays of numbers), the
 * script's headers over the provider's, `decompress: false`, lower-case methods, and
 * `baseUrlOverride`.
 */
import { describe, expect, it } from 'vitest';
import { ProxyConfigError } from '../../../functions/engine/http/errors.js';
import type { ProxyParams } from '../../../functions/engine/http/proxy-config.js';
import { fakeClient, json } from './fake-fetch.js';

describe('params', () => {
  it('sends numbers, and arrays of strings or numbers as repeated keys, after the endpoint query', async () => {
    const { http, calls } = fakeClient(() => json(200, {}));
    const params: ProxyParams = { limit: 50, ids: [3, 1, 2], tags: ['a', 'b'], 'filter.status': 'open', zero: 0 };

    await http.get({ endpoint: '/items?fixed=1', params });

    const query = calls[0]!.url.searchParams;
    expect(query.get('fixed')).toBe('1');
    expect(query.get('limit')).toBe('50');
    expect(query.getAll('ids')).toEqual(['3', '1', '2']);
    expect(query.getAll('tags')).toEqual(['a', 'b']);
    expect(query.get('filter.status')).toBe('open');
    expect(query.get('zero')).toBe('0');
  });

  it('takes a raw query string', async () => {
    const { http, calls } = fakeClient(() => json(200, {}));
    await http.get({ endpoint: '/items', params: 'a=1&a=2&b=x%20y' });
    expect(calls[0]!.url.searchParams.getAll('a')).toEqual(['1', '2']);
    expect(calls[0]!.url.searchParams.get('b')).toBe('x y');
  });

  it('refuses params that are neither', async () => {
    const { http, calls } = fakeClient(() => json(200, {}));
    await expect(http.get({ endpoint: '/items', params: 5 as unknown as ProxyParams })).rejects.toBeInstanceOf(ProxyConfigError);
    expect(calls).toHaveLength(0);
  });
});

describe('headers, methods, decompress, baseUrlOverride', () => {
  it('lets the script override a provider header (case-insensitively) and add its own', async () => {
    const { http, calls } = fakeClient(() => json(200, {}), {}, { proxy: { headers: { Accept: 'application/xml', 'X-Provider': 'p' } } });
    await http.get({ endpoint: '/x', headers: { accept: 'application/json', 'X-Script': 's' } });
    const headers = calls[0]!.headers;
    expect(headers.get('accept')).toBe('application/json');
    expect(headers.get('x-provider')).toBe('p');
    expect(headers.get('x-script')).toBe('s');
  });

  it('asks for an uncompressed body with decompress: false only', async () => {
    const { http, calls } = fakeClient(() => json(200, {}));
    await http.get({ endpoint: '/x', decompress: false });
    await http.get({ endpoint: '/x' });
    expect(calls.map((c) => c.headers.get('accept-encoding'))).toEqual(['identity', null]);
  });

  it('accepts lower-case methods', async () => {
    const { http, calls } = fakeClient(() => json(200, {}));
    for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) await http.proxy({ endpoint: '/x', method });
    expect(calls.map((c) => c.method)).toEqual(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
  });

  it('sends to baseUrlOverride instead of the provider base URL', async () => {
    const { http, calls } = fakeClient(() => json(200, {}));
    await http.get({ endpoint: '/v2/files', baseUrlOverride: 'https://files.example.com/root' });
    expect(calls[0]!.url.href).toBe('https://files.example.com/root/v2/files');
  });

  it('refuses a baseUrlOverride that is not http(s), without retrying it as a network error', async () => {
    const { http, calls, delays } = fakeClient(() => json(200, {}));
    await expect(http.get({ endpoint: '/x', baseUrlOverride: 'file:///etc', retries: 3 })).rejects.toThrow(/only http and https/);
    expect(calls).toHaveLength(0);
    expect(delays).toEqual([]);
  });
});
