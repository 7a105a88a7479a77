/**
 * Connect-flow auth webhooks end to end on one machine: an end user connects (and later
 * re-authorizes) through the API with a connect session; the connection item lands in DynamoDB
 * Local with its connect event; the stream poller feeds the run-results handler; the delivery goes
 * through the SQS emulator to a receiver on 127.0.0.1, signed, as Nango's `auth` body. A connect
 * whose token endpoint fails writes a failed-connect item instead, and the same path delivers
 * Nango's failed `auth` body (`success: false`).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { NangoAuthWebhookBodyError, NangoAuthWebhookBodySuccess } from '@nangohq/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalKeyFileCipher } from '../../functions/adapters/crypto/local-cipher.js';
import type { Logger } from '../../functions/engine/ports.js';
import { WEBHOOK_FROM } from '../../functions/engine/webhooks/payload.js';
import { startSqsEmulator, type SqsEmulator } from '../../functions/local/sqs-emulator.js';
import { startLocalWebhooks, type LocalWebhooks } from '../../functions/local/webhooks-local.js';
import { type ApiKit, SANDBOX_KEY, startApiKit } from '../support/api-kit.js';
import { useDynamo } from '../support/dynamo.js';
import { type FakeOAuthProvider, startFakeOAuthProvider } from '../support/fake-oauth-provider.js';
import { startReceiver, verifySignatures, type WebhookReceiver } from '../support/webhook-receiver.js';

const dynamo = useDynamo();
let kit: ApiKit;
let sqs: SqsEmulator;
let webhooks: LocalWebhooks;
let receiver: WebhookReceiver;
let secret: string;
let provider: FakeOAuthProvider;
const logs: string[] = [];
const logger: Logger = { log: (level, message) => void logs.push(`${level} ${message}`) };

beforeAll(async () => {
  provider = await startFakeOAuthProvider();
  provider.token = 'fail';
  kit = await startApiKit({
    initialContacts: 1,
    allowLoopbackTokenUrl: true,
    integrations: [
      {
        providerConfigKey: 'cc-app',
        provider: { displayName: 'CC App', baseUrl: provider.url, auth: { mode: 'OAUTH2_CC', tokenUrl: `${provider.url}/oauth/token`, defaultScopes: ['read'] } },
        oauthClient: { clientId: provider.clientId, clientSecret: provider.clientSecret },
        syncs: {},
      },
    ],
  });
  sqs = await startSqsEmulator();
  webhooks = await startLocalWebhooks({
    dynamo: { endpoint: dynamo.endpoint, client: dynamo.client, doc: dynamo.doc },
    stateTable: kit.tables.state,
    sqs,
    cipher: new LocalKeyFileCipher(randomBytes(32)),
    logger,
    allowPrivate: true,
    retryPolicy: { baseDelayMs: 20, maxDelayMs: 80, minSpanMs: 0, maxAttempts: 5 },
    pollIntervalMs: 100,
    queueName: `connect-webhooks-${randomUUID().slice(0, 8)}`,
    integrations: kit.registry,
    environment: 'prod',
  });
  receiver = await startReceiver();
  // A new subscription gets Nango's new-environment defaults: auth.creation and auth.override included.
  const subscription = await webhooks.service.createSubscription({ url: receiver.url });
  expect(subscription.events).toEqual(expect.arrayContaining(['auth.creation', 'auth.override']));
  secret = subscription.secret;
}, 60_000);

afterAll(async () => {
  await receiver?.stop();
  await webhooks?.stop();
  await sqs?.stop();
  await kit?.stop();
  await provider?.stop();
});

async function connectWithKey(token: string) {
  const query = `connect_session_token=${token}&params[baseUrl]=${encodeURIComponent(kit.sandbox.url)}`;
  const response = await fetch(`${kit.server.url}/api-auth/api-key/demo-crm?${query}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ apiKey: SANDBOX_KEY }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { connectionId: string; providerConfigKey: string };
}

describe('auth webhooks of the connect flow, through the DynamoDB stream', () => {
  it('sends a signed creation webhook with the session tags, then an override for a reconnect, once each', async () => {
    const session = await kit.call('POST', '/connect/sessions', { body: { end_user: { id: 'eu-1', email: 'ada@example.com' }, tags: { organization_id: 'org-1' } } });
    const { connectionId } = await connectWithKey(session.body.data.token);

    const [creation] = await receiver.waitFor(1, 15_000);
    verifySignatures(creation!, secret);
    const body = creation!.json as NangoAuthWebhookBodySuccess;
    expect(body).toMatchObject({
      type: 'auth',
      operation: 'creation',
      success: true,
      connectionId,
      providerConfigKey: 'demo-crm',
      provider: 'demo-crm',
      authMode: 'API_KEY',
      environment: 'prod',
      tags: { end_user_id: 'eu-1', end_user_email: 'ada@example.com', organization_id: 'org-1' },
      endUser: { endUserId: 'eu-1', endUserEmail: 'ada@example.com', organizationId: 'org-1', tags: {} },
    });

    // A later write to the connection (metadata) sends nothing.
    const metadata = await kit.call('PATCH', `/connection/${connectionId}/metadata`, {
      body: { plan: 'pro' },
      query: { provider_config_key: 'demo-crm' },
      headers: { 'Provider-Config-Key': 'demo-crm' },
    });
    expect(metadata.status).toBe(200);

    const reconnect = await kit.call('POST', '/connect/sessions/reconnect', { body: { connection_id: connectionId, integration_id: 'demo-crm' } });
    expect(reconnect.status).toBe(201);
    await connectWithKey(reconnect.body.data.token);
    const [, override] = await receiver.waitFor(2, 15_000);
    expect(override!.json).toMatchObject({ type: 'auth', operation: 'override', success: true, connectionId });

    // The stream is read in order: the metadata write, before the override, made no delivery.
    const deliveries = await webhooks.service.listDeliveries((await webhooks.service.listSubscriptions())[0]!.id, 10);
    expect(deliveries.map((d) => d.event).sort()).toEqual(['auth.creation', 'auth.override']);
    expect(logs.join('\n')).not.toContain(SANDBOX_KEY);
  }, 45_000);

  it('sends a signed failed creation webhook when the token endpoint fails, with no connection and no secret', async () => {
    const session = await kit.call('POST', '/connect/sessions', { body: { tags: { end_user_id: 'eu-2' }, allowed_integrations: ['cc-app'] } });
    const response = await fetch(`${kit.server.url}/oauth2/auth/cc-app?connect_session_token=${session.body.data.token}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(400);

    const received = await receiver.waitFor(3, 15_000);
    const failed = received[2]!;
    verifySignatures(failed, secret);
    const body = failed.json as NangoAuthWebhookBodyError;
    expect(body).toEqual({
      from: WEBHOOK_FROM,
      type: 'auth',
      connectionId: expect.any(String),
      authMode: 'OAUTH2_CC',
      providerConfigKey: 'cc-app',
      provider: 'cc-app',
      environment: 'prod',
      operation: 'creation',
      tags: { end_user_id: 'eu-2' },
      success: false,
      error: { type: 'unknown', description: expect.stringContaining('HTTP 500') },
    });
    expect(failed.body).not.toContain(provider.clientSecret);
    const created: string[] = [];
    for await (const page of kit.state.connections.list('cc-app')) created.push(...page.map((c) => c.connectionId));
    expect(created).toEqual([]);
    const deliveries = await webhooks.service.listDeliveries((await webhooks.service.listSubscriptions())[0]!.id, 10);
    expect(deliveries.filter((d) => d.providerConfigKey === 'cc-app').map((d) => d.event)).toEqual(['auth.creation']);
  }, 45_000);
});
