/**
 * Webhook URLs aimed at link-local and cloud metadata addresses are refused even where private
 * addresses are allowed (local development, `SYNCLINE_WEBHOOK_ALLOW_PRIVATE=true`): at
 * `POST /webhooks/subscriptions` with a 400, and at delivery time for a subscription already
 * stored. Against DynamoDB Local; DNS is a fake and the sender records instead of sending, so
 * nothing is ever sent to a metadata address.
 */
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { LocalKeyFileCipher } from '../../functions/adapters/crypto/local-cipher.js';
import { DynamoWebhookStore } from '../../functions/adapters/dynamodb/webhook-store.js';
import { createApiApp, type ApiApp } from '../../functions/api/app.js';
import type { ApiSyncline } from '../../functions/api/deps.js';
import { IntegrationRegistry } from '../../functions/engine/integration.js';
import { systemClock, type ApiKeyInfo, type ApiKeyStore, type RunRecord } from '../../functions/engine/ports.js';
import { attemptDelivery } from '../../functions/engine/webhooks/attempt-delivery.js';
import { deliveryId, newSubscriptionId } from '../../functions/engine/webhooks/delivery-id.js';
import type { DeliveryMessage, HostResolver, WebhookRequest } from '../../functions/engine/webhooks/ports.js';
import { DEFAULT_RETRY_POLICY } from '../../functions/engine/webhooks/retry-policy.js';
import { WebhookService } from '../../functions/engine/webhooks/webhook-service.js';
import { useDynamo } from '../support/dynamo.js';

const KEY = 'sk_test_webhooks_ssrf_key_0123456789';
const { doc, freshTables } = useDynamo();
const queued: DeliveryMessage[] = [];
const queue = { send: async (message: DeliveryMessage) => void queued.push(message), sendToDeadLetter: async () => undefined };
let app: ApiApp;
let store: DynamoWebhookStore;

/** Fake DNS: `rebind.example` answers the metadata address, anything else loopback. */
const resolve: HostResolver = async (host) => [{ address: host === 'rebind.example' ? '169.254.169.254' : '127.0.0.1', family: 4 }];

beforeAll(async () => {
  const tables = await freshTables();
  store = new DynamoWebhookStore({ doc, tableName: tables.state, cipher: new LocalKeyFileCipher(randomBytes(32)) });
  // As the local runtime wires it: private addresses and plain http allowed.
  const webhooks = new WebhookService({ store, queue, resolve, clock: systemClock, allowPrivate: true, allowHttp: true });
  const apiKeys = {
    verify: async (secret: string): Promise<ApiKeyInfo | null> => (secret === KEY ? { id: 'k1', name: 'test', createdAt: '', prefix: 'sk_test', scopes: ['full'] } : null),
  } as unknown as ApiKeyStore;
  const syncline = { registry: new IntegrationRegistry([]) } as unknown as ApiSyncline;
  app = createApiApp({ syncline, apiKeys, clock: systemClock, visibilityLagMs: 1_000, logger: { log: () => undefined }, webhooks });
});

const subscribe = async (url: string) => {
  const response = await app.request('/webhooks/subscriptions', {
    method: 'POST',
    headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ url }),
  });
  return { status: response.status, body: (await response.json()) as any };
};

describe('webhook URLs with private addresses allowed', () => {
  it('accepts a receiver on loopback (private addresses really are allowed here)', async () => {
    const answer = await subscribe('http://127.0.0.1:4000/hook');

    expect(answer.status).toBe(201);
  });

  it.each([
    'http://169.254.169.254/latest/meta-data',
    'http://169.254.170.2/v2/credentials',
    'http://[::ffff:169.254.169.254]/latest/meta-data',
    'http://[::ffff:a9fe:a9fe]/',
    'http://[fd00:ec2::254]/latest/meta-data',
    'http://[fe80::1]/',
    'http://2852039166/latest/meta-data',
    'http://metadata.google.internal/computeMetadata/v1/',
    'http://rebind.example/hook',
  ])('refuses %s with 400 and stores nothing', async (url) => {
    const before = await store.listSubscriptions();

    const answer = await subscribe(url);

    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'invalid_webhook_url', errors: [{ path: 'body.url', message: expect.stringMatching(/link-local or cloud metadata|cloud metadata service/) }] });
    expect(await store.listSubscriptions()).toEqual(before);
  });

  it('a subscription to the metadata service stored before the guard existed is never sent to', async () => {
    const now = Date.now();
    const subscriptionId = newSubscriptionId();
    const run = { providerConfigKey: 'p', connectionId: 'c', syncName: 's', runId: 'r1', finishedAt: now, startedAt: now - 1000 } as RunRecord;
    const id = deliveryId(subscriptionId, run, 'Contact');
    await store.createSubscription(
      { id: subscriptionId, url: 'http://169.254.169.254/latest/meta-data', events: ['sync.success'], always: false, enabled: true, disabledReason: null, createdAt: now },
      'whsec_legacy',
    );
    await store.createDelivery({
      id,
      subscriptionId,
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
      roundStartedAt: now,
      queued: true,
      createdAt: now,
      updatedAt: now,
    });
    const sent: WebhookRequest[] = [];
    const sender = {
      send: async (request: WebhookRequest) => {
        sent.push(request);
        return { statusCode: 200, retryAfter: null, error: null };
      },
    };

    const result = await attemptDelivery(
      { store, queue, sender, resolve, clock: systemClock, logger: { log: () => undefined }, policy: DEFAULT_RETRY_POLICY, allowPrivate: true, allowHttp: true },
      { deliveryId: id, attempt: 1, dueAt: now },
    );

    expect(result).toMatchObject({ kind: 'ATTEMPTED', status: 'FAILED', statusCode: null, nextRetryAt: null });
    expect(sent).toEqual([]);
    expect((await store.getDelivery(id))?.attempts).toEqual([
      expect.objectContaining({ statusCode: null, nextRetryAt: null, error: expect.stringMatching(/^URL refused: .*169\.254\.169\.254, a link-local or cloud metadata address$/) }),
    ]);
  });
});
