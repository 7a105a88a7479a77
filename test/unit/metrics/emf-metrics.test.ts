/**
 * The metrics contract as CloudWatch sees it: the EMF lines a finished run, a failed run and a
 * webhook attempt produce — names, units, the `{service}` blob dashboards use, and the detail
 * blob by integration and sync that never names a connection.
 */
import { describe, expect, it } from 'vitest';
import { makeEmfMetrics } from '../../../functions/adapters/metrics/emf-metrics.js';
import { attemptDelivery, type AttemptDeps } from '../../../functions/engine/webhooks/attempt-delivery.js';
import { DEFAULT_RETRY_POLICY } from '../../../functions/engine/webhooks/retry-policy.js';
import type { DeliveryMessage, WebhookDelivery } from '../../../functions/engine/webhooks/ports.js';
import { makeContacts } from '../../support/contacts.js';
import { CONNECTION, makeMemoryEngine, PROVIDER } from '../../support/memory-engine.js';
import { MemoryWebhookStore } from '../../support/memory-webhook-store.js';

interface EmfBlob {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

function captureEmf(service: string) {
  const lines: string[] = [];
  const metrics = makeEmfMetrics({ service, write: (line) => lines.push(line) });
  const blobs = () => lines.map((line) => JSON.parse(line) as EmfBlob);
  /** The blob published under exactly these dimensions. */
  const blob = (dimensions: string[]) => {
    const found = blobs().filter((b) => JSON.stringify(b._aws.CloudWatchMetrics[0]!.Dimensions) === JSON.stringify([dimensions]));
    expect(found).toHaveLength(1);
    return found[0]!;
  };
  const units = (b: EmfBlob) => Object.fromEntries(b._aws.CloudWatchMetrics[0]!.Metrics.map((m) => [m.Name, m.Unit]));
  return { metrics, lines, blobs, blob, units };
}

describe('EMF metrics of the executor', () => {
  it('publishes a finished run under {service} and its detail under {service, integration, sync[, status]}', async () => {
    const engine = makeMemoryEngine();
    const emf = captureEmf('syncline-executor');
    engine.deps.metrics = emf.metrics;
    engine.source.contacts = makeContacts(3);

    const [outcome] = await engine.runToEnd('contacts', null);
    emf.metrics.flush();

    expect(outcome?.kind).toBe('FINISHED');
    expect(emf.blobs().every((b) => b._aws.CloudWatchMetrics[0]!.Namespace === 'Syncline')).toBe(true);
    const aggregate = emf.blob(['service']);
    expect(aggregate).toMatchObject({ service: 'syncline-executor', RunsFinished: 1, RunsSucceeded: 1, RecordsAdded: 3, RecordsUpdated: 0, RecordsDeleted: 0, RecordsRejected: 0 });
    expect(emf.units(aggregate)).toEqual({
      RunsFinished: 'Count',
      RunsSucceeded: 'Count',
      RunDuration: 'Milliseconds',
      RecordsAdded: 'Count',
      RecordsUpdated: 'Count',
      RecordsDeleted: 'Count',
      RecordsRejected: 'Count',
    });
    expect(aggregate['RunDuration']).toBeTypeOf('number');
    // `status` only in the detail blob, and only on RunsFinished.
    const byStatus = emf.blob(['service', 'integration', 'sync', 'status']);
    expect(byStatus).toMatchObject({ integration: PROVIDER, sync: 'contacts', status: 'SUCCESS', RunsFinished: 1 });
    expect(Object.keys(emf.units(byStatus))).toEqual(['RunsFinished']);
    const detail = emf.blob(['service', 'integration', 'sync']);
    expect(detail).toMatchObject({ integration: PROVIDER, sync: 'contacts', RunsSucceeded: 1, RecordsAdded: 3 });
    expect(emf.lines.join('\n')).not.toContain(CONNECTION);
  });

  it('counts a failed run as RunsFailed with status ERROR, and nothing once flushed', async () => {
    const engine = makeMemoryEngine();
    const emf = captureEmf('syncline-executor');
    engine.deps.metrics = emf.metrics;
    engine.source.exec = async () => {
      throw new Error('provider answered 500');
    };

    const [outcome] = await engine.runToEnd('scripted', null);
    emf.metrics.flush();
    const published = emf.lines.length;
    emf.metrics.flush();

    expect(outcome).toMatchObject({ kind: 'FINISHED', run: { status: 'ERROR' } });
    const aggregate = emf.blob(['service']);
    expect(aggregate).toMatchObject({ RunsFinished: 1, RunsFailed: 1 });
    expect(aggregate).not.toHaveProperty('RunsSucceeded');
    expect(emf.units(aggregate)['RunsFailed']).toBe('Count');
    expect(emf.blob(['service', 'integration', 'sync', 'status'])).toMatchObject({ sync: 'scripted', status: 'ERROR', RunsFinished: 1 });
    expect(emf.lines).toHaveLength(published);
  });

  it('sums the counts of one invocation and keeps every duration sample', () => {
    const emf = captureEmf('syncline-executor');
    const detail = { integration: 'github', sync: 'issues' };
    emf.metrics.count('RecordsAdded', 2, detail);
    emf.metrics.count('RecordsAdded', 5, { integration: 'github', sync: 'pulls' });
    emf.metrics.duration('RunDuration', 10, detail);
    emf.metrics.duration('RunDuration', 30, detail);
    emf.metrics.flush();

    expect(emf.blob(['service'])).toMatchObject({ RecordsAdded: 7, RunDuration: [10, 30] });
    const perSync = emf.blobs().filter((b) => b['integration'] === 'github');
    expect(perSync.map((b) => [b['sync'], b['RecordsAdded']])).toEqual([
      ['issues', 2],
      ['pulls', 5],
    ]);
  });
});

describe('EMF metrics of webhook delivery', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  async function attemptOnce(statusCode: number, maxAttempts: number) {
    const store = new MemoryWebhookStore();
    await store.createSubscription(
      { id: 'sub-1', url: 'https://hooks.example/in', events: ['sync.success'], always: true, enabled: true, disabledReason: null, createdAt: now },
      `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
    );
    const delivery: WebhookDelivery = {
      id: 'del-1',
      subscriptionId: 'sub-1',
      event: 'sync.success',
      providerConfigKey: PROVIDER,
      connectionId: CONNECTION,
      syncName: 'contacts',
      runId: 'run-1',
      model: 'Contact',
      body: '{}',
      status: 'PENDING',
      attempts: [],
      roundStart: 0,
      roundStartedAt: now,
      queued: true,
      createdAt: now,
      updatedAt: now,
    };
    await store.createDelivery(delivery);
    const emf = captureEmf('syncline-webhook-delivery');
    const deps: AttemptDeps = {
      store,
      queue: { send: async () => undefined, sendToDeadLetter: async () => undefined },
      sender: { send: async () => ({ statusCode, error: null, retryAfter: null }) },
      resolve: async () => [{ address: '93.184.216.34', family: 4 }],
      clock: { now: () => now },
      logger: { log: () => undefined },
      policy: { ...DEFAULT_RETRY_POLICY, maxAttempts },
      allowPrivate: false,
      allowHttp: false,
      metrics: emf.metrics,
    };
    const message: DeliveryMessage = { deliveryId: 'del-1', attempt: 1, dueAt: now };
    const result = await attemptDelivery(deps, message);
    emf.metrics.flush();
    return { result, emf };
  }

  it('counts a delivered attempt', async () => {
    const { result, emf } = await attemptOnce(200, 12);

    expect(result).toMatchObject({ kind: 'ATTEMPTED', status: 'SUCCEEDED' });
    const aggregate = emf.blob(['service']);
    expect(aggregate).toMatchObject({ service: 'syncline-webhook-delivery', WebhookAttemptsSucceeded: 1 });
    expect(emf.units(aggregate)).toEqual({ WebhookAttemptsSucceeded: 'Count' });
  });

  it('counts a failed last attempt and its dead-lettering', async () => {
    const { result, emf } = await attemptOnce(500, 1);

    expect(result).toMatchObject({ kind: 'ATTEMPTED', status: 'FAILED' });
    const aggregate = emf.blob(['service']);
    expect(aggregate).toMatchObject({ WebhookAttemptsFailed: 1, WebhookDeadLettered: 1 });
    expect(emf.units(aggregate)).toEqual({ WebhookAttemptsFailed: 'Count', WebhookDeadLettered: 'Count' });
  });
});
