/**
 * Nango's proxy end to end, driven by Nango's own Node client (`nango.get/post/proxy`) against
 * the API on 127.0.0.1 and DynamoDB Local, with a fake provider on 127.0.0.1 recording what
 * reaches it: credentials injected per the provider's template (API key) and as a bearer
 * (OAuth), forwarded headers, params and body, a 401 answered by a refresh and one retry, a 429
 * retried with `retries`, a provider 404 passed back as sent, unknown connections, the scopes,
 * and the SSRF refusals of the AWS configuration (nothing requested).
 */
import { Nango } from '@nangohq/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROXY_MAX_REQUEST_BYTES } from '../../functions/engine/proxy/limits.js';
import { API_KEY } from '../support/api-kit.js';
import { KEYED, OAUTH, PROVIDER_KEY, type ProxyKit, startProxyKit } from '../support/proxy-kit.js';

let kit: ProxyKit;
let nango: Nango;

/** The axios error `@nangohq/node` throws for a non-2xx answer. */
async function failure(promise: Promise<unknown>): Promise<{ status: number; data: any; headers: Record<string, string> }> {
  try {
    await promise;
  } catch (error) {
    const response = (error as { response?: { status: number; data: unknown; headers: Record<string, string> } }).response;
    if (response) return response;
    throw error;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  kit = await startProxyKit();
  nango = new Nango({ secretKey: API_KEY, host: kit.local.url });
  const imports = [
    { provider_config_key: KEYED, connection_id: 'keyed-1', credentials: { type: 'API_KEY', apiKey: PROVIDER_KEY } },
    {
      provider_config_key: OAUTH,
      connection_id: 'oauth-1',
      // Not expired, but the provider no longer takes it: only the 401 tells.
      credentials: { type: 'OAUTH2', access_token: 'at-proxy-stale', refresh_token: 'rt-proxy-0', expires_at: new Date(kit.kit.clock.now() + 3_600_000).toISOString() },
    },
  ];
  for (const body of imports) expect((await kit.kit.call('POST', '/connections', { body })).status).toBe(201);
}, 60_000);

afterAll(async () => {
  await kit?.stop();
});

const providerRequests = (path: string) => kit.provider.requests.filter((r) => r.path === path);

describe('/proxy with @nangohq/node', () => {
  it('injects the API key per the provider template on nango.get, with params', async () => {
    const res = await nango.get({ endpoint: '/contacts', providerConfigKey: KEYED, connectionId: 'keyed-1', params: { limit: '2', q: 'a b' } });
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({ method: 'GET', path: '/v1/contacts', query: 'limit=2&q=a+b' });
    const [seen] = providerRequests('/v1/contacts');
    expect(seen!.headers['x-api-key']).toBe(PROVIDER_KEY);
    expect(seen!.headers.authorization).toBeUndefined(); // the Syncline key never travels on
  });

  it('passes a POST body and Nango-Proxy-* headers on, as nango.post sends them', async () => {
    const res = await nango.post({ endpoint: '/notes', providerConfigKey: KEYED, connectionId: 'keyed-1', data: { name: 'Ada', tags: ['x'] }, headers: { 'X-Api-Version': '2024-06' } });
    expect(res.status).toBe(201);
    const [seen] = providerRequests('/v1/notes');
    expect(JSON.parse(seen!.body)).toEqual({ name: 'Ada', tags: ['x'] });
    expect(seen!.headers['x-api-version']).toBe('2024-06');
    expect(seen!.headers['content-type']).toMatch(/^application\/json/);
    expect(seen!.method).toBe('POST');
  });

  it('injects the OAuth bearer, refreshing the token on a 401 and retrying once', async () => {
    const res = await nango.proxy({ method: 'GET', endpoint: '/api/me', providerConfigKey: OAUTH, connectionId: 'oauth-1' });
    expect(res.data).toEqual({ path: '/api/me', user: 'ada' });
    expect(providerRequests('/api/me').map((r) => r.headers.authorization)).toEqual(['Bearer at-proxy-stale', 'Bearer at-proxy-valid-1']);
    expect(providerRequests('/oauth/token')).toHaveLength(1);
    // The refreshed token is kept: the next call uses it at once.
    await nango.get({ endpoint: '/api/again', providerConfigKey: OAUTH, connectionId: 'oauth-1' });
    expect(providerRequests('/api/again').map((r) => r.headers.authorization)).toEqual(['Bearer at-proxy-valid-1']);
  });

  it('retries a 429 with Retry-After: 0 when asked (retries: 2)', async () => {
    kit.state.flakyFailures = 1;
    const res = await nango.proxy({ method: 'GET', endpoint: '/flaky', providerConfigKey: KEYED, connectionId: 'keyed-1', retries: 2 });
    expect(res.data).toEqual({ ok: true });
    expect(providerRequests('/v1/flaky')).toHaveLength(2);
  });

  it('does not retry without retries', async () => {
    kit.state.flakyFailures = 1;
    const before = providerRequests('/v1/flaky').length;
    expect((await failure(nango.get({ endpoint: '/flaky', providerConfigKey: KEYED, connectionId: 'keyed-1' }))).status).toBe(429);
    expect(providerRequests('/v1/flaky')).toHaveLength(before + 1);
    kit.state.flakyFailures = 0;
  });

  it("passes the provider's 404 back with its JSON body, without its cookies", async () => {
    const res = await failure(nango.get({ endpoint: '/missing', providerConfigKey: KEYED, connectionId: 'keyed-1' }));
    expect(res.status).toBe(404);
    expect(res.data).toEqual({ message: 'Contact not found', code: 'NOT_FOUND' });
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('calls a Base-Url-Override on 127.0.0.1 locally, with the credentials', async () => {
    const res = await nango.proxy({ method: 'GET', endpoint: '/other', baseUrlOverride: `${kit.provider.baseUrl}/v1/override`, providerConfigKey: KEYED, connectionId: 'keyed-1' });
    expect(res.data).toMatchObject({ path: '/v1/override/other' });
  });

  it('passes a raw binary PUT body on byte for byte; PATCH and DELETE go through too', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255, 0x89]);
    const headers = { Authorization: `Bearer ${API_KEY}`, 'Provider-Config-Key': KEYED, 'Connection-Id': 'keyed-1', 'Content-Type': 'application/octet-stream' };
    const put = await fetch(`${kit.local.url}/proxy/files/a%20b.bin?v=1`, { method: 'PUT', headers, body: bytes });
    expect(put.status).toBe(200);
    const [seen] = providerRequests('/v1/files/a%20b.bin');
    expect(seen!.url).toBe('/v1/files/a%20b.bin?v=1');
    expect(seen!.headers['content-type']).toBe('application/octet-stream');
    expect(Number(seen!.headers['content-length'])).toBe(bytes.length);
    for (const method of ['PATCH', 'DELETE']) expect((await fetch(`${kit.local.url}/proxy/items/1`, { method, headers })).status).toBe(200);
    expect(providerRequests('/v1/items/1').map((r) => r.method)).toEqual(['PATCH', 'DELETE']);
  });

  it('takes bodies up to its own limit, above the API-wide 256 KiB, and answers 413 above it', async () => {
    const headers = { Authorization: `Bearer ${API_KEY}`, 'Provider-Config-Key': KEYED, 'Connection-Id': 'keyed-1', 'Content-Type': 'text/plain' };
    const big = await fetch(`${kit.local.url}/proxy/upload`, { method: 'POST', headers, body: 'x'.repeat(1_000_000) });
    expect(big.status).toBe(201);
    const before = kit.provider.requests.length;
    const tooBig = await fetch(`${kit.local.url}/proxy/upload`, { method: 'POST', headers, body: 'x'.repeat(PROXY_MAX_REQUEST_BYTES + 1) });
    expect(tooBig.status).toBe(413);
    expect(kit.provider.requests.length).toBe(before);
  });

  it('answers unknown connections and integrations with an error', async () => {
    const unknownConnection = await failure(nango.get({ endpoint: '/contacts', providerConfigKey: KEYED, connectionId: 'nobody' }));
    expect(unknownConnection).toMatchObject({ status: 400, data: { error: { code: 'unknown_connection' } } });
    const unknownIntegration = await failure(nango.get({ endpoint: '/contacts', providerConfigKey: 'nope', connectionId: 'keyed-1' }));
    expect(unknownIntegration).toMatchObject({ status: 404, data: { error: { code: 'unknown_provider_config' } } });
  });

  it('needs proxy:read for GET and proxy:write for the rest', async () => {
    const create = (scopes: string[]) => kit.kit.call('POST', '/api-keys', { body: { name: scopes.join(' '), scopes } });
    const noProxy = (await create(['connections:read'])).body.secret as string;
    const reader = (await create(['proxy:read'])).body.secret as string;
    const before = kit.provider.requests.length;
    const as = (secretKey: string) => new Nango({ secretKey, host: kit.local.url });

    expect(await failure(as(noProxy).get({ endpoint: '/contacts', providerConfigKey: KEYED, connectionId: 'keyed-1' }))).toMatchObject({ status: 403, data: { error: { code: 'forbidden' } } });
    expect(await failure(as(reader).post({ endpoint: '/contacts', providerConfigKey: KEYED, connectionId: 'keyed-1', data: {} }))).toMatchObject({ status: 403 });
    expect(kit.provider.requests.length).toBe(before);
    expect((await as(reader).get({ endpoint: '/contacts', providerConfigKey: KEYED, connectionId: 'keyed-1' })).status).toBe(200);
  });

  it('needs a full key for Base-Url-Override: a restricted key never sends the credentials elsewhere', async () => {
    const create = (scopes: string[]) => kit.kit.call('POST', '/api-keys', { body: { name: `override ${scopes.join(' ')}`, scopes } });
    const before = kit.provider.requests.length;
    for (const scopes of [['proxy:read'], ['proxy:write'], ['proxy:write', 'connections:write']]) {
      const restricted = new Nango({ secretKey: (await create(scopes)).body.secret as string, host: kit.local.url });
      const res = await failure(restricted.proxy({ method: 'GET', endpoint: '/steal', baseUrlOverride: `${kit.provider.baseUrl}/v1/attacker`, providerConfigKey: KEYED, connectionId: 'keyed-1' }));
      expect(res).toMatchObject({ status: 403, data: { error: { code: 'forbidden', message: expect.stringMatching(/Base-Url-Override needs an API key with the full scope/) } } });
    }
    expect(kit.provider.requests.length).toBe(before);
  });

  it.each(['/', ''])("calls the base URL itself for endpoint '%s', as Nango maps /proxy and /proxy/", async (endpoint) => {
    const res = await nango.proxy({ method: 'GET', endpoint, providerConfigKey: KEYED, connectionId: 'keyed-1' });
    expect(res.data).toMatchObject({ method: 'GET', path: '/v1/' });
  });

  it('answers /proxy without a trailing slash too, for every method', async () => {
    const headers = { Authorization: `Bearer ${API_KEY}`, 'Provider-Config-Key': KEYED, 'Connection-Id': 'keyed-1' };
    for (const method of ['GET', 'POST', 'DELETE']) {
      const res = await fetch(`${kit.local.url}/proxy?root=1`, { method, headers });
      expect(res.status).toBe(method === 'POST' ? 201 : 200);
      expect(await res.json()).toMatchObject({ method, path: '/v1/', query: 'root=1' });
    }
  });

  it('lists the proxy in the OpenAPI document with its scopes', async () => {
    const doc = (await kit.kit.call('GET', '/openapi.json')).body;
    const ops = doc.paths['/proxy/{anyPath}'];
    expect(Object.keys(ops).sort()).toEqual(['delete', 'get', 'patch', 'post', 'put']);
    expect(ops.get['x-required-scope']).toBe('proxy:read');
    expect(ops.post['x-required-scope']).toBe('proxy:write');
    expect(ops.get.parameters.map((p: { name: string }) => p.name)).toContain('Connection-Id');
  });

  it('logs no credential, query or body', async () => {
    const text = kit.kit.logs.map((l) => `${l.message} ${JSON.stringify(l.fields ?? {})}`).join('\n');
    for (const secret of [PROVIDER_KEY, 'at-proxy-valid-1', 'at-proxy-stale', 'rt-proxy-0', 'q=a', 'Ada']) expect(text).not.toContain(secret);
    expect(text).toMatch(/proxy GET \/contacts -> 200 in \d+ ms/);
  });
});

describe('/proxy as deployed in AWS (private addresses refused)', () => {
  let aws: Nango;
  beforeAll(() => {
    aws = new Nango({ secretKey: API_KEY, host: kit.aws.url });
  });

  it.each(['http://169.254.169.254', 'https://169.254.169.254', 'https://10.0.0.1', 'https://[::ffff:127.0.0.1]', 'http://provider.example'])(
    'refuses Base-Url-Override %s with 400, requesting nothing',
    async (override) => {
      const before = kit.provider.requests.length;
      const res = await failure(aws.proxy({ method: 'GET', endpoint: '/latest/meta-data/', baseUrlOverride: override, providerConfigKey: KEYED, connectionId: 'keyed-1' }));
      expect(res).toMatchObject({ status: 400, data: { error: { code: 'base_url_override_not_allowed' } } });
      expect(kit.provider.requests.length).toBe(before);
      expect(kit.awsAttempts).toEqual([]);
    },
  );

  it('refuses a plain-http Base-Url-Override, saying it must be https', async () => {
    const res = await failure(aws.proxy({ method: 'GET', endpoint: '/x', baseUrlOverride: 'http://provider.example', providerConfigKey: KEYED, connectionId: 'keyed-1' }));
    expect(res).toMatchObject({ status: 400, data: { error: { code: 'base_url_override_not_allowed', message: expect.stringMatching(/must be an https URL/) } } });
    expect(kit.awsAttempts).toEqual([]);
  });

  it("refuses the provider's own base URL on 127.0.0.1", async () => {
    const before = kit.provider.requests.length;
    const res = await failure(aws.get({ endpoint: '/contacts', providerConfigKey: KEYED, connectionId: 'keyed-1' }));
    expect(res).toMatchObject({ status: 400, data: { error: { code: 'base_url_override_not_allowed' } } });
    expect(kit.provider.requests.length).toBe(before);
    expect(kit.awsAttempts).toEqual([]);
  });
});
