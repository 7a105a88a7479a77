/**
 * The HTTP API end to end, called the way an application written against Nango's API reference
 * calls it (`GET /records` with Connection-Id / Provider-Config-Key headers, `/sync/*`,
 * `/connections`), over real HTTP on 127.0.0.1, against DynamoDB Local and the demo CRM sandbox.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, SANDBOX_KEY, startApiKit, VISIBILITY_LAG_MS, type ApiKit } from '../support/api-kit.js';

const PCK = 'demo-crm';
const CONN = 'acme';
const records = { 'Connection-Id': CONN, 'Provider-Config-Key': PCK };

let kit: ApiKit;

/** Every page of a model, following next_cursor until null (as Nango's docs tell clients to). */
async function listAll(query: Record<string, string | number | string[]>, limit = 100) {
  const all: any[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: { status: number; body: any } = await kit.call('GET', '/records', { headers: records, query: { model: 'Contact', limit, ...query, ...(cursor ? { cursor } : {}) } });
    expect(page.status).toBe(200);
    all.push(...page.body.records);
    cursor = page.body.next_cursor;
    pages++;
  } while (cursor !== null);
  return { all, pages };
}

/** Lets the record store's visibility lag pass, so what was just written is listed. */
const settle = () => kit.clock.advance(VISIBILITY_LAG_MS * 2);

beforeAll(async () => {
  kit = await startApiKit({ maxBodyBytes: 64 * 1024 });
}, 60_000);
afterAll(() => kit?.stop());

describe('authentication', () => {
  it('answers 401 in the error shape without a key or with a wrong one; the health check is open', async () => {
    for (const key of [null, 'sk_wrong_key_000000000000', '']) {
      const answer = await kit.call('GET', '/connections', { key });
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual({ error: { code: 'unauthorized', message: expect.any(String), errors: [] } });
    }
    expect((await kit.call('GET', '/connections', { key: null, headers: { Authorization: `Basic ${API_KEY}` } })).status).toBe(401);
    expect((await kit.call('GET', '/does-not-exist', { key: null })).status).toBe(401);
    expect(await kit.call('GET', '/health', { key: null })).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect((await kit.call('GET', '/health/', { key: null })).status).toBe(200);
  });
});

describe('connections', () => {
  it('imports a connection (201, then 200 when replaced); only a full-scope GET of it returns its credentials', async () => {
    const body = {
      provider_config_key: PCK,
      connection_id: CONN,
      credentials: { type: 'API_KEY', apiKey: SANDBOX_KEY },
      connection_config: { baseUrl: kit.sandbox.url },
      metadata: { plan: 'pro' },
    };
    const created = await kit.call('POST', '/connections', { body });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ connection_id: CONN, provider_config_key: PCK, credentials: { type: 'API_KEY' }, metadata: { plan: 'pro' }, connection_config: { baseUrl: kit.sandbox.url } });
    expect(created.text).not.toContain(SANDBOX_KEY);
    expect(kit.queue.messages.map((m) => m.syncName).sort()).toEqual(['contacts', 'notes']); // auto-start syncs queued

    const replaced = await kit.call('POST', '/connections', { body });
    expect(replaced.status).toBe(200);
    expect(replaced.text).not.toContain(SANDBOX_KEY);
    await kit.drain();

    // The test key is full-scope: as Nango's secret key, it reads the credentials (test/e2e/api-connections.test.ts covers restricted keys).
    const one = await kit.call('GET', `/connections/${CONN}`, { query: { provider_config_key: PCK } });
    expect(one).toMatchObject({ status: 200, body: { connection_id: CONN, credentials: { type: 'API_KEY', apiKey: SANDBOX_KEY } } });

    const list = await kit.call('GET', '/connections', { query: { provider_config_key: PCK } });
    expect(list.status).toBe(200);
    expect(list.body.connections).toEqual([expect.objectContaining({ connection_id: CONN, provider_config_key: PCK, metadata: { plan: 'pro' } })]);
    expect(list.text).not.toContain(SANDBOX_KEY);
    expect((await kit.call('GET', '/connections', { query: { search: 'cm' } })).body.connections).toHaveLength(1);
    expect((await kit.call('GET', '/connections', { query: { connectionId: 'nope' } })).body.connections).toHaveLength(0);
  });

  it('rejects credentials of the wrong type for the integration, unknown fields and unknown integrations', async () => {
    const wrongType = await kit.call('POST', '/connections', { body: { provider_config_key: PCK, connection_id: 'x', credentials: { type: 'BASIC', username: 'u', password: 'p' } } });
    expect(wrongType).toMatchObject({ status: 400, body: { error: { code: 'invalid_credentials' } } });
    const unknownField = await kit.call('POST', '/connections', { body: { provider_config_key: PCK, connection_id: 'x', credentials: { type: 'API_KEY', apiKey: 'k' }, owner: { id: 'u' } } });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.error.errors).toEqual([expect.objectContaining({ path: 'body' })]);
    const unknownIntegration = await kit.call('POST', '/connections', { body: { provider_config_key: 'nope', connection_id: 'x', credentials: { type: 'API_KEY', apiKey: 'k' } } });
    expect(unknownIntegration).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
  });

  it('sets (POST) and merges (PATCH) metadata; an unknown connection in a list changes nothing', async () => {
    const set = await kit.call('POST', '/connections/metadata', { body: { connection_id: CONN, provider_config_key: PCK, metadata: { a: 1, nested: { x: 1 } } } });
    expect(set).toMatchObject({ status: 201, body: { connection_id: CONN, metadata: { a: 1, nested: { x: 1 } } } });
    const merged = await kit.call('PATCH', '/connections/metadata', { body: { connection_id: [CONN], provider_config_key: PCK, metadata: { nested: { y: 2 }, b: 'two' } } });
    expect(merged.status).toBe(200);
    expect((await kit.call('GET', `/connections/${CONN}`, { query: { provider_config_key: PCK } })).body.metadata).toEqual({ a: 1, nested: { y: 2 }, b: 'two' });

    const partial = await kit.call('POST', '/connections/metadata', { body: { connection_id: [CONN, 'ghost'], provider_config_key: PCK, metadata: {} } });
    expect(partial).toMatchObject({ status: 404, body: { error: { code: 'not_found', message: expect.stringContaining('ghost') } } });
    expect((await kit.call('GET', `/connections/${CONN}`, { query: { provider_config_key: PCK } })).body.metadata).toEqual({ a: 1, nested: { y: 2 }, b: 'two' });
  });
});

describe('records (Nango GET /records)', () => {
  it('pages with limit and next_cursor until null, without duplicates or gaps', async () => {
    settle();
    const { all, pages } = await listAll({}, 70);
    expect(pages).toBe(4);
    expect(all).toHaveLength(250);
    expect(new Set(all.map((r) => r.id)).size).toBe(250);
    expect(all[0]).toMatchObject({
      id: expect.any(String),
      first_name: expect.any(String),
      email: expect.any(String),
      _nango_metadata: { first_seen_at: expect.stringMatching(/Z$/), last_modified_at: expect.stringMatching(/Z$/), last_action: 'ADDED', deleted_at: null, cursor: expect.any(String) },
    });
    const times = all.map((r) => r._nango_metadata.last_modified_at);
    expect([...times].sort()).toEqual(times); // ascending by modification
  });

  it('filters by last action, modified_after and ids after a sync picks up changes', async () => {
    const before = new Date(kit.clock.now()).toISOString();
    kit.clock.advance(20_000); // one sandbox tick: 2 added, 3 updated, 1 deleted
    const trigger = await kit.call('POST', '/sync/trigger', { body: { provider_config_key: PCK, connection_id: CONN, syncs: ['contacts'] } });
    expect(trigger).toMatchObject({ status: 200, body: { success: true } });
    await kit.drain();
    settle();

    const deleted = await kit.call('GET', '/records', { headers: records, query: { model: 'Contact', filter: 'deleted' } });
    expect(deleted.body.records).toHaveLength(1);
    expect(deleted.body.records[0]._nango_metadata).toMatchObject({ last_action: 'DELETED', deleted_at: expect.any(String) });
    const addedOrUpdated = await kit.call('GET', '/records', { headers: records, query: { model: 'Contact', filter: ['added', 'updated'], modified_after: before } });
    expect(addedOrUpdated.body.records.map((r: any) => r._nango_metadata.last_action).sort()).toEqual(['ADDED', 'ADDED', 'UPDATED', 'UPDATED', 'UPDATED']);

    const changed = await kit.call('GET', '/records', { headers: records, query: { model: 'Contact', modified_after: before } });
    expect(changed.body.records).toHaveLength(6);
    expect(changed.body.next_cursor).toBeNull();

    const some = changed.body.records.slice(0, 2).map((r: any) => r.id);
    const byIds = await kit.call('GET', `/records?model=Contact&ids=${encodeURIComponent(some[0])}&ids=${encodeURIComponent(some[1])}`, { headers: records });
    expect(byIds.body.records.map((r: any) => r.id).sort()).toEqual([...some].sort());
    const bracketStyle = await kit.call('GET', `/records?model=Contact&ids[]=${encodeURIComponent(some[0])}`, { headers: records });
    expect(bracketStyle.body.records.map((r: any) => r.id)).toEqual([some[0]]);
  });

  it('answers 404 for an unknown connection, integration or model, and 400 for bad parameters', async () => {
    expect((await kit.call('GET', '/records', { headers: { ...records, 'Connection-Id': 'ghost' }, query: { model: 'Contact' } })).status).toBe(404);
    expect((await kit.call('GET', '/records', { headers: { ...records, 'Provider-Config-Key': 'ghost' }, query: { model: 'Contact' } })).status).toBe(404);
    expect((await kit.call('GET', '/records', { headers: records, query: { model: 'Invoice' } })).body.error.code).toBe('not_found');

    const missing = await kit.call('GET', '/records', { headers: records });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ error: { code: 'invalid_request', message: expect.any(String), errors: [{ path: 'query.model', message: expect.any(String) }] } });
    const badQueries: Record<string, string | number | string[]>[] = [
      { limit: 0 },
      { limit: 10_001 },
      { limit: 'ten' },
      { filter: 'removed' },
      { modified_after: 'yesterday' },
      { model: ['Contact', 'Note'] },
    ];
    for (const query of badQueries) {
      const answer = await kit.call('GET', '/records', { headers: records, query: { model: 'Contact', ...query } });
      expect(answer.status, JSON.stringify(query)).toBe(400);
      expect(answer.body.error.code).toBe('invalid_request');
    }
    const noHeaders = await kit.call('GET', '/records', { query: { model: 'Contact' } });
    expect(noHeaders.body.error.errors.map((e: any) => e.path).sort()).toEqual(['headers.Connection-Id', 'headers.Provider-Config-Key']);
    const badCursor = await kit.call('GET', '/records', { headers: records, query: { model: 'Contact', cursor: 'not-a-cursor' } });
    expect(badCursor).toMatchObject({ status: 400, body: { error: { code: 'invalid_cursor' } } });
  });

  it('tolerates a trailing slash, any header case, a repeated identical parameter and unknown parameters', async () => {
    const answer = await kit.call('GET', '/records/?model=Contact&model=Contact&limit=5&format=nango&unknown=x', { headers: { 'connection-id': CONN, 'PROVIDER-CONFIG-KEY': PCK } });
    expect(answer.status).toBe(200);
    expect(answer.body.records).toHaveLength(5);
    // Ignored parameters are logged by name only, at debug.
    const line = kit.logs.find((l) => l.message.startsWith('ignored unknown query parameters: format, unknown'));
    expect(line?.level).toBe('debug');
  });
});

describe('sync controls', () => {
  const status = async () => {
    const answer = await kit.call('GET', '/sync/status', { query: { provider_config_key: PCK, syncs: 'contacts', connection_id: CONN } });
    expect(answer.status).toBe(200);
    return answer.body.syncs[0];
  };

  it("reports status with Nango's fields", async () => {
    const answer = await kit.call('GET', '/sync/status', { query: { provider_config_key: PCK, syncs: 'contacts,notes', connection_id: CONN } });
    expect(answer.body.syncs).toHaveLength(2);
    expect(await status()).toMatchObject({
      id: expect.any(String),
      connection_id: CONN,
      name: 'contacts',
      status: 'SUCCESS',
      type: expect.stringMatching(/INITIAL|INCREMENTAL/),
      finishedAt: expect.any(String),
      frequency: expect.any(String),
      latestResult: { Contact: { added: 2, updated: 3, deleted: 1 } },
      latestExecutionStatus: 'SUCCESS',
      recordCount: { Contact: 251 },
    });
    expect(Object.keys(await status())).toEqual(expect.arrayContaining(['nextScheduledSyncAt', 'checkpoint']));
    expect((await kit.call('GET', '/sync/status', { query: { provider_config_key: PCK, syncs: '*' } })).body.syncs).toHaveLength(2);
  });

  it('pauses (a trigger then conflicts with 409), starts again and triggers with a reset', async () => {
    expect(await kit.call('POST', '/sync/pause', { body: { provider_config_key: PCK, connection_id: CONN, syncs: ['contacts'] } })).toMatchObject({ status: 200, body: { success: true } });
    expect((await status()).status).toBe('PAUSED');
    const conflict = await kit.call('POST', '/sync/trigger', { body: { provider_config_key: PCK, connection_id: CONN, syncs: ['contacts'] } });
    expect(conflict).toMatchObject({ status: 409, body: { error: { code: 'conflict', message: expect.any(String), errors: [] } } });

    // Header-carried keys and a charset on the content type, as some clients send them.
    const started = await kit.call('POST', '/sync/start', {
      headers: { 'provider-config-key': PCK, 'Content-Type': 'application/json; charset=utf-8' },
      body: { connection_id: CONN, syncs: [{ name: 'contacts' }] },
    });
    expect(started.status).toBe(200);
    expect((await status()).status).toBe('SUCCESS');
    // Starting a paused sync runs it at once, as Nango documents.
    expect(kit.queue.messages).toMatchObject([{ syncName: 'contacts', trigger: 'MANUAL' }]);
    await kit.drain();

    const reset = await kit.call('POST', '/sync/trigger', { body: { provider_config_key: PCK, connection_id: CONN, syncs: ['contacts'], opts: { reset: true } } });
    expect(reset.status).toBe(200);
    await kit.drain();
    expect((await status()).type).toBe('INITIAL');

    // The operator's one-run acceptance of a mass deletion travels with that run's message only.
    const accept = await kit.call('POST', '/sync/trigger', { body: { provider_config_key: PCK, connection_id: CONN, syncs: ['contacts'], opts: { acceptMassDeletion: true } } });
    expect(accept.status).toBe(200);
    expect(kit.queue.messages).toMatchObject([{ syncName: 'contacts', trigger: 'MANUAL', acceptMassDeletion: true }]);
    await kit.drain();
    const plain = await kit.call('POST', '/sync/trigger', { body: { provider_config_key: PCK, connection_id: CONN, syncs: ['contacts'] } });
    expect(plain.status).toBe(200);
    expect(kit.queue.messages[0]).not.toHaveProperty('acceptMassDeletion');
    await kit.drain();
  });

  it("overrides a connection's frequency and resets it with null", async () => {
    const body = { provider_config_key: PCK, connection_id: CONN, sync_name: 'contacts', frequency: 'every 2 hours' };
    expect(await kit.call('PUT', '/sync/update-connection-frequency', { body })).toMatchObject({ status: 200, body: { frequency: 'every 2 hours' } });
    expect(kit.scheduler.schedules.get(`${PCK}.contacts.${CONN}`)?.rateExpression).toBe('rate(2 hours)');
    expect((await status()).frequency).toMatch(/2h|2 hours/);

    const reverted = await kit.call('PUT', '/sync/update-connection-frequency', { body: { ...body, frequency: null } });
    expect(reverted).toMatchObject({ status: 200, body: { frequency: 'every minute' } });
    expect(kit.scheduler.schedules.has(`${PCK}.contacts.${CONN}`)).toBe(false);

    expect(await kit.call('PUT', '/sync/update-connection-frequency', { body: { ...body, frequency: 'sometimes' } })).toMatchObject({ status: 400, body: { error: { code: 'invalid_frequency' } } });
    expect((await kit.call('PUT', '/sync/update-connection-frequency', { body: { ...body, connection_id: 'ghost' } })).status).toBe(404);
    expect((await kit.call('PUT', '/sync/update-connection-frequency', { body: { ...body, sync_name: 'ghost' } })).status).toBe(404);
  });

  it('lists executions with counts and log lines, and cancels (nothing running here)', async () => {
    const answer = await kit.call('GET', '/sync/executions', { query: { provider_config_key: PCK, connection_id: CONN, sync_name: 'contacts', limit: 2 } });
    expect(answer.status).toBe(200);
    expect(answer.body.executions).toHaveLength(2);
    expect(answer.body.executions[0]).toMatchObject({ id: expect.any(String), status: 'SUCCESS', results: { Contact: expect.any(Object) }, error: null, logs: expect.any(Array) });
    expect(await kit.call('POST', '/sync/cancel', { body: { provider_config_key: PCK, connection_id: CONN, sync_name: 'contacts' } })).toMatchObject({
      status: 200,
      body: { success: true, cancelled: false, execution_id: null },
    });
  });

  it('validates bodies strictly: malformed JSON, unknown fields, wrong types, other media types, huge bodies', async () => {
    const malformed = await kit.call('POST', '/sync/trigger', { rawBody: '{"syncs": [', headers: { 'Content-Type': 'application/json' } });
    expect(malformed).toMatchObject({ status: 400, body: { error: { code: 'invalid_json' } } });
    const unknown = await kit.call('POST', '/sync/pause', { body: { provider_config_key: PCK, syncs: ['contacts'], force: true } });
    expect(unknown.status).toBe(400);
    const wrongType = await kit.call('POST', '/sync/trigger', { body: { provider_config_key: PCK, syncs: 'contacts' } });
    expect(wrongType.body.error.errors[0].path).toBe('body.syncs');
    const noKey = await kit.call('POST', '/sync/trigger', { body: { syncs: ['contacts'] } });
    expect(noKey.body.error.code).toBe('invalid_request');
    const form = await kit.call('POST', '/sync/trigger', { rawBody: 'syncs=contacts', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    expect(form.status).toBe(415);
    const huge = await kit.call('POST', '/connections/metadata', { body: { connection_id: CONN, provider_config_key: PCK, metadata: { blob: 'x'.repeat(100_000) } } });
    expect(huge).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large' } } });
    expect((await kit.call('GET', '/sync/status', { query: { provider_config_key: PCK, syncs: 'ghost' } })).status).toBe(404);
  });
});

describe('API keys', () => {
  it('creates a key shown once, lists without secrets, and revokes it', async () => {
    const created = await kit.call('POST', '/api-keys', { body: { name: 'ci' } });
    expect(created).toMatchObject({ status: 201, body: { id: expect.any(String), name: 'ci', secret: expect.any(String), prefix: expect.any(String) } });
    const secret: string = created.body.secret;
    expect((await kit.call('GET', '/api-keys', { key: secret })).status).toBe(200);
    const list = await kit.call('GET', '/api-keys');
    expect(list.body.api_keys.map((k: any) => k.name).sort()).toEqual(['ci', 'test']);
    expect(list.text).not.toContain(secret);
    expect(list.text).not.toContain(API_KEY);

    expect((await kit.call('DELETE', `/api-keys/${created.body.id}`, { key: secret })).status).toBe(409); // not itself
    expect((await kit.call('DELETE', `/api-keys/${created.body.id}`)).status).toBe(200);
    expect((await kit.call('GET', '/api-keys', { key: secret })).status).toBe(401);
    expect((await kit.call('DELETE', `/api-keys/${created.body.id}`)).status).toBe(404);
  });

  it('tells any valid key its own id, name and scopes (GET /api-keys/current), and nothing else', async () => {
    const restricted = await kit.call('POST', '/api-keys', { body: { name: 'viewer', scopes: ['records:read', 'syncs:write'] } });
    expect(restricted.status).toBe(201);
    // A restricted key may not list keys, but may read itself.
    expect((await kit.call('GET', '/api-keys', { key: restricted.body.secret })).status).toBe(403);
    const self = await kit.call('GET', '/api-keys/current', { key: restricted.body.secret });
    expect(self).toMatchObject({ status: 200, body: { id: restricted.body.id, name: 'viewer', scopes: ['records:read', 'syncs:write'] } });
    expect(Object.keys(self.body).sort()).toEqual(['id', 'name', 'scopes']);
    expect(self.text).not.toContain(restricted.body.secret);
    expect(await kit.call('GET', '/api-keys/current')).toMatchObject({ status: 200, body: { name: 'test', scopes: ['full'] } });
    for (const key of [null, 'sk_wrong_key_000000000000']) expect((await kit.call('GET', '/api-keys/current', { key })).status).toBe(401);
    expect((await kit.call('DELETE', `/api-keys/${restricted.body.id}`)).status).toBe(200);
    expect((await kit.call('GET', '/api-keys/current', { key: restricted.body.secret })).status).toBe(401);
  });
});

describe('providers', () => {
  it("serves the catalog in Nango's shape, with no secret in it", async () => {
    const list = await kit.call('GET', '/providers');
    expect(list.status).toBe(200);
    expect(list.body.data.length).toBeGreaterThanOrEqual(40);
    const hubspot = await kit.call('GET', '/providers/hubspot');
    expect(hubspot).toMatchObject({
      status: 200,
      body: {
        data: {
          name: 'hubspot',
          auth_mode: 'OAUTH2',
          authorization_url: 'https://app.hubspot.com/oauth/authorize',
          token_url: 'https://api.hubapi.com/oauth/v1/token',
          proxy: { base_url: 'https://api.hubapi.com' },
        },
      },
    });
    expect((await kit.call('GET', '/providers/shopify')).body.data.proxy.headers).toEqual({ 'x-shopify-access-token': '${accessToken}' });
    expect(JSON.stringify(list.body)).not.toMatch(/client_secret|clientSecret/);
    expect(await kit.call('GET', '/providers/no-such-api')).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
  });
});

describe('OpenAPI document and reference page', () => {
  it('is OpenAPI 3 shaped and lists every route, with the record models', async () => {
    const { status, body: doc } = await kit.call('GET', '/openapi.json');
    expect(status).toBe(200);
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    // Validated against the official OpenAPI 3.1 JSON schema, not just its shape.
    const validation = await new Validator().validate(structuredClone(doc));
    expect(validation.errors ?? []).toEqual([]);
    expect(validation.valid).toBe(true);
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    const operations = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    expect(operations.sort()).toEqual(
      [
        'DELETE /api-keys/{id}',
        'DELETE /connection/{connectionId}',
        'DELETE /connections/{connectionId}',
        'DELETE /integrations/{uniqueKey}',
        'DELETE /sync/{name}/variant/{variant}',
        'GET /api-keys',
        'GET /api-keys/current',
        'GET /connection',
        'GET /connection/{connectionId}',
        'GET /connections',
        'GET /connections/{connectionId}',
        'GET /docs',
        'GET /health',
        'GET /integrations',
        'GET /integrations/{uniqueKey}',
        'GET /openapi.json',
        'GET /providers',
        'GET /providers/{provider}',
        'GET /records',
        'GET /scripts/config',
        'GET /sync/executions',
        'GET /sync/status',
        'PATCH /connection/metadata',
        'PATCH /connection/{connectionId}/metadata',
        'PATCH /connections/metadata',
        'PATCH /connections/{connectionId}',
        'PATCH /integrations/{uniqueKey}',
        'PATCH /records/prune',
        'POST /api-keys',
        'POST /connections',
        'POST /connection/metadata',
        'POST /connection/{connectionId}/metadata',
        'POST /connections/metadata',
        'POST /integrations',
        'POST /sync/cancel',
        'POST /sync/pause',
        'POST /sync/start',
        'POST /sync/trigger',
        'POST /sync/{name}/variant/{variant}',
        'PUT /sync/update-connection-frequency',
        // The connect flow: sessions (API key), the end user's steps (session token), the page and the OAuth flow.
        'POST /connect/sessions',
        'POST /connect/sessions/reconnect',
        'GET /connect/session',
        'DELETE /connect/session',
        'POST /api-auth/api-key/{providerConfigKey}',
        'POST /api-auth/basic/{providerConfigKey}',
        'POST /oauth2/auth/{providerConfigKey}',
        'GET /connect',
        'GET /oauth/connect/{providerConfigKey}',
        'GET /oauth/callback',
        // The web console: its page and its hashed files.
        'GET /',
        'GET /console/assets/{file}',
        // The proxy: every method, any path below /proxy.
        'GET /proxy/{anyPath}',
        'POST /proxy/{anyPath}',
        'PUT /proxy/{anyPath}',
        'PATCH /proxy/{anyPath}',
        'DELETE /proxy/{anyPath}',
      ].sort(),
    );
    for (const methods of Object.values(doc.paths as Record<string, Record<string, any>>)) {
      for (const op of Object.values(methods)) expect(op).toMatchObject({ operationId: expect.any(String), responses: expect.any(Object) });
    }
    expect(doc.components.schemas.Contact).toMatchObject({ type: 'object', properties: { first_name: { type: 'string' }, lifecycle_stage: { enum: expect.any(Array) } } });
    expect(doc.components.schemas.ContactRecord.allOf[0]).toEqual({ $ref: '#/components/schemas/Contact' });
    const recordsOp = doc.paths['/records'].get;
    expect(recordsOp.parameters.map((p: any) => `${p.in}:${p.name}`)).toEqual(
      expect.arrayContaining(['query:model', 'query:cursor', 'query:limit', 'query:ids', 'header:Connection-Id', 'header:Provider-Config-Key']),
    );
    expect(recordsOp.parameters.find((p: any) => p.name === 'limit').schema).toMatchObject({ minimum: 1, maximum: 10_000, default: 100 });
    expect(JSON.stringify(recordsOp.responses['200'])).toContain('#/components/schemas/ContactRecord');
    expect(doc.paths['/sync/trigger'].post.requestBody.content['application/json'].schema.properties.opts).toBeDefined();
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    // Every $ref resolves inside the document.
    for (const ref of JSON.stringify(doc).match(/"#\/components\/[^"]+"/g) ?? []) {
      const target = ref
        .slice(3, -1)
        .split('/')
        .reduce((node: any, part) => node?.[part], doc);
      expect(target, ref).toBeDefined();
    }
  });

  it('renders a readable reference page from the document', async () => {
    const page = await kit.call('GET', '/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.text).toContain('/sync/update-connection-frequency');
    expect(page.text).toContain('first_name');
    expect(page.text).not.toMatch(/<script|https?:\/\/(?!127\.0\.0\.1)/);
  });

  it('opens in a browser without a key, with the routes but without the project’s record models', async () => {
    for (const key of [null, 'sk_wrong_key_000000000000']) {
      const page = await kit.call('GET', '/docs', { key });
      expect(page.status).toBe(200);
      expect(page.text).toContain('/sync/update-connection-frequency');
      expect(page.text).not.toContain('first_name');
      expect(page.text).toContain('href="/#/reference"');
      expect(page.headers.get('vary')).toMatch(/Authorization/i);
    }
    // The document itself stays behind a key.
    expect((await kit.call('GET', '/openapi.json', { key: null })).status).toBe(401);
  });
});

describe('web console', () => {
  it('serves its page without a key, with a strict CSP and files that exist, cached for good', async () => {
    const page = await kit.call('GET', '/', { key: null });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    // No inline script or style: only files of this origin.
    expect(page.text).not.toMatch(/<script>|<style|\sstyle=|\son\w+=/);
    const files = [...page.text.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(files).toEqual([expect.stringMatching(/^\/console\/assets\/app\.\w+\.css$/), expect.stringMatching(/^\/console\/assets\/app\.\w+\.js$/)]);
    for (const file of files) {
      const asset = await kit.call('GET', file, { key: null });
      expect(asset.status).toBe(200);
      expect(asset.headers.get('content-type')).toMatch(file.endsWith('.js') ? /^text\/javascript/ : /^text\/css/);
      expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(asset.text.length).toBeGreaterThan(1000);
    }
    // Compressed on request (fetch asks for gzip and inflates; a raw request shows the encoding).
    const raw = await fetch(new URL(files[1]!, kit.server.url), { headers: { 'Accept-Encoding': 'gzip' } });
    expect(raw.headers.get('content-encoding')).toBe('gzip');
    for (const missing of ['/console/assets/app.OLD.js', '/console/assets/toString', '/console/assets/index.html']) {
      expect((await kit.call('GET', missing, { key: null })).status, missing).toBe(404);
    }
    // Not a file name at all: refused before any lookup.
    expect((await kit.call('GET', '/console/assets/..%2f..%2fpackage.json', { key: null })).status).toBe(400);
  });
});

describe('deleting a connection', () => {
  it('removes it, its records and its schedules; then answers 404', async () => {
    await kit.call('PUT', '/sync/update-connection-frequency', { body: { provider_config_key: PCK, connection_id: CONN, sync_name: 'notes', frequency: 'every hour' } });
    expect(await kit.call('DELETE', `/connections/${CONN}`, { query: { provider_config_key: PCK } })).toMatchObject({ status: 200, body: { success: true } });
    expect(kit.scheduler.schedules.has(`${PCK}.notes.${CONN}`)).toBe(false);
    expect((await kit.call('GET', `/connections/${CONN}`, { query: { provider_config_key: PCK } })).status).toBe(404);
    expect((await kit.call('GET', '/records', { headers: records, query: { model: 'Contact' } })).status).toBe(404);
    expect((await kit.call('DELETE', `/connections/${CONN}`, { query: { provider_config_key: PCK } })).status).toBe(404);
    expect((await kit.records.list({ providerConfigKey: PCK, connectionId: CONN, model: 'Contact' }, { limit: 10 })).records).toHaveLength(0);
  });
});

describe('secrets', () => {
  it('never logs an API key or a credential, and no 5xx happened', () => {
    const logged = JSON.stringify(kit.logs);
    expect(logged).not.toContain(API_KEY);
    expect(logged).not.toContain(SANDBOX_KEY);
    // Access lines read `METHOD /path STATUS N ms`: match the status, not a 5xx-looking duration.
    expect(kit.logs.filter((l) => /^[A-Z]+ \S+ 5\d\d /.test(l.message))).toEqual([]);
  });
});
