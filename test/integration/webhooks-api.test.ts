/** The /webhooks routes against DynamoDB Local: subscriptions, secrets, the URL guard, deliveries, replay. */
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { LocalKeyFileCipher } from '../../functions/adapters/crypto/local-cipher.js';
import { DynamoWebhookStore } from '../../functions/adapters/dynamodb/webhook-store.js';
import { createApiApp, type ApiApp } from '../../functions/api/app.js';
import type { ApiSyncline } from '../../functions/api/deps.js';
import { IntegrationRegistry } from '../../functions/engine/integration.js';
import { systemClock, type ApiKeyInfo, type ApiKeyStore, type RunRecord } from '../../functions/engine/ports.js';
import { deliveryId } from '../../functions/engine/webhooks/delivery-id.js';
import type { DeliveryMessage, HostResolver } from '../../functions/engine/webhooks/ports.js';
import { WebhookService } from '../../functions/engine/webhooks/webhook-service.js';
import { useDynamo } from '../support/dynamo.js';

const KEY = 'sk_test_webhooks_api_key_0123456789';
const WRITER_KEY = 'sk_test_webhooks_writer_key_0123456';
const SCOPELESS_KEY = 'sk_test_webhooks_scopeless_key_0123';
/** A full key, a restricted webhooks:write key, and a key object without scopes (which must get nothing). */
const KEYS: Record<string, ApiKeyInfo> = {
  [KEY]: { id: 'k1', name: 'test', createdAt: '', prefix: 'sk_test', scopes: ['full'] },
  [WRITER_KEY]: { id: 'k2', name: 'writer', createdAt: '', prefix: 'sk_test', scopes: ['webhooks:write'] },
  [SCOPELESS_KEY]: { id: 'k3', name: 'scopeless', createdAt: '', prefix: 'sk_test' } as ApiKeyInfo,
};
const { doc, freshTables } = useDynamo();
const sent: DeliveryMessage[] = [];
let app: ApiApp;
let store: DynamoWebhookStore;

/** Public-looking DNS for any host, so the guard's address check is what decides. */
const resolve: HostResolver = async (host) => [{ address: host === 'internal.example' ? '10.0.0.7' : '93.184.216.34', family: 4 }];

beforeAll(async () => {
  const tables = await freshTables();
  store = new DynamoWebhookStore({ doc, tableName: tables.state, cipher: new LocalKeyFileCipher(randomBytes(32)) });
  const webhooks = new WebhookService({
    store,
    resolve,
    clock: systemClock,
    allowPrivate: false,
    allowHttp: false,
    queue: { send: async (message) => void sent.push(message), sendToDeadLetter: async () => undefined },
  });
  const apiKeys = { verify: async (secret: string): Promise<ApiKeyInfo | null> => KEYS[secret] ?? null } as unknown as ApiKeyStore;
  const syncline = { registry: new IntegrationRegistry([]) } as unknown as ApiSyncline;
  app = createApiApp({ syncline, apiKeys, clock: systemClock, visibilityLagMs: 1_000, logger: { log: () => undefined }, webhooks });
});

const call = async (method: string, path: string, body?: unknown, key = KEY) => {
  const response = await app.request(path, {
    method,
    headers: { Authorization: `Bearer ${key}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as any };
};

describe('webhooks API', () => {
  it('creates a subscription (secret shown once), lists, gets, rotates and deletes it', async () => {
    const created = await call('POST', '/webhooks/subscriptions', { url: 'https://hooks.example.com/syncline' });
    expect(created.status).toBe(201);
    // Without events and always: Nango's new-environment settings.
    expect(created.body).toMatchObject({
      url: 'https://hooks.example.com/syncline',
      events: ['sync.success', 'sync.error', 'auth.refresh_error', 'auth.creation', 'auth.override', 'async_action'],
      always: true,
      enabled: true,
      secret: expect.stringMatching(/^whsec_/),
    });
    const { id, secret } = created.body;

    const listed = await call('GET', '/webhooks/subscriptions');
    expect(listed.body.subscriptions.map((s: any) => s.id)).toContain(id);
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    expect((await call('GET', `/webhooks/subscriptions/${id}`)).body).not.toHaveProperty('secret');
    expect(await store.getSecret(id)).toBe(secret);

    const rotated = await call('POST', `/webhooks/subscriptions/${id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(secret);
    expect(await store.getSecret(id)).toBe(rotated.body.secret);

    expect((await call('DELETE', `/webhooks/subscriptions/${id}`)).status).toBe(200);
    expect((await call('GET', `/webhooks/subscriptions/${id}`)).status).toBe(404);
  });

  it.each(['http://169.254.169.254/', 'http://10.0.0.1/', 'https://10.0.0.1/', 'https://[::1]/', 'https://internal.example/', 'http://hooks.example.com/'])('refuses %s with 400', async (url) => {
    const answer = await call('POST', '/webhooks/subscriptions', { url });

    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'invalid_webhook_url', errors: [{ path: 'body.url' }] });
  });

  it("gives a webhooks:write key its new subscription's secret, but rotating (any subscription's secret) needs full", async () => {
    const own = await call('POST', '/webhooks/subscriptions', { url: 'https://hooks.example.com/writer' }, WRITER_KEY);
    expect(own).toMatchObject({ status: 201, body: { secret: expect.stringMatching(/^whsec_/) } });
    const other = await call('POST', '/webhooks/subscriptions', { url: 'https://hooks.example.com/other' });
    const before = await store.getSecret(other.body.id);

    for (const id of [other.body.id, own.body.id]) {
      const rotated = await call('POST', `/webhooks/subscriptions/${id}/rotate-secret`, undefined, WRITER_KEY);
      expect(rotated).toMatchObject({ status: 403, body: { error: { code: 'forbidden', message: 'this API key lacks the full scope' } } });
      expect(JSON.stringify(rotated.body)).not.toContain('whsec_');
    }
    expect(await store.getSecret(other.body.id)).toBe(before);
    expect(await store.getSecret(own.body.id)).toBe(own.body.secret);
    // What webhooks:write still may do.
    expect((await call('GET', `/webhooks/subscriptions/${other.body.id}`, undefined, WRITER_KEY)).status).toBe(200);
    expect((await call('DELETE', `/webhooks/subscriptions/${own.body.id}`, undefined, WRITER_KEY)).status).toBe(200);
  });

  it('gives a key without scopes nothing (fails closed)', async () => {
    for (const [method, path] of [
      ['GET', '/webhooks/subscriptions'],
      ['POST', '/webhooks/subscriptions'],
      ['POST', '/webhooks/subscriptions/whsub_x/rotate-secret'],
    ] as const) {
      const answer = await call(method, path, method === 'POST' ? { url: 'https://hooks.example.com/x' } : undefined, SCOPELESS_KEY);
      expect(answer, `${method} ${path}`).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    }
  });

  it('keeps what a subscription says, and what a stored one was created with', async () => {
    const explicit = await call('POST', '/webhooks/subscriptions', { url: 'https://hooks.example.com/quiet', events: ['sync.error'], always: false });
    expect(explicit.body).toMatchObject({ events: ['sync.error'], always: false });
    // A subscription stored before the defaults changed.
    const old = {
      id: 'whsub_00000000000000ee',
      url: 'https://hooks.example.com/old',
      events: ['sync.success', 'sync.error'] as const,
      always: false,
      enabled: true,
      disabledReason: null,
      createdAt: 0,
    };
    await store.createSubscription({ ...old, events: [...old.events] }, 'whsec_AAAA');

    expect((await call('GET', `/webhooks/subscriptions/${old.id}`)).body).toMatchObject({ events: ['sync.success', 'sync.error'], always: false });
    expect((await call('GET', `/webhooks/subscriptions/${explicit.body.id}`)).body).toMatchObject({ events: ['sync.error'], always: false });
  });

  it('rejects unknown fields and events', async () => {
    expect((await call('POST', '/webhooks/subscriptions', { url: 'https://a.example/', events: ['sync.maybe'] })).status).toBe(400);
    expect((await call('POST', '/webhooks/subscriptions', { url: 'https://a.example/', extra: 1 })).status).toBe(400);
  });

  it('lists deliveries with their attempts and replays a failed one (409 while pending)', async () => {
    const { body: sub } = await call('POST', '/webhooks/subscriptions', { url: 'https://hooks.example.com/a', events: ['sync.success'] });
    const run = { providerConfigKey: 'p', connectionId: 'c', syncName: 's', runId: 'r1', finishedAt: Date.now(), startedAt: Date.now() - 1000 } as RunRecord;
    const id = deliveryId(sub.id, run, 'Contact');
    await store.createDelivery({
      id,
      subscriptionId: sub.id,
      event: 'sync.success',
      providerConfigKey: 'p',
      connectionId: 'c',
      syncName: 's',
      runId: 'r1',
      model: 'Contact',
      body: '{}',
      status: 'PENDING',
      attempts: [],
      roundStart: 0,
      roundStartedAt: Date.now(),
      queued: true,
      createdAt: Date.now(),
      updatedAt: Date.now(),
    });
    expect((await call('POST', `/webhooks/deliveries/${id}/replay`)).status).toBe(409);
    await store.recordAttempt(id, 0, { at: Date.now(), statusCode: 500, error: 'HTTP 500', nextRetryAt: null }, 'FAILED');

    const listed = await call('GET', `/webhooks/subscriptions/${sub.id}/deliveries`);
    expect(listed.body.deliveries).toEqual([expect.objectContaining({ id, status: 'FAILED', attempts: [expect.objectContaining({ status_code: 500, error: 'HTTP 500', next_retry_at: null })] })]);

    const replayed = await call('POST', `/webhooks/deliveries/${id}/replay`);
    expect(replayed.status).toBe(202);
    expect(replayed.body).toMatchObject({ id, status: 'PENDING' });
    expect(sent.at(-1)).toMatchObject({ deliveryId: id, attempt: 2 });
    expect((await call('POST', '/webhooks/deliveries/whd_unknown/replay')).status).toBe(404);
  });

  it('the routes are documented in the OpenAPI document', async () => {
    const response = await app.request('/openapi.json', { headers: { Authorization: `Bearer ${KEY}` } });
    const document = (await response.json()) as { paths: Record<string, unknown> };

    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/webhooks/subscriptions', '/webhooks/deliveries/{deliveryId}/replay']));
  });
});
