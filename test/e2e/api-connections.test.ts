/**
 * Connections and API-key scopes end to end, over HTTP on 127.0.0.1 against DynamoDB Local, the
 * way Nango's clients call them: unknown query parameters ignored, the deprecated `/connection…`
 * paths, list filters (integrationId, tags deepObject, endUserId, search, limit/page), tags on
 * import and by PATCH, credentials for a full-scope key (refreshed against a local token
 * endpoint, forced with force_refresh, a refused refresh answered 424), restricted keys (403
 * outside their scopes, never a secret), and no secret in any log line.
 */
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineIntegration } from '../../functions/engine/integration.js';
import { API_KEY, SANDBOX_KEY, startApiKit, type ApiKit } from '../support/api-kit.js';
import { type RecordedRequest, sendJson, startServer, type TestServer } from '../unit/http/test-server.js';

const PCK = 'demo-crm';
const OAUTH = 'oauth-crm';
const CLIENT_SECRET = 'cs-connections-secret-5150';
const IMPORTED_TOKEN = 'at-imported-7d1c';
const IMPORTED_REFRESH = 'rt-imported-9e2f';
const REVOKED_REFRESH = 'rt-revoked-0000';
const ZENDESK = 'zendesk-support';
const ZENDESK_SECRET = 'cs-zendesk-secret-6161';

let kit: ApiKit;
let provider: TestServer;
let issued = 0;
const issuedSecrets: string[] = [];
let reader: string;
let writer: string;

/** A token endpoint: refreshes any refresh token but the revoked one, with a rotating refresh token and extra fields in the response. */
function handleToken(req: RecordedRequest, res: ServerResponse): void {
  const form = new URLSearchParams(req.body);
  if (req.path !== '/oauth/token' || form.get('client_secret') !== CLIENT_SECRET) {
    sendJson(res, 401, { error: 'invalid_client' });
    return;
  }
  if (form.get('refresh_token') === REVOKED_REFRESH) {
    sendJson(res, 400, { error: 'invalid_grant', error_description: `refresh token ${REVOKED_REFRESH} was revoked` });
    return;
  }
  issued++;
  issuedSecrets.push(`at-issued-${issued}`, `rt-issued-${issued}`);
  sendJson(res, 200, { access_token: `at-issued-${issued}`, refresh_token: `rt-issued-${issued}`, expires_in: 3600, scope: 'read', nested: { refresh_token: `rt-issued-${issued}` } });
}

const tokenCalls = () => provider.requests.filter((r) => r.path === '/oauth/token').length;

async function importConnection(body: Record<string, unknown>, key = API_KEY) {
  return kit.call('POST', '/connections', { body: { provider_config_key: PCK, credentials: { type: 'API_KEY', apiKey: SANDBOX_KEY }, connection_config: { baseUrl: kit.sandbox.url }, ...body }, key });
}

const ids = (answer: { body: { connections: { connection_id: string }[] } }) => answer.body.connections.map((c) => c.connection_id);

beforeAll(async () => {
  provider = await startServer(handleToken);
  const oauth = defineIntegration({
    providerConfigKey: OAUTH,
    provider: {
      name: OAUTH,
      displayName: 'OAuth CRM',
      baseUrl: provider.baseUrl,
      auth: { mode: 'OAUTH2', authorizationUrl: `${provider.baseUrl}/oauth/authorize`, tokenUrl: `${provider.baseUrl}/oauth/token` },
    },
    oauthClient: { clientId: 'cid-1', clientSecret: CLIENT_SECRET },
    syncs: {},
  });
  // A catalog provider whose token URL is per account: `https://${connectionConfig.subdomain}.zendesk.com/oauth/tokens`.
  const zendesk = defineIntegration({ providerConfigKey: ZENDESK, provider: 'zendesk', oauthClient: { clientId: 'zd-1', clientSecret: ZENDESK_SECRET }, syncs: {} });
  kit = await startApiKit({ integrations: [oauth, zendesk], initialContacts: 5 });
  // Newest first: each import a second after the previous one.
  for (const [id, tags] of [
    ['alpha', { end_user_id: 'u-1', organization_id: 'org-1', plan: 'pro' }],
    ['beta', { end_user_id: 'u-2', organization_id: 'org-1', plan: 'free' }],
    ['gamma', undefined],
  ] as const) {
    expect((await importConnection({ connection_id: id, ...(tags ? { tags } : {}) })).status).toBe(201);
    kit.clock.advance(1_000);
  }
  const created = await Promise.all([
    kit.call('POST', '/api-keys', { body: { name: 'reader', scopes: ['connections:read', 'records:read', 'integrations:read'] } }),
    kit.call('POST', '/api-keys', { body: { name: 'writer', scopes: ['connections:write'] } }),
  ]);
  const [readerKey, writerKey] = created.map((answer) => {
    expect(answer.status).toBe(201);
    return answer.body.secret as string;
  });
  reader = readerKey!;
  writer = writerKey!;
}, 60_000);

afterAll(async () => {
  await kit?.stop();
  await provider?.close();
});

describe('query leniency', () => {
  it('ignores unknown query parameters (as Nango clients send them) and still validates known ones', async () => {
    const one = await kit.call('GET', '/connections/alpha', {
      query: { provider_config_key: PCK, refresh_github_app_jwt_token: 'false', force_refresh: 'false', refresh_token: 'false', format: 'nango', foo: 'bar' },
    });
    expect(one).toMatchObject({ status: 200, body: { connection_id: 'alpha' } });
    expect((await kit.call('GET', '/connections?whatever=1&__proto__=x&constructor=y')).status).toBe(200);
    expect((await kit.call('GET', '/connections', { query: { limit: '0', whatever: '1' } })).status).toBe(400);
    expect((await kit.call('GET', '/connections/alpha', { query: { provider_config_key: PCK, force_refresh: 'yes' } })).status).toBe(400);
  });
});

describe('tags', () => {
  it('are validated as Nango validates them, lower-cased, and returned by get and list', async () => {
    const imported = await importConnection({ connection_id: 'tagged', tags: { End_User_Id: 'U-9', Team: 'Sales' } });
    expect(imported).toMatchObject({ status: 201, body: { id: expect.any(Number), tags: { end_user_id: 'U-9', team: 'Sales' }, end_user: { id: 'U-9', email: null, organization: null } } });
    const got = await kit.call('GET', '/connections/tagged', { query: { provider_config_key: PCK } });
    expect(got.body).toMatchObject({ id: imported.body.id, tags: { end_user_id: 'U-9', team: 'Sales' } });

    const invalid = [
      Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v'])),
      { '1st': 'v' },
      { 'with space': 'v' },
      { Plan: 'a', plan: 'b' },
      { plan: '' },
      { plan: 'x'.repeat(256) },
      { [`k${'x'.repeat(64)}`]: 'v' },
      { end_user_email: 'not-an-email' },
      { plan: 1 },
    ];
    for (const tags of invalid) {
      const answer = await importConnection({ connection_id: 'invalid-tags', tags });
      expect(answer.status, JSON.stringify(tags)).toBe(400);
      expect(answer.body.error.errors[0].path).toMatch(/^body\.tags/);
    }
    expect((await kit.call('GET', '/connections/invalid-tags', { query: { provider_config_key: PCK } })).status).toBe(404);
  });

  it('map the deprecated end_user on import; explicit tags win; a re-import without tags keeps them', async () => {
    const imported = await importConnection({
      connection_id: 'legacy-user',
      end_user: { id: 'eu-7', email: 'ada@example.com', display_name: 'Ada', tags: { Region: 'eu', plan: 'ignored' } },
      tags: { plan: 'pro' },
    });
    expect(imported.status).toBe(201);
    expect(imported.body.tags).toEqual({ end_user_id: 'eu-7', end_user_email: 'ada@example.com', end_user_display_name: 'Ada', region: 'eu', plan: 'pro' });
    expect(imported.body.end_user).toEqual({ id: 'eu-7', email: 'ada@example.com', display_name: 'Ada', tags: null, organization: null });

    const replaced = await importConnection({ connection_id: 'legacy-user', metadata: { x: 1 } });
    expect(replaced.status).toBe(200);
    expect(replaced.body.tags).toMatchObject({ end_user_id: 'eu-7', plan: 'pro' });
    // Connections stored before tags existed read as having none.
    expect((await kit.call('GET', '/connections/gamma', { query: { provider_config_key: PCK } })).body).toMatchObject({ tags: {}, end_user: null });
  });

  it('are replaced by PATCH /connections/{id} ({} clears them; end_user is mapped)', async () => {
    const patch = (body: unknown, id = 'tagged') => kit.call('PATCH', `/connections/${id}`, { query: { provider_config_key: PCK }, body });
    const tagsOf = async () => (await kit.call('GET', '/connections/tagged', { query: { provider_config_key: PCK } })).body.tags;

    expect(await patch({ tags: { Stage: 'trial', owner: 'bob' } })).toMatchObject({ status: 200, body: { success: true } });
    expect(await tagsOf()).toEqual({ stage: 'trial', owner: 'bob' });
    expect((await patch({ end_user: { id: 'u-100' }, tags: { owner: 'carol' } })).status).toBe(200);
    expect(await tagsOf()).toEqual({ end_user_id: 'u-100', owner: 'carol' });
    expect((await patch({ webhook_url_override: '' })).status).toBe(200);
    expect(await tagsOf()).toEqual({ end_user_id: 'u-100', owner: 'carol' });
    expect((await patch({ tags: {} })).status).toBe(200);
    expect(await tagsOf()).toEqual({});

    expect(await patch({ webhook_url_override: 'https://example.com/hook' })).toMatchObject({ status: 400, body: { error: { code: 'not_supported' } } });
    expect((await patch({ tags: { '1bad': 'v' } })).status).toBe(400);
    expect((await patch({ labels: {} })).status).toBe(400);
    expect((await patch({ tags: {} }, 'ghost')).status).toBe(404);
    expect((await kit.call('PATCH', '/connections/tagged', { body: { tags: {} } })).status).toBe(400); // provider_config_key is required
  });

  it('refuse what Syncline cannot honour, with a clear reason', async () => {
    expect(await importConnection({ connection_id: 'hooked', webhook_url_override: 'https://example.com/hook' })).toMatchObject({
      status: 400,
      body: { error: { code: 'not_supported', message: expect.stringContaining('webhook_url_override') } },
    });
    const override = await kit.call('POST', '/connections', {
      body: { provider_config_key: OAUTH, connection_id: 'override', credentials: { type: 'OAUTH2', access_token: 'a', config_override: { client_id: 'other' } } },
    });
    expect(override).toMatchObject({ status: 400, body: { error: { code: 'not_supported', message: expect.stringContaining('config_override') } } });
    expect((await kit.call('GET', '/connections/hooked', { query: { provider_config_key: PCK } })).status).toBe(404);
  });
});

describe('GET /connections filters', () => {
  const list = (query: Record<string, string | string[]>) => kit.call('GET', '/connections', { query });

  it('filters by integration, connection id, end user, organization, tags (all must match) and search', async () => {
    expect(ids(await list({ integrationId: PCK }))).toContain('alpha');
    expect(ids(await list({ integrationId: OAUTH }))).not.toContain('alpha');
    expect(ids(await list({ integrationId: `${OAUTH},${PCK}` }))).toContain('alpha');
    expect(ids(await list({ integrationId: [OAUTH, PCK] }))).toContain('alpha');
    expect(ids(await list({ integrationId: 'unknown-integration' }))).toEqual([]);
    expect(ids(await list({ provider_config_key: PCK, connectionId: 'beta' }))).toEqual(['beta']);
    expect(ids(await list({ endUserId: 'u-1' }))).toEqual(['alpha']);
    expect(ids(await list({ endUserOrganizationId: 'org-1' })).sort()).toEqual(['alpha', 'beta']);
    expect(ids(await list({ 'tags[organization_id]': 'org-1', 'tags[plan]': 'free' }))).toEqual(['beta']);
    expect(ids(await list({ 'tags[Plan]': 'pro' })).sort()).toEqual(['alpha', 'legacy-user']);
    expect(ids(await list({ 'tags[plan]': 'PRO' }))).toEqual([]); // values are compared exactly
    expect(ids(await list({ search: 'ALP' }))).toEqual(['alpha']);
    expect(ids(await list({ search: 'org-' })).sort()).toEqual(['alpha', 'beta']); // tag values too
  });

  it('lists Nango list items: numeric id, provider, tags, errors and end_user', async () => {
    const alpha = (await list({ connectionId: 'alpha' })).body.connections[0];
    expect(alpha).toEqual({
      id: expect.any(Number),
      connection_id: 'alpha',
      provider: 'demo-crm',
      provider_config_key: PCK,
      created: expect.stringMatching(/Z$/),
      metadata: {},
      tags: { end_user_id: 'u-1', organization_id: 'org-1', plan: 'pro' },
      errors: [],
      end_user: { id: 'u-1', email: null, display_name: null, tags: null, organization: { id: 'org-1', display_name: null } },
    });
    expect(Number.isInteger(alpha.id) && alpha.id > 0 && alpha.id < 2 ** 31).toBe(true);
    expect((await kit.call('GET', '/connections/alpha', { query: { provider_config_key: PCK } })).body.id).toBe(alpha.id);
  });

  it('pages newest first with limit and a page number from 0, within Nango limits', async () => {
    const all = ids(await list({ integrationId: PCK }));
    expect(all.slice(-3)).toEqual(['gamma', 'beta', 'alpha']);
    const pages = [];
    for (let page = 0; page * 2 < all.length; page++) pages.push(...ids(await list({ integrationId: PCK, limit: '2', page: String(page) })));
    expect(pages).toEqual(all);
    expect(ids(await list({ integrationId: PCK, limit: '2', page: '1000' }))).toEqual([]);
    const invalid: Record<string, string>[] = [{ limit: '2001' }, { limit: '0' }, { page: '-1' }, { page: 'one' }, { page: ' ' }, { integrationId: '' }, { 'tags[1x]': 'v' }, { tags: 'plain' }];
    for (const query of invalid) {
      expect((await list(query)).status, JSON.stringify(query)).toBe(400);
    }
  });
});

describe('deprecated /connection paths', () => {
  it('serve the same handlers and are marked deprecated in the OpenAPI document', async () => {
    expect(ids(await kit.call('GET', '/connection', { query: { endUserId: 'u-2' } }))).toEqual(['beta']);
    expect((await kit.call('GET', '/connection/beta', { query: { provider_config_key: PCK } })).body).toMatchObject({ connection_id: 'beta', credentials: { type: 'API_KEY', apiKey: SANDBOX_KEY } });

    expect((await kit.call('POST', '/connection/metadata', { body: { connection_id: 'beta', provider_config_key: PCK, metadata: { a: 1 } } })).status).toBe(201);
    expect((await kit.call('PATCH', '/connection/metadata', { body: { connection_id: ['beta'], provider_config_key: PCK, metadata: { b: 2 } } })).status).toBe(200);
    const replaced = await kit.call('POST', '/connection/beta/metadata', { headers: { 'Provider-Config-Key': PCK }, body: { c: 3 } });
    expect(replaced).toMatchObject({ status: 201, body: { c: 3 } });
    expect((await kit.call('PATCH', '/connection/beta/metadata', { query: { provider_config_key: PCK }, body: { d: 4 } })).status).toBe(200);
    expect((await kit.call('GET', '/connections/beta', { query: { provider_config_key: PCK } })).body.metadata).toEqual({ c: 3, d: 4 });
    expect((await kit.call('POST', '/connection/beta/metadata', { body: { e: 5 } })).status).toBe(400); // no integration named
    expect((await kit.call('POST', '/connection/ghost/metadata', { headers: { 'Provider-Config-Key': PCK }, body: {} })).status).toBe(404);

    expect((await importConnection({ connection_id: 'doomed' })).status).toBe(201);
    expect((await kit.call('DELETE', '/connection/doomed', { query: { provider_config_key: PCK } })).body).toEqual({ success: true });
    expect((await kit.call('GET', '/connections/doomed', { query: { provider_config_key: PCK } })).status).toBe(404);

    const doc = (await kit.call('GET', '/openapi.json')).body;
    for (const [path, method] of [
      ['/connection', 'get'],
      ['/connection/{connectionId}', 'get'],
      ['/connection/{connectionId}', 'delete'],
      ['/connection/metadata', 'post'],
      ['/connection/metadata', 'patch'],
      ['/connection/{connectionId}/metadata', 'post'],
      ['/connection/{connectionId}/metadata', 'patch'],
    ] as const) {
      expect(doc.paths[path][method].deprecated, `${method} ${path}`).toBe(true);
    }
    expect(doc.paths['/connections/{connectionId}'].get.deprecated).toBeUndefined();
  });
});

describe('credentials on GET /connections/{id}', () => {
  const getOAuth = (query: Record<string, string> = {}, key = API_KEY) => kit.call('GET', '/connections/tokens', { query: { provider_config_key: OAUTH, ...query }, key });

  it('returns a full-scope key the credentials as Nango does, the refresh token only on request', async () => {
    const expiresAt = new Date(kit.clock.now() + 3_600_000).toISOString();
    const imported = await kit.call('POST', '/connections', {
      body: { provider_config_key: OAUTH, connection_id: 'tokens', credentials: { type: 'OAUTH2', access_token: IMPORTED_TOKEN, refresh_token: IMPORTED_REFRESH, expires_at: expiresAt } },
    });
    expect(imported.status).toBe(201);
    expect(imported.text).not.toContain(IMPORTED_TOKEN); // the import answer gives the type only

    const plain = await getOAuth();
    expect(plain.body.credentials).toEqual({ type: 'OAUTH2', access_token: IMPORTED_TOKEN, expires_at: expiresAt, raw: {} });
    const withRefresh = await getOAuth({ refresh_token: 'true' });
    expect(withRefresh.body.credentials).toMatchObject({ access_token: IMPORTED_TOKEN, refresh_token: IMPORTED_REFRESH });
    expect(tokenCalls()).toBe(0);
  });

  it('refreshes first with force_refresh=true, and by itself once the token is about to expire', async () => {
    const forced = await getOAuth({ force_refresh: 'true' });
    expect(forced.status).toBe(200);
    expect(tokenCalls()).toBe(1);
    expect(forced.body.credentials).toMatchObject({ type: 'OAUTH2', access_token: 'at-issued-1', raw: { access_token: 'at-issued-1', scope: 'read', nested: {} } });
    expect(forced.body.credentials.refresh_token).toBeUndefined();
    expect(forced.text).not.toContain('rt-issued-1');
    expect(forced.body.errors).toEqual([]);

    // Stored: the next read needs no token call; refresh_token=true shows the rotated one, in raw too.
    const again = await getOAuth({ refresh_token: 'true' });
    expect(again.body.credentials).toMatchObject({ access_token: 'at-issued-1', refresh_token: 'rt-issued-1', raw: { refresh_token: 'rt-issued-1', nested: { refresh_token: 'rt-issued-1' } } });
    expect(tokenCalls()).toBe(1);

    kit.clock.advance(3_600_000);
    expect((await getOAuth()).body.credentials.access_token).toBe('at-issued-2');
    expect(tokenCalls()).toBe(2);
  });

  it('answers a refused refresh with 424 and the reason, never a token, and marks the connection', async () => {
    const revoked = await kit.call('POST', '/connections', {
      body: { provider_config_key: OAUTH, connection_id: 'revoked', credentials: { type: 'OAUTH2', access_token: 'at-old-revoked', refresh_token: REVOKED_REFRESH } },
    });
    expect(revoked.status).toBe(201);
    const failed = await kit.call('GET', '/connections/revoked', { query: { provider_config_key: OAUTH, force_refresh: 'true' } });
    expect(failed).toMatchObject({ status: 424, body: { error: { code: 'invalid_credentials', message: expect.stringContaining('invalid_grant'), errors: [] } } });
    expect(failed.text).not.toContain(REVOKED_REFRESH);
    expect(failed.text).not.toContain('at-old-revoked');
    const listed = (await kit.call('GET', '/connections', { query: { connectionId: 'revoked' } })).body.connections[0];
    expect(listed.errors).toEqual([{ type: 'auth', log_id: '' }]);

    // credentials=false (the console's read): a full key gets the type only, nothing refreshed, no 424.
    const plain = await kit.call('GET', '/connections/revoked', { query: { provider_config_key: OAUTH, credentials: 'false' } });
    expect(plain).toMatchObject({ status: 200, body: { connection_id: 'revoked', credentials: { type: 'OAUTH2' } } });
    expect(plain.text).not.toContain('at-old-revoked');
  });
});

describe('API key scopes', () => {
  it('creates keys with scopes (full by default), lists them, and refuses unknown scopes', async () => {
    const listed = (await kit.call('GET', '/api-keys')).body.api_keys;
    expect(listed.find((k: any) => k.name === 'test').scopes).toEqual(['full']);
    expect(listed.find((k: any) => k.name === 'reader').scopes).toEqual(['connections:read', 'records:read', 'integrations:read']);
    const plain = await kit.call('POST', '/api-keys', { body: { name: 'default' } });
    expect(plain).toMatchObject({ status: 201, body: { scopes: ['full'] } });
    for (const scopes of [[], ['admin'], ['records:delete'], 'full']) expect((await kit.call('POST', '/api-keys', { body: { name: 'bad', scopes } })).status, JSON.stringify(scopes)).toBe(400);
  });

  it('gives a restricted key the connection without secrets, and 403 outside its scopes', async () => {
    const asReader = (method: string, path: string, opts: { query?: Record<string, string>; body?: unknown } = {}) => kit.call(method, path, { ...opts, key: reader });

    const one = await asReader('GET', '/connections/tokens', { query: { provider_config_key: OAUTH } });
    expect(one.status).toBe(200);
    expect(one.body.credentials).toEqual({ type: 'OAUTH2' });
    const apiKeyConnection = await asReader('GET', '/connections/alpha', { query: { provider_config_key: PCK } });
    expect(apiKeyConnection.body.credentials).toEqual({ type: 'API_KEY' });
    expect(apiKeyConnection.text).not.toContain(SANDBOX_KEY);
    expect((await asReader('GET', '/connections')).status).toBe(200);
    const records = await kit.call('GET', '/records', { query: { model: 'Contact' }, headers: { 'Connection-Id': 'alpha', 'Provider-Config-Key': PCK }, key: reader });
    expect(records.status).toBe(200);

    const forbidden = await asReader('GET', '/connections/tokens', { query: { provider_config_key: OAUTH, force_refresh: 'true' } });
    expect(forbidden).toMatchObject({ status: 403, body: { error: { code: 'forbidden', errors: [] } } });
    expect((await asReader('GET', '/connections/tokens', { query: { provider_config_key: OAUTH, refresh_token: 'true' } })).status).toBe(403);
    expect(await asReader('POST', '/connections/metadata', { body: { connection_id: 'alpha', provider_config_key: PCK, metadata: {} } })).toMatchObject({
      status: 403,
      body: { error: { code: 'forbidden', message: 'this API key lacks the connections:write scope' } },
    });
    expect((await asReader('DELETE', '/connections/alpha', { query: { provider_config_key: PCK } })).status).toBe(403);
    expect((await asReader('POST', '/sync/trigger', { body: { provider_config_key: PCK, syncs: ['contacts'] } })).body.error.message).toBe('this API key lacks the syncs:write scope');
    expect((await asReader('GET', '/sync/status', { query: { provider_config_key: PCK, syncs: '*' } })).status).toBe(403);
    expect((await asReader('GET', '/api-keys')).body.error.message).toBe('this API key lacks the full scope');
    expect((await asReader('POST', '/api-keys', { body: { name: 'escalate' } })).status).toBe(403);
    expect((await asReader('GET', `/integrations/${OAUTH}`)).status).toBe(200);
    expect((await asReader('GET', `/integrations/${OAUTH}`, { query: { include: 'credentials' } })).status).toBe(403);
    // Public routes and the catalog need no particular scope.
    expect((await asReader('GET', '/providers')).status).toBe(200);
    expect((await asReader('GET', '/openapi.json')).status).toBe(200);
    // The scope check comes first: a forbidden request is not validated (nor echoed).
    expect((await asReader('POST', '/connections', { body: { nonsense: true } })).status).toBe(403);
  });

  it('lets write imply read within its area only', async () => {
    expect((await kit.call('GET', '/connections', { key: writer })).status).toBe(200);
    const one = await kit.call('GET', '/connections/alpha', { query: { provider_config_key: PCK }, key: writer });
    expect(one.body.credentials).toEqual({ type: 'API_KEY' });
    expect(
      (await kit.call('PATCH', '/connections/alpha', { query: { provider_config_key: PCK }, body: { tags: { plan: 'pro', end_user_id: 'u-1', organization_id: 'org-1' } }, key: writer })).status,
    ).toBe(200);
    expect((await kit.call('GET', '/records', { query: { model: 'Contact' }, headers: { 'Connection-Id': 'alpha', 'Provider-Config-Key': PCK }, key: writer })).status).toBe(403);
  });
});

describe('bodies take every field Nango sends', () => {
  it("accepts the integrations API's Nango-only fields when they ask for nothing, and refuses them with the reason otherwise", async () => {
    const create = await kit.call('POST', '/integrations', {
      body: {
        unique_key: 'hubspot-nango',
        provider: 'hubspot',
        forward_webhooks: false,
        integration_config: {},
        credentials: { type: 'OAUTH2', client_id: 'c', client_secret: CLIENT_SECRET, scopes: null, webhook_secret: null },
      },
    });
    expect(create.status).toBe(200);
    expect(create.text).not.toContain(CLIENT_SECRET);
    const refused = await kit.call('PATCH', '/integrations/hubspot-nango', { body: { forward_webhooks: true, integration_config: { region: 'eu' } } });
    expect(refused).toMatchObject({ status: 400, body: { error: { code: 'not_supported', errors: [{ path: 'body.forward_webhooks' }, { path: 'body.integration_config' }] } } });
    expect((await kit.call('PATCH', '/integrations/hubspot-nango', { body: { display_name: 'HubSpot', forward_webhooks: false } })).status).toBe(200);
  });
});

describe('connection_config', () => {
  const importZendesk = (connectionId: string, connectionConfig: unknown, key = writer) =>
    kit.call('POST', '/connections', {
      body: { provider_config_key: ZENDESK, connection_id: connectionId, credentials: { type: 'OAUTH2', access_token: 'at-zd', refresh_token: 'rt-zd' }, connection_config: connectionConfig },
      key,
    });

  it('is refused (400) when a declared field breaks its pattern, whatever the key, and nothing is stored', async () => {
    for (const [config, message] of [
      [{ subdomain: 'evil.example/steal?' }, 'must match ^[a-zA-Z0-9][a-zA-Z0-9-]*$'],
      [{ subdomain: '127.0.0.1:8443#' }, 'must match ^[a-zA-Z0-9][a-zA-Z0-9-]*$'],
      [{ subdomain: 42 }, 'must be a string'],
    ] as const) {
      for (const key of [writer, API_KEY]) {
        const refused = await importZendesk('zd-hostile', config, key);
        expect(refused, JSON.stringify(config)).toMatchObject({
          status: 400,
          body: { error: { code: 'invalid_request', errors: [{ path: 'body.connection_config.subdomain', message }] } },
        });
      }
    }
    expect((await kit.call('GET', '/connections/zd-hostile', { query: { provider_config_key: ZENDESK } })).status).toBe(404);

    // A matching value, and fields the provider does not declare, are stored as given.
    expect((await importZendesk('zd-acme', { subdomain: 'acme', note: 'free text / any?' })).status).toBe(201);
    const stored = await kit.call('GET', '/connections/zd-acme', { query: { provider_config_key: ZENDESK }, key: reader });
    expect(stored.body.connection_config).toEqual({ subdomain: 'acme', note: 'free text / any?' });
  });

  it('stored before the check, stops a refresh before the client secret leaves: 424, and the connection is marked', async () => {
    const now = new Date(kit.clock.now()).toISOString();
    await kit.state.connections.put({
      providerConfigKey: ZENDESK,
      connectionId: 'zd-legacy',
      credentials: { type: 'OAUTH2', accessToken: 'at-zd-legacy', refreshToken: 'rt-zd-legacy', expiresAt: new Date(kit.clock.now() - 1_000).toISOString() },
      metadata: {},
      connectionConfig: { subdomain: `${new URL(provider.baseUrl).host}/oauth/token?` },
      createdAt: now,
      updatedAt: now,
    });
    const before = tokenCalls();

    const answer = await kit.call('GET', '/connections/zd-legacy', { query: { provider_config_key: ZENDESK } });

    expect(answer).toMatchObject({ status: 424, body: { error: { code: 'invalid_credentials', message: expect.stringContaining('subdomain must match') } } });
    for (const secret of [ZENDESK_SECRET, 'rt-zd-legacy', 'at-zd-legacy', '127.0.0.1']) expect(answer.text).not.toContain(secret);
    expect(tokenCalls()).toBe(before);
    const listed = (await kit.call('GET', '/connections', { query: { integrationId: ZENDESK, connectionId: 'zd-legacy' } })).body.connections;
    expect(listed).toEqual([expect.objectContaining({ connection_id: 'zd-legacy', errors: [{ type: 'auth', log_id: '' }] })]);
  });
});

describe('listing connections', () => {
  /** Every DynamoDB read of a connection item (commands on the connection partitions), with what came back. */
  function recordConnectionReads() {
    const reads: { command: string; input: Record<string, unknown>; output: unknown }[] = [];
    kit.doc.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        const input = args.input as Record<string, unknown>;
        const pk = (input['Key'] as { pk?: string } | undefined)?.pk ?? (input['ExpressionAttributeValues'] as { ':pk'?: unknown } | undefined)?.[':pk'];
        if (typeof pk === 'string' && pk.startsWith('CONN#')) reads.push({ command: context.commandName ?? '', input, output: result.output });
        return result;
      },
      { step: 'initialize', name: 'recordConnectionReads' },
    );
    return { reads, stop: () => kit.doc.middlewareStack.remove('recordConnectionReads') };
  }

  it('reads no credentials, and reads a named connection directly instead of its whole integration', async () => {
    const { reads, stop } = recordConnectionReads();
    try {
      const all = await kit.call('GET', '/connections', { query: { integrationId: [PCK, OAUTH] } });
      expect(all.status).toBe(200);
      const queries = reads.filter((r) => r.command === 'QueryCommand');
      expect(queries.length).toBeGreaterThanOrEqual(2);
      for (const read of queries) {
        expect(read.input['ProjectionExpression']).toEqual(expect.any(String));
        expect(JSON.stringify(read.output)).not.toMatch(/credentialsEnc|accessToken|apiKey/);
      }
      // Still complete: tags, auth errors and the credentials type come through the projection.
      const byId = new Map(all.body.connections.map((c: any) => [c.connection_id, c]));
      expect(byId.get('alpha')).toMatchObject({ tags: { end_user_id: 'u-1', organization_id: 'org-1', plan: 'pro' }, errors: [] });
      expect(byId.get('revoked')).toMatchObject({ errors: [{ type: 'auth', log_id: '' }] });

      reads.length = 0;
      const one = await kit.call('GET', '/connections', { query: { integrationId: OAUTH, connectionId: 'revoked' } });
      expect(one.body.connections).toEqual([expect.objectContaining({ connection_id: 'revoked', errors: [{ type: 'auth', log_id: '' }] })]);
      expect(reads.map((r) => r.command)).toEqual(['GetItemCommand']);
      expect(JSON.stringify(reads[0]!.output)).not.toMatch(/credentialsEnc|accessToken/);

      reads.length = 0;
      expect(ids(await kit.call('GET', '/connections', { query: { connectionId: 'alpha' } }))).toEqual(['alpha']);
      expect(reads.every((r) => r.command === 'GetItemCommand')).toBe(true);
      expect(reads).toHaveLength(kit.registry.all().length);

      const got = await kit.call('GET', '/connections/alpha', { query: { provider_config_key: PCK }, key: reader });
      expect(got.body).toMatchObject({ credentials: { type: 'API_KEY' }, connection_config: { baseUrl: kit.sandbox.url }, tags: { plan: 'pro' } });
    } finally {
      stop();
    }
  });
});

describe('logs', () => {
  it('record every credentials read with the key id and connection id, and never a secret', async () => {
    const reads = kit.logs.filter((l) => l.message.includes('credentials of connection'));
    expect(reads.length).toBeGreaterThanOrEqual(5);
    for (const line of reads)
      expect(line).toMatchObject({ level: 'info', fields: { apiKeyId: expect.stringMatching(/^key_/), connectionId: expect.any(String), providerConfigKey: expect.any(String) } });
    expect(reads.some((l) => l.fields?.['connectionId'] === 'tokens' && l.fields?.['forceRefresh'] === true)).toBe(true);

    const logged = JSON.stringify(kit.logs);
    for (const secret of [API_KEY, SANDBOX_KEY, CLIENT_SECRET, ZENDESK_SECRET, IMPORTED_TOKEN, IMPORTED_REFRESH, REVOKED_REFRESH, 'at-old-revoked', reader, writer, ...issuedSecrets]) {
      expect(logged.includes(secret), `${secret.slice(0, 8)}… logged`).toBe(false);
    }
    expect(kit.logs.filter((l) => l.level === 'error')).toEqual([]);
  });
});
