/**
 * Failed connects from the state stream: the INSERT of an `AUTH_FAILURE` item → Nango's failed
 * auth body (`operation: 'creation', success: false`) to subscriptions that want
 * `auth.creation`, once per failure; the TTL sweep (REMOVE) and other kinds send nothing; the
 * item's keys and ttl reach no body. And the engine side: `recordAuthFailure` writes through
 * the port and never breaks the flow when the store fails.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import type { NangoAuthWebhookBodyError } from '@nangohq/types';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { type AuthFailure, recordAuthFailure } from '../../../functions/engine/connect/auth-failure.js';
import { authDeliveryId } from '../../../functions/engine/webhooks/delivery-id.js';
import { WEBHOOK_FROM } from '../../../functions/engine/webhooks/payload.js';
import type { DeliveryMessage, PublishedEvent, WebhookSubscription } from '../../../functions/engine/webhooks/ports.js';
import { matchesAuthEventFilter, matchesAuthFailureFilter, matchesRunResultFilter, matchesWebhookStreamFilter } from '../../../functions/handlers/stream/run-result-filter.js';
import { makeRunResultsHandler } from '../../../functions/handlers/stream/run-results-handler.js';
import { MemoryAuthFailures } from '../../support/memory-state.js';
import { MemoryWebhookStore } from '../../support/memory-webhook-store.js';

const failure: AuthFailure = {
  id: '6f1c1f3e-2b9a-4c3e-9d55-0d7f1f0a2b11',
  at: '2026-03-01T10:00:00.000Z',
  providerConfigKey: 'hubspot',
  connectionId: 'c9a1d8d0-5e1e-4b59-8a0e-3c1f0e6d7a22',
  authMode: 'OAUTH2',
  provider: 'hubspot',
  operation: 'creation',
  tags: { end_user_id: 'u1' },
  error: { type: 'invalid_callback', description: 'The authorization was denied. Provider error: access_denied' },
};
const item = (extra: Record<string, unknown> = {}) => ({ pk: `AUTHFAILURE#${failure.id}`, sk: 'FAILURE', kind: 'AUTH_FAILURE', ...failure, ttl: 1772445600, ...extra });

function record(eventName: 'INSERT' | 'MODIFY' | 'REMOVE', next: Record<string, unknown> | null, old?: Record<string, unknown>): DynamoDBRecord {
  const image = (value: Record<string, unknown>) => marshall(value, { removeUndefinedValues: true }) as never;
  return { eventID: 'e1', eventName, dynamodb: { SequenceNumber: '1', ...(next ? { NewImage: image(next) } : {}), ...(old ? { OldImage: image(old) } : {}) } };
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
    logger: { log: (level, message) => void logs.push(`${level} ${message}`) },
    settleMs: 2_000,
    environment: 'prod',
  });
  return { store, sent, published, logs, handler };
}

describe('the stream filter for failed connects', () => {
  it.each([
    ['a failed connect written (INSERT)', record('INSERT', item()), true],
    ['the TTL sweep (REMOVE)', record('REMOVE', null, item()), false],
    ['another kind', record('INSERT', item({ kind: 'OAUTH_STATE' })), false],
  ])('%s → %s', (_name, r, expected) => {
    expect(matchesAuthFailureFilter(r)).toBe(expected);
    expect(matchesWebhookStreamFilter(r)).toBe(expected);
    expect(matchesAuthEventFilter(r)).toBe(false);
    expect(matchesRunResultFilter(r)).toBe(false);
  });
});

describe('failed auth webhooks planned from a failed connect', () => {
  it("sends Nango's failed creation body to auth.creation subscribers only, once, with a delivery id from the failure", async () => {
    const { handler, store, sent, published } = setup([sub('whsub_00000000000000d1', ['auth.creation']), sub('whsub_00000000000000d2', ['auth.override', 'auth.refresh_error'])]);
    const r = record('INSERT', item());
    expect(await handler({ Records: [r, r] })).toEqual({ batchItemFailures: [] });

    const deliveries = [...store.deliveries.values()];
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({
      id: authDeliveryId('whsub_00000000000000d1', {
        providerConfigKey: 'hubspot',
        connectionId: `${failure.connectionId}#failure#${failure.id}`,
        at: Date.parse(failure.at),
        operation: 'creation',
      }),
      event: 'auth.creation',
      providerConfigKey: 'hubspot',
      connectionId: failure.connectionId,
    });
    const body = JSON.parse(deliveries[0]!.body) as NangoAuthWebhookBodyError;
    expect(body).toEqual({
      from: WEBHOOK_FROM,
      type: 'auth',
      connectionId: failure.connectionId,
      authMode: 'OAUTH2',
      providerConfigKey: 'hubspot',
      provider: 'hubspot',
      environment: 'prod',
      operation: 'creation',
      tags: { end_user_id: 'u1' },
      success: false,
      error: { type: 'invalid_callback', description: failure.error.description },
    });
    expect(deliveries[0]!.body).not.toContain('AUTHFAILURE#');
    expect(sent).toHaveLength(1);
    expect(published.map((e) => e.detailType)).toEqual(['auth.creation', 'auth.creation']);
  });

  it('gives two failures of one connection id (a reconnect tried twice) two deliveries', async () => {
    const { handler, store } = setup([sub('whsub_00000000000000e1', ['auth.creation'])]);
    await handler({ Records: [record('INSERT', item()), record('INSERT', item({ id: 'another-failure', pk: 'AUTHFAILURE#another-failure' }))] });
    expect(store.deliveries.size).toBe(2);
  });

  it('skips an unreadable failed connect loudly', async () => {
    const { handler, store, logs } = setup([sub('whsub_00000000000000f1', ['auth.creation'])]);
    expect(await handler({ Records: [record('INSERT', item({ error: 'not an object' }))] })).toEqual({ batchItemFailures: [] });
    expect(store.deliveries.size).toBe(0);
    expect(logs.some((l) => l.startsWith('error unreadable item'))).toBe(true);
  });
});

describe('recording a failed connect', () => {
  const input = { providerConfigKey: 'hubspot', authMode: 'OAUTH2' as const, provider: 'hubspot', tags: {}, error: { type: 'unknown', description: 'HTTP 500' } };

  it('writes the failure with its time, Nango operation and a generated connection id (or the reconnected one)', async () => {
    const authFailures = new MemoryAuthFailures();
    const now = Date.parse('2026-03-01T10:00:00.000Z');
    await recordAuthFailure({ authFailures }, now, input);
    await recordAuthFailure({ authFailures }, now, { ...input, connectionId: 'conn-7' });
    expect(authFailures.items).toHaveLength(2);
    expect(authFailures.items[0]).toMatchObject({ ...input, at: '2026-03-01T10:00:00.000Z', operation: 'creation', connectionId: expect.any(String) });
    expect(authFailures.items[1]!.connectionId).toBe('conn-7');
    expect(authFailures.items[0]!.id).not.toBe(authFailures.items[1]!.id);
  });

  it('logs a store failure instead of throwing, so the end user still gets the error page', async () => {
    const logs: string[] = [];
    const failing = { record: async () => Promise.reject(new Error('table gone')) };
    await expect(recordAuthFailure({ authFailures: failing, logger: { log: (level, message) => void logs.push(`${level} ${message}`) } }, 0, input)).resolves.toBeUndefined();
    expect(logs).toEqual([expect.stringMatching(/^error recording the failed connect .* failed: table gone$/)]);
  });
});
