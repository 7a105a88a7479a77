import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../../functions/engine/ports.js';
import type { DeliveryMessage, PublishedEvent, WebhookDelivery, WebhookStore, WebhookSubscription } from '../../../functions/engine/webhooks/ports.js';
import { matchesRunResultFilter } from '../../../functions/handlers/stream/run-result-filter.js';
import { makeRunResultsHandler } from '../../../functions/handlers/stream/run-results-handler.js';

const run: RunRecord = {
  providerConfigKey: 'hubspot',
  connectionId: 'acme',
  syncName: 'contacts',
  runId: 'r1',
  status: 'SUCCESS',
  type: 'INCREMENTAL',
  trigger: 'SCHEDULE',
  startedAt: 1_000,
  finishedAt: 2_000,
  results: { Contact: { added: 1, updated: 0, deleted: 0 }, Note: { added: 0, updated: 0, deleted: 0 } },
  error: null,
  invocations: 1,
  stalledHandOvers: 0,
};

function record(eventName: 'INSERT' | 'MODIFY', next: Record<string, unknown>, old?: Record<string, unknown>, seq = '100'): DynamoDBRecord {
  const image = (item: Record<string, unknown>) => marshall({ pk: 'RUN#x', sk: 'r1', ...item }, { removeUndefinedValues: true }) as never;
  return { eventID: `e${seq}`, eventName, dynamodb: { SequenceNumber: seq, NewImage: image(next), ...(old ? { OldImage: image(old) } : {}) } };
}

/** An in-memory WebhookStore: enough for the run-results path. */
class MemoryStore implements Partial<WebhookStore> {
  deliveries = new Map<string, WebhookDelivery>();
  constructor(
    private readonly subscriptions: WebhookSubscription[],
    public failCreate = false,
  ) {}
  async listSubscriptions() {
    return this.subscriptions;
  }
  async createDelivery(d: WebhookDelivery) {
    if (this.failCreate) throw new Error('DynamoDB is down');
    if (this.deliveries.has(d.id)) return false;
    this.deliveries.set(d.id, { ...d });
    return true;
  }
  async getDelivery(id: string) {
    return this.deliveries.get(id) ?? null;
  }
  async markQueued(id: string) {
    this.deliveries.get(id)!.queued = true;
  }
}

function setup(subscriptions: WebhookSubscription[]) {
  const store = new MemoryStore(subscriptions);
  const sent: DeliveryMessage[] = [];
  const published: PublishedEvent[] = [];
  const handler = makeRunResultsHandler({
    store: store as unknown as WebhookStore,
    queue: { send: async (m) => void sent.push(m), sendToDeadLetter: async () => undefined },
    events: { publish: async (e) => void published.push(...e) },
    clock: { now: () => 5_000 },
    logger: { log: () => undefined },
  });
  return { store, sent, published, handler };
}

const sub = (id: string, extra: Partial<WebhookSubscription> = {}): WebhookSubscription => ({
  id,
  url: 'https://hooks.example/',
  events: ['sync.success', 'sync.error'],
  always: false,
  enabled: true,
  disabledReason: null,
  createdAt: 0,
  ...extra,
});

describe('run-result stream filter', () => {
  it.each([
    ['INSERT of a finished run', record('INSERT', { kind: 'RUN', ...run }), true],
    ['RUNNING → SUCCESS', record('MODIFY', { kind: 'RUN', ...run }, { kind: 'RUN', ...run, status: 'RUNNING' }), true],
    ['RUNNING → ERROR', record('MODIFY', { kind: 'RUN', ...run, status: 'ERROR' }, { kind: 'RUN', ...run, status: 'RUNNING' }), true],
    ['SUCCESS rewritten', record('MODIFY', { kind: 'RUN', ...run }, { kind: 'RUN', ...run }), false],
    ['a run still RUNNING', record('INSERT', { kind: 'RUN', ...run, status: 'RUNNING' }), false],
    ['a cancelled run', record('MODIFY', { kind: 'RUN', ...run, status: 'CANCELLED' }, { kind: 'RUN', ...run, status: 'RUNNING' }), false],
    ['another kind', record('INSERT', { kind: 'CONNECTION_SYNC', status: 'SUCCESS' }), false],
  ])('%s → %s', (_name, r, expected) => {
    expect(matchesRunResultFilter(r)).toBe(expected);
  });
});

describe('run-results handler', () => {
  it('creates one delivery per subscription and changed model, and the same record twice creates nothing more', async () => {
    const { store, sent, published, handler } = setup([sub('whsub_0000000000000001'), sub('whsub_0000000000000002', { always: true }), sub('whsub_0000000000000003', { events: ['sync.error'] })]);
    const r = record('INSERT', { kind: 'RUN', ...run });

    await handler({ Records: [r] });
    await handler({ Records: [r] });

    expect([...store.deliveries.values()].map((d) => `${d.subscriptionId}:${d.model}`).sort()).toEqual([
      'whsub_0000000000000001:Contact',
      'whsub_0000000000000002:Contact',
      'whsub_0000000000000002:Note',
    ]);
    expect(sent).toHaveLength(3);
    expect(published.map((e) => `${e.detailType}:${e.detail.type === 'sync' ? e.detail.model : ''}`)).toEqual([
      'sync.success:Contact',
      'sync.success:Note',
      'sync.success:Contact',
      'sync.success:Note',
    ]);
  });

  it('sends one error delivery to subscriptions that want sync.error', async () => {
    const { store, handler } = setup([sub('whsub_0000000000000001'), sub('whsub_0000000000000002', { events: ['sync.success'] })]);

    await handler({ Records: [record('INSERT', { kind: 'RUN', ...run, status: 'ERROR', error: { type: 'script_error', message: 'boom' } })] });

    const deliveries = [...store.deliveries.values()];
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ subscriptionId: 'whsub_0000000000000001', event: 'sync.error', model: null });
    expect(JSON.parse(deliveries[0]!.body)).toMatchObject({ success: false, error: { type: 'script_error', description: 'boom' } });
  });

  it('stops at the first failure and reports its sequence number', async () => {
    const { store, handler } = setup([sub('whsub_0000000000000001')]);
    store.failCreate = true;

    const response = await handler({ Records: [record('INSERT', { kind: 'RUN', ...run }, undefined, '7'), record('INSERT', { kind: 'RUN', ...run, runId: 'r2' }, undefined, '8')] });

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: '7' }]);
  });
});
