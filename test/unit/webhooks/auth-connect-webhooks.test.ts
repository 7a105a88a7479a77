/**
 * Connect-flow auth webhooks from the state stream: a connection written with a new `authEvent`
 * (creation or override) → Nango's auth body with `success: true` to subscriptions that want
 * `auth.<operation>`, once per event; later writes to that connection send nothing; the
 * credentials in the image reach no body, event or log line.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import type { NangoAuthWebhookBodySuccess } from '@nangohq/types';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { IntegrationRegistry } from '../../../functions/engine/integration.js';
import { buildAuthSuccessPayload } from '../../../functions/engine/webhooks/auth-payload.js';
import { WEBHOOK_FROM } from '../../../functions/engine/webhooks/payload.js';
import { authDeliveryId } from '../../../functions/engine/webhooks/delivery-id.js';
import type { DeliveryMessage, PublishedEvent, WebhookSubscription } from '../../../functions/engine/webhooks/ports.js';
import { matchesAuthErrorFilter, matchesAuthEventFilter, matchesWebhookStreamFilter } from '../../../functions/handlers/stream/run-result-filter.js';
import { makeRunResultsHandler } from '../../../functions/handlers/stream/run-results-handler.js';
import { MemoryWebhookStore } from '../../support/memory-webhook-store.js';

const SECRET_KEY = 'api-KEY-SECRET-123456';
const created = { operation: 'creation', at: '2026-03-01T10:00:00.000Z' };
const overridden = { operation: 'override', at: '2026-03-01T11:00:00.000Z' };

const connectionItem = (extra: Record<string, unknown> = {}) => ({
  pk: 'CONN#hubspot',
  sk: 'conn-1',
  kind: 'CONNECTION',
  credentialsType: 'OAUTH2',
  credentials: { type: 'OAUTH2', accessToken: SECRET_KEY },
  credentialsEnc: new Uint8Array(Buffer.from(`sealed:${SECRET_KEY}`)),
  metadata: {},
  connectionConfig: {},
  tags: { end_user_id: 'u1', end_user_email: 'ada@example.com', organization_id: 'org-1' },
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-02-01T00:00:00.000Z',
  ...extra,
});

function record(eventName: 'INSERT' | 'MODIFY' | 'REMOVE', next: Record<string, unknown> | null, old?: Record<string, unknown>, seq = '100'): DynamoDBRecord {
  const image = (item: Record<string, unknown>) => marshall(item, { removeUndefinedValues: true }) as never;
  return { eventID: `e${seq}`, eventName, dynamodb: { SequenceNumber: seq, ...(next ? { NewImage: image(next) } : {}), ...(old ? { OldImage: image(old) } : {}) } };
}

const sub = (id: string, events: WebhookSubscription['events']): WebhookSubscription => ({
  id,
  url: `https://hooks.example/${id}`,
  events,
  always: true,
  enabled: true,
  disabledReason: null,
  createdAt: 0,
});

function setup(subscriptions: WebhookSubscription[]) {
  const store = new MemoryWebhookStore();
  for (const s of subscriptions) store.subscriptions.set(s.id, s);
  const sent: DeliveryMessage[] = [];
  const published: PublishedEvent[] = [];
  const logs: string[] = [];
  const handler = makeRunResultsHandler({
    store,
    queue: { send: async (m) => void sent.push(m), sendToDeadLetter: async () => undefined },
    events: { publish: async (e) => void published.push(...e) },
    clock: { now: () => Date.parse('2026-03-01T12:00:00.000Z') },
    logger: { log: (level, message, fields) => void logs.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`) },
    settleMs: 2_000,
    environment: 'prod',
    integrations: new IntegrationRegistry([{ providerConfigKey: 'hubspot', provider: 'hubspot', syncs: {} }]),
  });
  return { store, sent, published, logs, handler };
}

describe('the stream filter for connect events', () => {
  it.each([
    ['a connection created by the connect flow (INSERT)', record('INSERT', connectionItem({ authEvent: created })), true],
    ['a reconnect over a connect-made connection (new at)', record('MODIFY', connectionItem({ authEvent: overridden }), connectionItem({ authEvent: created })), true],
    ['a reconnect over an imported connection', record('MODIFY', connectionItem({ authEvent: overridden }), connectionItem()), true],
    ['metadata written to a connect-made connection (same at)', record('MODIFY', connectionItem({ authEvent: created, metadata: { a: 1 } }), connectionItem({ authEvent: created })), false],
    ['an import over a connect-made connection (event gone)', record('MODIFY', connectionItem(), connectionItem({ authEvent: created })), false],
    ['an imported connection', record('INSERT', connectionItem()), false],
    ['a deleted connection', record('REMOVE', null, connectionItem({ authEvent: created })), false],
    ['another kind with an authEvent', record('INSERT', { ...connectionItem({ authEvent: created }), kind: 'CONNECTION_SYNC' }), false],
  ])('%s → %s', (_name, r, expected) => {
    expect(matchesAuthEventFilter(r)).toBe(expected);
    expect(matchesAuthErrorFilter(r)).toBe(false);
    // The event-source filter cannot compare images: it lets same-`at` writes through, the handler drops them.
    if (expected) expect(matchesWebhookStreamFilter(r)).toBe(true);
  });
});

describe('auth webhooks planned from a connect event', () => {
  it("sends Nango's success body (creation) to subscriptions that want auth.creation; a repeated stream record creates no second delivery", async () => {
    const { handler, store, sent, published, logs } = setup([sub('whsub_00000000000000a1', ['auth.creation']), sub('whsub_00000000000000a2', ['sync.success', 'auth.refresh_error'])]);
    const r = record('INSERT', connectionItem({ authEvent: created }));
    expect(await handler({ Records: [r, r] })).toEqual({ batchItemFailures: [] });

    const deliveries = [...store.deliveries.values()];
    expect(deliveries).toHaveLength(1);
    const [delivery] = deliveries;
    expect(delivery).toMatchObject({
      id: authDeliveryId('whsub_00000000000000a1', { providerConfigKey: 'hubspot', connectionId: 'conn-1', at: Date.parse(created.at), operation: 'creation' }),
      event: 'auth.creation',
      providerConfigKey: 'hubspot',
      connectionId: 'conn-1',
    });
    const body = JSON.parse(delivery!.body) as NangoAuthWebhookBodySuccess;
    expect(body).toEqual({
      from: WEBHOOK_FROM,
      type: 'auth',
      connectionId: 'conn-1',
      authMode: 'OAUTH2',
      providerConfigKey: 'hubspot',
      provider: 'hubspot',
      environment: 'prod',
      operation: 'creation',
      tags: { end_user_id: 'u1', end_user_email: 'ada@example.com', organization_id: 'org-1' },
      endUser: { endUserId: 'u1', endUserEmail: 'ada@example.com', organizationId: 'org-1', tags: {} },
      success: true,
    });
    expect(sent).toHaveLength(1);
    expect(published.map((e) => e.detailType)).toEqual(['auth.creation', 'auth.creation']);
    for (const text of [JSON.stringify([...store.deliveries.values()]), JSON.stringify(sent), JSON.stringify(published), logs.join('\n')]) expect(text).not.toContain(SECRET_KEY);
  });

  it('sends an override to auth.override subscribers only, with a delivery id of its own', async () => {
    const { handler, store } = setup([sub('whsub_00000000000000b1', ['auth.creation']), sub('whsub_00000000000000b2', ['auth.override'])]);
    await handler({ Records: [record('MODIFY', connectionItem({ authEvent: overridden }), connectionItem({ authEvent: created }))] });
    const deliveries = [...store.deliveries.values()];
    expect(deliveries.map((d) => [d.subscriptionId, d.event])).toEqual([['whsub_00000000000000b2', 'auth.override']]);
    expect(JSON.parse(deliveries[0]!.body)).toMatchObject({ operation: 'override', success: true });
    expect(deliveries[0]!.id).not.toBe(authDeliveryId('whsub_00000000000000b2', { providerConfigKey: 'hubspot', connectionId: 'conn-1', at: Date.parse(overridden.at) }));
  });

  it('drops a later write to a connect-made connection and skips an unreadable event loudly', async () => {
    const { handler, store, logs } = setup([sub('whsub_00000000000000c1', ['auth.creation', 'auth.override'])]);
    await handler({ Records: [record('MODIFY', connectionItem({ authEvent: created, metadata: { a: 1 } }), connectionItem({ authEvent: created }))] });
    expect(store.deliveries.size).toBe(0);
    await handler({ Records: [record('INSERT', connectionItem({ authEvent: { operation: 'creation', at: 'not a date' } }))] });
    expect(store.deliveries.size).toBe(0);
    expect(logs.some((l) => l.startsWith('error unreadable item'))).toBe(true);
  });

  it('leaves endUser out when the tags name no end user', () => {
    const body = buildAuthSuccessPayload({ providerConfigKey: 'p', connectionId: 'c', authMode: 'API_KEY', provider: 'x', environment: 'prod', tags: { team: 'a' } }, 'creation');
    expect(body).not.toHaveProperty('endUser');
    expect(Object.keys(body)).toEqual(['from', 'type', 'connectionId', 'authMode', 'providerConfigKey', 'provider', 'environment', 'operation', 'tags', 'success']);
  });
});
