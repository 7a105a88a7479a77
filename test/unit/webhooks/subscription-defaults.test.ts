/**
 * What a new subscription gets when it says nothing: Nango's new-environment settings (every
 * event, success webhooks even for empty runs). What it says wins; nothing stored changes.
 */
import { describe, expect, it } from 'vitest';
import { handleRunResult } from '../../../functions/engine/webhooks/create-deliveries.js';
import { DEFAULT_SUBSCRIPTION, type DeliveryMessage } from '../../../functions/engine/webhooks/ports.js';
import { WebhookService } from '../../../functions/engine/webhooks/webhook-service.js';
import type { RunRecord } from '../../../functions/engine/ports.js';
import { MemoryWebhookStore } from '../../support/memory-webhook-store.js';

function setup() {
  const store = new MemoryWebhookStore();
  const sent: DeliveryMessage[] = [];
  const queue = { send: async (m: DeliveryMessage) => void sent.push(m), sendToDeadLetter: async () => undefined };
  const clock = { now: () => 1_000_000 };
  const service = new WebhookService({ store, queue, clock, resolve: async () => [{ address: '93.184.216.34', family: 4 }], allowPrivate: false, allowHttp: false });
  return { store, sent, queue, clock, service };
}

const emptyRun: RunRecord = {
  providerConfigKey: 'hubspot',
  connectionId: 'acme',
  syncName: 'contacts',
  runId: 'r1',
  status: 'SUCCESS',
  type: 'INCREMENTAL',
  trigger: 'SCHEDULE',
  startedAt: 900_000,
  finishedAt: 950_000,
  results: { Contact: { added: 0, updated: 0, deleted: 0 } },
  error: null,
  invocations: 1,
  stalledHandOvers: 0,
};

describe('subscription defaults', () => {
  it("without events or always: every event (Nango's new-environment defaults, auth.creation included), always on", async () => {
    const { service } = setup();

    const created = await service.createSubscription({ url: 'https://hooks.example/a' });

    expect(created).toMatchObject({ events: ['sync.success', 'sync.error', 'auth.refresh_error', 'auth.creation', 'auth.override', 'async_action'], always: true });
    expect(DEFAULT_SUBSCRIPTION).toEqual({ events: ['sync.success', 'sync.error', 'auth.refresh_error', 'auth.creation', 'auth.override', 'async_action'], always: true });
  });

  it('what the subscription says wins', async () => {
    const { service } = setup();

    expect(await service.createSubscription({ url: 'https://hooks.example/b', events: ['sync.error'], always: false })).toMatchObject({ events: ['sync.error'], always: false });
  });

  it('a default subscription is told about a run that changed nothing; one that opted out, and a stored one from before, are not', async () => {
    const { store, sent, queue, clock, service } = setup();
    const byDefault = await service.createSubscription({ url: 'https://hooks.example/default' });
    const optedOut = await service.createSubscription({ url: 'https://hooks.example/quiet', always: false });
    // Stored before the defaults changed: read as stored.
    await store.createSubscription(
      { id: 'whsub_00000000000000aa', url: 'https://hooks.example/old', events: ['sync.success', 'sync.error'], always: false, enabled: true, disabledReason: null, createdAt: 0 },
      'whsec_x',
    );

    await handleRunResult({ store, queue, clock, events: { publish: async () => undefined }, logger: { log: () => undefined } }, emptyRun);

    const deliveries = [...store.deliveries.values()];
    expect(deliveries.map((d) => d.subscriptionId)).toEqual([byDefault.id]);
    expect(JSON.parse(deliveries[0]!.body)).toMatchObject({ success: true, model: 'Contact', responseResults: { added: 0, updated: 0, deleted: 0 } });
    expect(sent).toHaveLength(1);
    expect((await store.getSubscription(optedOut.id))!.always).toBe(false);
  });
});
