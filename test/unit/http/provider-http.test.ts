import { afterEach, describe, expect, it } from 'vitest';
import type { Credentials } from '../../../functions/engine/connection.js';
import { parseProvider, type ProviderInput } from '../../../functions/engine/providers/provider.js';
import { ProxyConfigError } from '../../../functions/engine/http/errors.js';
import { createProviderHttp } from '../../../functions/engine/http/provider-http.js';
import { sendJson, startServer } from './test-server.js';
import type { TestServer } from './test-server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function echoServer(): Promise<TestServer> {
  server = await startServer((req, res) => sendJson(res, 200, { ok: true }, { 'X-Request-Id': 'r-1' }));
  return server;
}

function client(baseUrl: string, auth: ProviderInput['auth'], credentials: Credentials, proxy?: ProviderInput['proxy']) {
  return createProviderHttp({ provider: parseProvider({ baseUrl, auth, ...(proxy ? { proxy } : {}) }), getCredentials: async () => credentials });
}

describe('auth injection', () => {
  it('API_KEY defaults to Authorization: Bearer <key>', async () => {
    const { baseUrl, requests } = await echoServer();
    await client(baseUrl, { mode: 'API_KEY' }, { type: 'API_KEY', apiKey: 'k-123' }).get({ endpoint: '/x' });
    expect(requests[0]?.headers.authorization).toBe('Bearer k-123');
  });

  it('API_KEY goes where the provider header templates say, with no default Authorization beside it', async () => {
    const { baseUrl, requests } = await echoServer();
    await client(baseUrl, { mode: 'API_KEY' }, { type: 'API_KEY', apiKey: 'k-1' }, { headers: { 'X-Api-Key': '${apiKey}' } }).get({ endpoint: '/x' });
    await client(baseUrl, { mode: 'API_KEY' }, { type: 'API_KEY', apiKey: 'k-2' }, { headers: { Authorization: 'Token ${apiKey}' } }).get({ endpoint: '/x' });
    expect(requests[0]?.headers['x-api-key']).toBe('k-1');
    expect(requests[0]?.headers.authorization).toBeUndefined();
    expect(requests[1]?.headers.authorization).toBe('Token k-2');
  });

  it('API_KEY in the query string', async () => {
    const { baseUrl, requests } = await echoServer();
    await client(baseUrl, { mode: 'API_KEY' }, { type: 'API_KEY', apiKey: 'k-q' }, { query: { hapikey: '${apiKey}' } }).get({ endpoint: '/x', params: { a: '1' } });
    expect(requests[0]?.query.get('hapikey')).toBe('k-q');
    expect(requests[0]?.query.get('a')).toBe('1');
    expect(requests[0]?.headers.authorization).toBeUndefined();
  });

  it('BASIC sends base64(user:pass)', async () => {
    const { baseUrl, requests } = await echoServer();
    await client(baseUrl, { mode: 'BASIC' }, { type: 'BASIC', username: 'ann', password: 'p@ss:word' }).get({ endpoint: '/x' });
    expect(requests[0]?.headers.authorization).toBe(`Basic ${Buffer.from('ann:p@ss:word').toString('base64')}`);
  });

  it('OAUTH2 sends the access token as a bearer token', async () => {
    const { baseUrl, requests } = await echoServer();
    await client(baseUrl, { mode: 'OAUTH2' }, { type: 'OAUTH2', accessToken: 'at-9' }).get({ endpoint: '/x' });
    expect(requests[0]?.headers.authorization).toBe('Bearer at-9');
  });

  it('NONE sends no credentials', async () => {
    const { baseUrl, requests } = await echoServer();
    await client(baseUrl, { mode: 'NONE' }, { type: 'NONE' }).get({ endpoint: '/x' });
    expect(requests[0]?.headers.authorization).toBeUndefined();
  });

  it('rejects credentials that do not match the auth mode, without echoing them', async () => {
    const { baseUrl } = await echoServer();
    const error = await client(baseUrl, { mode: 'OAUTH2' }, { type: 'API_KEY', apiKey: 'k-secret' })
      .get({ endpoint: '/x' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProxyConfigError);
    expect((error as Error).message).not.toContain('k-secret');
  });
});

describe('requests and responses', () => {
  it('joins base URL and endpoint, repeats array params, merges provider and script headers', async () => {
    const { baseUrl, requests } = await echoServer();
    const http = client(`${baseUrl}/v3/`, { mode: 'NONE' }, { type: 'NONE' }, { headers: { 'X-Provider': 'p' } });
    await http.get({ endpoint: 'contacts?x=1', params: { ids: ['a', 'b'], n: 2, q: 'a b&c' }, headers: { 'X-Script': 's' } });
    await http.get({ endpoint: '/deals', params: 'status=open&tag=1&tag=2' });
    const first = requests[0]!;
    expect(first.path).toBe('/v3/contacts');
    expect(first.query.get('x')).toBe('1');
    expect(first.query.getAll('ids')).toEqual(['a', 'b']);
    expect(first.query.get('n')).toBe('2');
    expect(first.query.get('q')).toBe('a b&c');
    expect(first.headers['x-provider']).toBe('p');
    expect(first.headers['x-script']).toBe('s');
    expect(requests[1]?.path).toBe('/v3/deals');
    expect(requests[1]?.query.getAll('tag')).toEqual(['1', '2']);
  });

  it('sends objects as JSON with a content type and resolves to { data, status, headers }', async () => {
    server = await startServer((req, res) => sendJson(res, 201, { got: JSON.parse(req.body) }, { 'X-Request-Id': 'r-7' }));
    const http = client(server.baseUrl, { mode: 'NONE' }, { type: 'NONE' });
    const res = await http.post({ endpoint: '/items', data: { name: 'n', tags: [1] } });
    expect(server.requests[0]?.method).toBe('POST');
    expect(server.requests[0]?.headers['content-type']).toBe('application/json');
    expect(res).toMatchObject({ status: 201, data: { got: { name: 'n', tags: [1] } } });
    expect(res.headers['x-request-id']).toBe('r-7');
  });

  it('uses the method of each shortcut', async () => {
    const { baseUrl, requests } = await echoServer();
    const http = client(baseUrl, { mode: 'NONE' }, { type: 'NONE' });
    await http.put({ endpoint: '/a', data: {} });
    await http.patch({ endpoint: '/a', data: {} });
    await http.delete({ endpoint: '/a' });
    await http.proxy({ endpoint: '/a', method: 'post', data: 'raw' });
    expect(requests.map((r) => r.method)).toEqual(['PUT', 'PATCH', 'DELETE', 'POST']);
    expect(requests[3]?.body).toBe('raw');
  });

  it('reads text and arraybuffer bodies', async () => {
    server = await startServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('{"not":"parsed"}');
    });
    const http = client(server.baseUrl, { mode: 'NONE' }, { type: 'NONE' });
    expect((await http.get({ endpoint: '/t', responseType: 'text' })).data).toBe('{"not":"parsed"}');
    const bin = await http.get({ endpoint: '/b', responseType: 'arraybuffer' });
    expect(Buffer.isBuffer(bin.data)).toBe(true);
    expect((bin.data as Buffer).toString('utf8')).toBe('{"not":"parsed"}');
  });

  it('refuses an absolute endpoint unless baseUrlOverride is given', async () => {
    const { baseUrl, requests } = await echoServer();
    const http = client('https://provider.invalid', { mode: 'OAUTH2' }, { type: 'OAUTH2', accessToken: 'at' });
    await expect(http.get({ endpoint: `${baseUrl}/x` })).rejects.toThrow(/baseUrlOverride/);
    await http.get({ endpoint: '/over', baseUrlOverride: baseUrl });
    expect(requests.map((r) => r.path)).toEqual(['/over']);
  });

  it('calls beforeCall before each attempt and lets its exception stop the call', async () => {
    const { baseUrl, requests } = await echoServer();
    let calls = 0;
    const http = createProviderHttp({
      provider: parseProvider({ baseUrl, auth: { mode: 'NONE' } }),
      getCredentials: async () => ({ type: 'NONE' }),
      beforeCall: () => {
        calls += 1;
        if (calls > 1) throw new Error('deadline reached');
      },
    });
    await http.get({ endpoint: '/x' });
    await expect(http.get({ endpoint: '/x' })).rejects.toThrow('deadline reached');
    expect(calls).toBe(2);
    expect(requests).toHaveLength(1);
  });
});
