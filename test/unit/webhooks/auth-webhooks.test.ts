/**
 * Auth webhooks from the state stream: which connection records wake the function (the same
 * patterns the Lambda event source and the local poller filter with), what is planned for them,
 * and that a connection's credentials never reach a body, an event or a log line.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { IntegrationRegistry } from '../../../functions/engine/integration.js';
import { authDeliveryId } from '../../../functions/engine/webhooks/delivery-id.js';
import type { DeliveryMessage, PublishedEvent, WebhookSubscription } from '../../../functions/engine/webhooks/ports.js';
import { matchesAuthErrorFilter, matchesRunResultFilter, matchesWebhookStreamFilter } from '../../../functions/handlers/stream/run-result-filter.js';
import { makeRunResultsHandler } from '../../../functions/handlers/stream/run-results-handler.js';
import { MemoryWebhookStore } from '../../support/memory-webhook-store.js';

const SECRET_TOKEN = 'at-SECRET-0123456789';
const SECRET_REFRESH = 'rt-SECRET-9876543210';
const authError = { type: 'auth', message: 'refreshing the access token failed with HTTP 400 (invalid_grant)', at: '2026-03-01T10:00:00.000Z', runId: 'run-7' };

/** A connection item as the connection repository writes it, with credentials (plain and sealed) beside the rest. */
const connectionItem = (extra: Record<string, unknown> = {}) => ({
  pk: 'CONN#hubspot',
  sk: 'acme',
  kind: 'CONNECTION',
  credentialsType: 'OAUTH2',
  credentials: { type: 'OAUTH2', accessToken: SECRET_TOKEN, refreshToken: SECRET_REFRESH },
  credentialsEnc: new Uint8Array(Buffer.from(`sealed:${SECRET_REFRESH}`)),
  metadata: { note: 'hello' },
  connectionConfig: {},
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-02-01T00:00:00.000Z',
  ...extra,
});

function record(eventName: 'INSERT' | 'MODIFY' | 'REMOVE', next: Record<string, unknown> | null, old?: Record<string, unknown>, seq = '100'): DynamoDBRecord {
  const image = (item: Record<string, unknown>) => marshall(item, { removeUndefinedValues: true }) as never;
  return { eventID: `e${seq}`, eventName, dynamodb: { SequenceNumber: seq, ...(next ? { NewImage: image(next) } : {}), ...(old ? { OldImage: image(old) } : {}) } };
}

const marked = (error = authError, extra: Record<string, unknown> = {}) => record('MODIFY', connectionItem({ authError: error, ...extra }), connectionItem(extra));

const sub = (id: string, extra: Partial<WebhookSubscription> = {}): WebhookSubscription => ({
  id,
  url: `https://hooks.example/${id}`,
  events: ['sync.success', 'sync.error', 'auth.refresh_error'],
  always: true,
  enabled: true,
  disabledReason: null,
  createdAt: 0,
  ...extra,
});

function setup(subscriptions: WebhookSubscription[], options: { integrations?: IntegrationRegistry } = {}) {
  const store = new MemoryWebhookStore();
  for (const s of subscriptions) store.subscriptions.set(s.id, s);
  const sent: DeliveryMessage[] = [];
  const published: PublishedEvent[] = [];
  const logs: string[] = [];
  const handler = makeRunResultsHandler({
    store,
    queue: { send: async (m) => void sent.push(m), sendToDeadLetter: async () => undefined },
    events: { publish: async (e) => void published.push(...e) },
    clock: { now: () => Date.parse('2026-03-01T10:00:01.000Z') },
    logger: { log: (level, message, fields) => void logs.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`) },
    settleMs: 2_000,
    environment: 'staging',
    ...(options.integrations ? { integrations: options.integrations } : {}),
  });
  return { store, sent, published, logs, handler };
}

const registry = new IntegrationRegistry([{ providerConfigKey: 'hubspot', provider: 'hubspot', syncs: {} }]);

describe('the stream filter for auth errors', () => {
  it.each([
    ['authError newly set on a connection', marked(), true],
    ['authError set again while one is there (already told)', record('MODIFY', connectionItem({ authError: { ...authError, at: '2026-03-02T00:00:00.000Z' } }), connectionItem({ authError })), false],
    ['another write to a marked connection (a refresh lock)', record('MODIFY', connectionItem({ authError, refreshLockUntil: 5 }), connectionItem({ authError })), false],
    ['new credentials clear the auth error', record('MODIFY', connectionItem(), connectionItem({ authError })), false],
    ['a connection imported with an auth error (INSERT)', record('INSERT', connectionItem({ authError })), false],
    ['a connection deleted', record('REMOVE', null, connectionItem({ authError })), false],
    ['metadata changed on an unmarked connection', record('MODIFY', connectionItem({ metadata: { a: 1 } }), connectionItem()), false],
    ['another kind with an authError', record('MODIFY', { ...connectionItem({ authError }), kind: 'CONNECTION_SYNC' }, connectionItem()), false],
  ])('%s → %s', (_name, r, expected) => {
    expect(matchesAuthErrorFilter(r)).toBe(expected);
    expect(matchesRunResultFilter(r)).toBe(false);
    expect(matchesWebhookStreamFilter(r)).toBe(expected);
  });
});

describe('auth webhooks planned from a newly marked connection', () => {
  it("sends Nango's refresh-error body to subscriptions that want auth.refresh_error, at once, and publishes one event", async () => {
    const { store, sent, published, handler } = setup(
      [sub('whsub_0000000000000001'), sub('whsub_0000000000000002', { events: ['sync.success', 'sync.error'] }), sub('whsub_0000000000000003', { enabled: false })],
      { integrations: registry },
    );

    const response = await handler({ Records: [marked(authError, { tags: { end_user_id: 'u-1' } })] });

    expect(response.batchItemFailures).toEqual([]);
    const deliveries = [...store.deliveries.values()];
    expect(deliveries).toHaveLength(1);
    const [delivery] = deliveries;
    expect(delivery).toMatchObject({
      id: authDeliveryId('whsub_0000000000000001', { providerConfigKey: 'hubspot', connectionId: 'acme', at: Date.parse(authError.at) }),
      subscriptionId: 'whsub_0000000000000001',
      event: 'auth.refresh_error',
      providerConfigKey: 'hubspot',
      connectionId: 'acme',
      syncName: null,
      runId: 'run-7',
      model: null,
      queued: true,
    });
    expect(JSON.parse(delivery!.body)).toEqual({
      from: 'syncline',
      type: 'auth',
      connectionId: 'acme',
      authMode: 'OAUTH2',
      providerConfigKey: 'hubspot',
      provider: 'hubspot',
      environment: 'staging',
      operation: 'refresh',
      tags: { end_user_id: 'u-1' },
      success: false,
      error: { type: 'refresh_token_external_error', description: authError.message },
    });
    // No records to wait for: due now, not after the visibility lag.
    expect(sent).toEqual([{ deliveryId: delivery!.id, attempt: 1, dueAt: Date.parse('2026-03-01T10:00:01.000Z') }]);
    expect(published).toEqual([{ detailType: 'auth.refresh_error', detail: JSON.parse(delivery!.body) }]);
  });

  it('a repeated stream record creates nothing new; a later marking (after new credentials) is a new webhook', async () => {
    const { store, sent, handler } = setup([sub('whsub_0000000000000001')], { integrations: registry });

    await handler({ Records: [marked()] });
    await handler({ Records: [marked()] });
    await handler({ Records: [marked({ ...authError, at: '2026-03-05T08:00:00.000Z' })] });

    expect(store.deliveries.size).toBe(2);
    expect(sent).toHaveLength(2);
  });

  it('without the integration: provider "unknown", the auth mode from the credentials type, tags {}', async () => {
    const { store, handler } = setup([sub('whsub_0000000000000001')]);

    await handler({ Records: [marked(authError, { credentialsType: 'BASIC' })] });

    expect(JSON.parse([...store.deliveries.values()][0]!.body)).toMatchObject({ provider: 'unknown', authMode: 'BASIC', tags: {} });
  });

  it('never puts credentials in a body, an event or a log line', async () => {
    const { store, published, logs, handler } = setup([sub('whsub_0000000000000001')], { integrations: registry });

    await handler({ Records: [marked(), record('MODIFY', connectionItem({ authError: { ...authError, at: 'not a date' } }), connectionItem(), '101')] });

    const everything = JSON.stringify([[...store.deliveries.values()], published, logs]);
    expect(everything).not.toContain(SECRET_TOKEN);
    expect(everything).not.toContain(SECRET_REFRESH);
    expect(everything).not.toContain('sealed:');
    expect(everything).not.toContain('hello');
    // The unreadable one (its time is not a date) is skipped loudly, not retried forever.
    expect(logs.filter((l) => l.startsWith('error unreadable item'))).toHaveLength(1);
  });

  it('a failure to create the delivery reports the record for a retry', async () => {
    const { store, handler } = setup([sub('whsub_0000000000000001')]);
    store.createDelivery = async () => {
      throw new Error('DynamoDB is down');
    };

    const response = await handler({ Records: [marked(authError, {}), marked(authError, {})].map((r, i) => ({ ...r, dynamodb: { ...r.dynamodb, SequenceNumber: `${7 + i}` } })) });

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: '7' }]);
  });
});
