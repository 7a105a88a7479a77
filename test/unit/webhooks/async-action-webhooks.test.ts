/**
 * The `async_action` webhook: Nango's body in Nango's key order, one delivery per subscription
 * that wants it and per execution (a repeat creates nothing), one published event, and nothing
 * for a synchronous or unfinished execution.
 */
import { describe, expect, it } from 'vitest';
import type { ActionExecution } from '../../../functions/engine/actions/ports.js';
import { makeActionWebhookSender } from '../../../functions/engine/webhooks/create-action-deliveries.js';
import { actionDeliveryId, subscriptionOfDelivery } from '../../../functions/engine/webhooks/delivery-id.js';
import type { DeliveryMessage, PublishedEvent, WebhookSubscription } from '../../../functions/engine/webhooks/ports.js';
import { MemoryWebhookStore } from '../../support/memory-webhook-store.js';

const NOW = Date.parse('2026-03-01T10:00:00.000Z');

const sub = (id: string, extra: Partial<WebhookSubscription> = {}): WebhookSubscription => ({
  id,
  url: `https://hooks.example/${id}`,
  events: ['sync.success', 'async_action'],
  always: true,
  enabled: true,
  disabledReason: null,
  createdAt: 0,
  ...extra,
});

const execution = (extra: Partial<ActionExecution> = {}): ActionExecution => ({
  id: '3f2504e0-4f89-41d3-9a0c-0305e82c3301',
  providerConfigKey: 'hubspot',
  connectionId: 'acme',
  actionName: 'create-contact',
  mode: 'async',
  status: 'SUCCESS',
  createdAt: NOW - 5_000,
  startedAt: NOW - 4_000,
  finishedAt: NOW - 1_000,
  attempts: 1,
  maxRetries: 0,
  input: { secret: 'input-is-not-sent' },
  output: { secret: 'output-is-not-sent' },
  error: null,
  leaseUntil: null,
  checkpoint: null,
  ...extra,
});

function setup(subscriptions: WebhookSubscription[]) {
  const store = new MemoryWebhookStore();
  for (const s of subscriptions) store.subscriptions.set(s.id, s);
  const sent: DeliveryMessage[] = [];
  const published: PublishedEvent[] = [];
  const sender = makeActionWebhookSender({
    store,
    queue: { send: async (m) => void sent.push(m), sendToDeadLetter: async () => undefined },
    events: { publish: async (e) => void published.push(...e) },
    clock: { now: () => NOW },
    logger: { log: () => undefined },
    settleMs: 2_000,
  });
  return { store, sent, published, sender };
}

describe('the async_action webhook', () => {
  it('sends Nango’s body, in Nango’s key order, to each enabled subscription that wants it, at once', async () => {
    const { store, sent, published, sender } = setup([sub('whsub_00000000000000a1'), sub('whsub_00000000000000a2', { events: ['sync.success'] }), sub('whsub_00000000000000a3', { enabled: false })]);

    await sender.asyncActionFinished(execution());

    const deliveries = [...store.deliveries.values()];
    expect(deliveries).toHaveLength(1);
    const [delivery] = deliveries;
    expect(delivery).toMatchObject({
      subscriptionId: 'whsub_00000000000000a1',
      event: 'async_action',
      providerConfigKey: 'hubspot',
      connectionId: 'acme',
      syncName: null,
      runId: execution().id,
      model: null,
    });
    expect(delivery!.body).toBe(
      '{"type":"async_action","from":"syncline","connectionId":"acme","providerConfigKey":"hubspot","payload":{"id":"3f2504e0-4f89-41d3-9a0c-0305e82c3301","statusUrl":"/action/3f2504e0-4f89-41d3-9a0c-0305e82c3301"}}',
    );
    // No settling: the execution is stored before the webhook is created.
    expect(sent).toEqual([{ deliveryId: delivery!.id, attempt: 1, dueAt: NOW }]);
    expect(published).toEqual([{ detailType: 'async_action', detail: JSON.parse(delivery!.body) }]);
  });

  it('is sent for a final failure too, and a repeat creates no second delivery and publishes no second event', async () => {
    const { store, sent, published, sender } = setup([sub('whsub_00000000000000b1')]);
    const failed = execution({ status: 'ERROR', output: undefined, error: { type: 'action_script_runtime_error', status: 500, message: 'boom', payload: {} } });

    await sender.asyncActionFinished(failed);
    await sender.asyncActionFinished(failed);

    expect([...store.deliveries.keys()]).toEqual([actionDeliveryId('whsub_00000000000000b1', failed)]);
    expect(sent).toHaveLength(1);
    expect(published).toHaveLength(1);
  });

  it('publishes the event with no subscription at all, each time (nothing to deduplicate against)', async () => {
    const { published, sender } = setup([sub('whsub_00000000000000b2', { events: ['sync.success'] })]);

    await sender.asyncActionFinished(execution());

    expect(published).toEqual([expect.objectContaining({ detailType: 'async_action' })]);
  });

  it('sends nothing for a synchronous or an unfinished execution', async () => {
    const { store, published, sender } = setup([sub('whsub_00000000000000c1')]);

    await sender.asyncActionFinished(execution({ mode: 'sync' }));
    await sender.asyncActionFinished(execution({ status: 'RUNNING', finishedAt: null }));

    expect(store.deliveries.size).toBe(0);
    expect(published).toEqual([]);
  });

  it('derives one delivery id per subscription and execution, findable from the id alone', () => {
    const a = actionDeliveryId('whsub_00000000000000d1', execution());
    expect(actionDeliveryId('whsub_00000000000000d1', execution())).toBe(a);
    expect(actionDeliveryId('whsub_00000000000000d2', execution())).not.toBe(a);
    expect(actionDeliveryId('whsub_00000000000000d1', execution({ id: 'another' }))).not.toBe(a);
    expect(subscriptionOfDelivery(a)).toBe('whsub_00000000000000d1');
  });
});
