/**
 * Orchestration at the engine level against DynamoDB Local: fan-out, duplicate ticks, long
 * runs split by the deadline, and the controls (pause, start, trigger with reset and
 * emptyCache, cancel, frequency override, status).
 */
import { describe, expect, it, vi } from 'vitest';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { SqsRunQueue } from '../../functions/adapters/sqs/run-queue.js';
import { fanOut } from '../../functions/engine/orchestration/fan-out.js';
import type { RunMessage } from '../../functions/engine/ports.js';
import { startSqsEmulator } from '../../functions/local/sqs-emulator.js';
import type { NangoSync } from '../../functions/engine/sdk/nango-sync-types.js';
import { makeContacts, makeEngineKit, PROVIDER, type EngineKit } from '../support/engine-kit.js';

async function addConnections(kit: EngineKit, count: number, syncName: string) {
  const ids = Array.from({ length: count }, (_, i) => `bulk-${String(i).padStart(4, '0')}`);
  for (let i = 0; i < ids.length; i += 50) {
    await Promise.all(
      ids.slice(i, i + 50).map(async (connectionId) => {
        await kit.state.connections.put({ ...kit.connection, connectionId });
        await kit.state.connectionSyncs.ensure({ providerConfigKey: PROVIDER, connectionId, syncName }, { enabled: true });
      }),
    );
  }
  return ids;
}

describe('fan-out', () => {
  it('queues one SQS message per connection, the same run ids for a repeated tick, and skips paused ones', async () => {
    const kit = await makeEngineKit();
    await addConnections(kit, 1_000, 'scripted');
    await kit.controls.pause([{ providerConfigKey: PROVIDER, connectionId: 'bulk-0007', syncName: 'scripted' }]);
    const sqs = await startSqsEmulator();
    try {
      const { queueUrl } = await sqs.createQueueWithDlq('fan-out-test', { visibilityTimeoutS: 60, maxReceiveCount: 5 });
      const deps = { registry: kit.registry, state: kit.state, queue: new SqsRunQueue({ sqs: sqs.client, queueUrl }), clock: kit.clock };
      const event = { integration: PROVIDER, sync: 'scripted', scheduledAt: '2026-11-26T10:00:00Z' };

      const first = await fanOut(deps, event);
      const second = await fanOut(deps, event);
      expect(first).toMatchObject({ queued: 999, skipped: { paused: 1 } });
      expect(second.queued).toBe(999);

      const bodies: RunMessage[] = [];
      for (let empty = 0; empty < 2; ) {
        const { Messages = [] } = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
        if (Messages.length === 0) empty++;
        bodies.push(...Messages.map((m) => JSON.parse(m.Body!) as RunMessage));
      }
      expect(bodies).toHaveLength(1_998);
      expect(new Set(bodies.map((m) => m.runId)).size).toBe(999);
      expect(new Set(bodies.map((m) => m.connectionId)).size).toBe(999);
      expect(bodies.some((m) => m.connectionId === 'bulk-0007')).toBe(false);
    } finally {
      await sqs.stop();
    }
  }, 60_000);

  it('runs exactly once per connection when a tick is fanned out twice', async () => {
    const kit = await makeEngineKit();
    let executions = 0;
    kit.source.exec = async () => void executions++;
    await addConnections(kit, 100, 'scripted');
    const deps = { registry: kit.registry, state: kit.state, queue: kit.queue, clock: kit.clock };
    const event = { integration: PROVIDER, sync: 'scripted', scheduledAt: new Date(kit.clock.now()).toISOString() };
    await fanOut(deps, event);
    await fanOut(deps, event);
    const outcomes = await kit.drain();
    expect(outcomes.filter((o) => o.kind === 'FINISHED')).toHaveLength(100);
    expect(outcomes.filter((o) => o.kind === 'DUPLICATE')).toHaveLength(100);
    expect(executions).toBe(100);
    // A third fan-out of the same tick queues nothing: every connection just ran.
    expect((await fanOut(deps, event)).skipped.notDue).toBe(100);
  }, 60_000);
});

describe('long runs', () => {
  it('splits a run at the deadline into continuations: one run, one result, correct deletions', async () => {
    const kit = await makeEngineKit({ deadlineMarginMs: 0, leaseCheckMs: 0 });
    const all = makeContacts(1_000);
    kit.source.exec = async () => undefined;
    // Seed: a first complete run of a full sync written through the scripted model.
    const pagesOf = (list: typeof all) => Array.from({ length: Math.ceil(list.length / 100) }, (_, i) => list.slice(i * 100, i * 100 + 100));
    let pages = pagesOf(all);
    const script = async (nango: NangoSync) => {
      await nango.trackDeletesStart('Item');
      const start = Number((await nango.getCheckpoint())?.['page'] ?? 0);
      for (let page = start; page < pages.length; page++) {
        kit.clock.advance(1_000); // each page takes "a second"
        await nango.batchSave(pages[page]!, 'Item');
        await nango.saveCheckpoint({ page: page + 1 });
      }
      await nango.trackDeletesEnd('Item');
      await nango.clearCheckpoint();
    };
    kit.source.exec = script;
    await kit.controls.trigger([kit.key('scripted')]);
    const seeded = await kit.drain();
    expect(seeded).toMatchObject([{ kind: 'FINISHED', run: { status: 'SUCCESS', results: { Item: { added: 1_000 } } } }]);

    const gone = new Set([all[5]!.id, all[250]!.id, all[251]!.id, all[777]!.id, all[999]!.id]);
    pages = pagesOf(all.filter((c) => !gone.has(c.id)));
    await kit.controls.trigger([kit.key('scripted')]);
    const outcomes = await kit.drain(3_500); // each invocation may run ~3 pages
    const continued = outcomes.filter((o) => o.kind === 'CONTINUE');
    const finished = outcomes.filter((o) => o.kind === 'FINISHED');
    expect(continued.length).toBeGreaterThanOrEqual(2);
    expect(finished).toHaveLength(1);
    expect(new Set(outcomes.map((o) => ('runId' in o ? o.runId : o.kind === 'FINISHED' ? o.run.runId : '')))).toHaveProperty('size', 1);
    expect(finished[0]).toMatchObject({ run: { status: 'SUCCESS', invocations: continued.length + 1, results: { Item: { added: 0, updated: 0, deleted: 5 } } } });
    const deleted = (await kit.listAll('Item')).filter((r) => r.lastAction === 'DELETED').map((r) => r.id);
    expect(new Set(deleted)).toEqual(gone);
  }, 60_000);
});

describe('controls', () => {
  const blockingScript = (kit: EngineKit) => async (nango: NangoSync) => {
    // Works in small steps; every SDK call is a point where a pause or cancel takes effect.
    for (let i = 0; i < 2_000; i++) {
      await nango.getCheckpoint();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    void kit;
  };

  it('pause stops a running execution and its future runs; start resumes', async () => {
    const kit = await makeEngineKit({ leaseCheckMs: 0 });
    kit.source.exec = blockingScript(kit);
    await kit.controls.trigger([kit.key('scripted')]);
    const running = kit.drain();
    await vi.waitFor(async () => expect((await kit.controls.status(kit.key('scripted'))).status).toBe('RUNNING'), { timeout: 10_000, interval: 20 });
    await kit.controls.pause([kit.key('scripted')]);
    const [stopped] = await running;
    expect(stopped).toMatchObject({ kind: 'STOPPED' });
    const status = await kit.controls.status(kit.key('scripted'));
    expect(status).toMatchObject({ status: 'PAUSED', latestExecutionStatus: 'STOPPED' });

    expect(await kit.run('scripted')).toMatchObject({ kind: 'SKIPPED', reason: expect.stringMatching(/paused/) });
    await expect(kit.controls.trigger([kit.key('scripted')])).rejects.toThrow(/is paused for connection .*: start it first/);

    kit.source.exec = async () => undefined;
    // Starting runs the sync at once, as Nango documents.
    await kit.controls.start([kit.key('scripted')]);
    expect(await kit.drain()).toMatchObject([{ kind: 'FINISHED', run: { status: 'SUCCESS' } }]);
    expect(await kit.controls.status(kit.key('scripted'))).toMatchObject({ status: 'SUCCESS', latestExecutionStatus: 'SUCCESS' });
  });

  it('cancel stops a run and leaves it CANCELLED, the sync still scheduled', async () => {
    const kit = await makeEngineKit({ leaseCheckMs: 0 });
    kit.source.exec = blockingScript(kit);
    await kit.controls.trigger([kit.key('scripted')]);
    const running = kit.drain();
    await vi.waitFor(async () => expect((await kit.controls.status(kit.key('scripted'))).status).toBe('RUNNING'), { timeout: 10_000, interval: 20 });
    const { cancelled } = await kit.controls.cancel(kit.key('scripted'));
    expect(cancelled).toEqual(expect.any(String));
    expect(await running).toMatchObject([{ kind: 'STOPPED' }]);
    const run = await kit.state.runs.get(kit.key('scripted'), cancelled!);
    expect(run).toMatchObject({ status: 'CANCELLED', error: { type: 'cancelled' } });
    expect(await kit.controls.status(kit.key('scripted'))).toMatchObject({ status: 'STOPPED' });
    expect(await kit.controls.cancel(kit.key('scripted'))).toEqual({ cancelled: null });
  });

  it('trigger with reset re-syncs from scratch; emptyCache also deletes the records', async () => {
    const kit = await makeEngineKit();
    const seen: (Date | undefined)[] = [];
    kit.source.exec = async (nango) => {
      seen.push(nango.lastSyncDate);
      await nango.batchSave(makeContacts(10), 'Item');
      await nango.saveCheckpoint({ cursor: 'abc' });
    };
    await kit.controls.trigger([kit.key('scripted')]);
    await kit.controls.trigger([kit.key('scripted')]);
    await kit.drain();
    expect(seen[1]).toBeInstanceOf(Date);

    await kit.controls.trigger([kit.key('scripted')], { reset: true });
    const [reset] = await kit.drain();
    expect(seen[2]).toBeUndefined();
    expect(reset).toMatchObject({ run: { type: 'INITIAL', results: { Item: { added: 0 } } } });

    await kit.controls.trigger([kit.key('scripted')], { emptyCache: true });
    expect((await kit.controls.status(kit.key('scripted'))).recordCount).toEqual({ Item: 0 });
    const [emptied] = await kit.drain();
    expect(emptied).toMatchObject({ run: { type: 'INITIAL', results: { Item: { added: 10 } } } });
    expect(await kit.controls.status(kit.key('scripted'))).toMatchObject({ recordCount: { Item: 10 }, checkpoint: { cursor: 'abc' }, type: 'INITIAL' });
  });

  it('overrides a connection frequency with its own schedule, reports it, and removes it', async () => {
    const kit = await makeEngineKit();
    expect(await kit.controls.setFrequency(kit.key('scripted'), 'every 5 minutes')).toEqual({ frequency: 'every 5 minutes' });
    const name = `${PROVIDER}.scripted.${kit.connectionId}`;
    expect(kit.scheduler.schedules.get(name)).toMatchObject({ rateExpression: 'rate(5 minutes)', target: { connection: kit.connectionId } });
    expect(await kit.controls.status(kit.key('scripted'))).toMatchObject({ frequency: 'every 5 minutes', schedule: { name, enabled: true, changedInConsole: false } });

    kit.scheduler.consoleEdit(name, { rateExpression: 'rate(2 hours)', enabled: false });
    expect(await kit.controls.status(kit.key('scripted'))).toMatchObject({ frequency: 'rate(2 hours)', nextScheduledSyncAt: null, schedule: { enabled: false, changedInConsole: true } });

    await expect(kit.controls.setFrequency(kit.key('scripted'), 'every 10 seconds')).rejects.toThrow(/1-minute minimum/);
    expect(await kit.controls.setFrequency(kit.key('scripted'), null)).toEqual({ frequency: 'every hour' });
    expect(kit.scheduler.schedules.has(name)).toBe(false);
  });

  it('reports the status fields of a connection-sync', async () => {
    const kit = await makeEngineKit();
    await kit.scheduler.create({ name: `${PROVIDER}.contacts`, rateExpression: 'rate(5 minutes)', target: { integration: PROVIDER, sync: 'contacts' } });
    kit.source.contacts = makeContacts(3);
    await kit.run('contacts');
    const status = await kit.controls.status(kit.key('contacts'));
    expect(status).toEqual({
      id: expect.any(String),
      connection_id: kit.connectionId,
      name: 'contacts',
      variant: 'base',
      status: 'SUCCESS',
      type: 'INITIAL',
      finishedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      nextScheduledSyncAt: expect.stringMatching(/^\d{4}-/),
      frequency: 'every 5 minutes',
      latestResult: { Contact: { added: 3, updated: 0, deleted: 0 } },
      latestExecutionStatus: 'SUCCESS',
      recordCount: { Contact: 3 },
      checkpoint: null,
      schedule: { name: `${PROVIDER}.contacts`, enabled: true, rateExpression: 'rate(5 minutes)', changedInConsole: false },
    });
  });
});
