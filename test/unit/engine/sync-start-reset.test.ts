/**
 * Sync controls as Nango documents them: `start` runs the sync at once, a reset of a running
 * sync cancels the running execution first, and a frequency below EventBridge Scheduler's
 * one-minute floor is refused with the reason. In-memory ports, a hand-moved clock.
 */
import { describe, expect, it } from 'vitest';
import { SyncControls } from '../../../functions/engine/controls.js';
import { FrequencyTooShortError } from '../../../functions/engine/frequency.js';
import { DEFAULT_RUNNER_CONFIG } from '../../../functions/engine/runner/runner-config.js';
import { makeMemoryEngine, type MemoryEngine } from '../../support/memory-engine.js';
import { MemoryScheduler } from '../../support/memory-scheduler.js';

function setUp() {
  const engine = makeMemoryEngine();
  const scheduler = new MemoryScheduler();
  return { engine, scheduler, controls: new SyncControls({ ...engine.deps, queue: engine.queue, scheduler }) };
}

async function drain(engine: MemoryEngine) {
  const outcomes = [];
  for (let messages = engine.queue.take(); messages.length > 0; messages = engine.queue.take()) {
    for (const message of messages) outcomes.push(await engine.run(message.syncName, { ...message, owner: `owner-${message.runId}` }));
  }
  return outcomes;
}

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('POST /sync/start (SyncControls.start)', () => {
  it('resumes a paused sync and runs it at once', async () => {
    const { engine, controls } = setUp();
    const key = engine.key('scripted');
    await controls.pause([key]);

    const queued = await controls.start([key]);

    expect(await engine.state.connectionSyncs.get(key)).toMatchObject({ enabled: true });
    expect(engine.queue.messages).toEqual([{ ...key, runId: queued[0], trigger: 'MANUAL' }]);
    expect(await drain(engine)).toEqual([expect.objectContaining({ kind: 'FINISHED' })]);
  });

  it('leaves a sync that is already started as it is, as Nango documents', async () => {
    const { engine, controls } = setUp();
    const key = engine.key('scripted');
    await engine.state.connectionSyncs.ensure(key, { enabled: true });

    expect(await controls.start([key])).toEqual([]);
    expect(engine.queue.messages).toEqual([]);
  });

  it('queues no second run while the last one still holds its lease', async () => {
    const { engine, controls } = setUp();
    const key = engine.key('scripted');
    await engine.state.connectionSyncs.ensure(key, { enabled: false });
    await engine.state.connectionSyncs.acquireLease(key, { runId: 'r-live', owner: 'o', expiresAt: engine.clock.now() + 60_000 }, engine.clock.now());

    expect(await controls.start([key])).toEqual([]);
    expect(await engine.state.connectionSyncs.get(key)).toMatchObject({ enabled: true });
    expect(engine.queue.messages).toEqual([]);
  });
});

describe('a reset of a running sync', () => {
  it('cancels the running execution, resets the state and queues the new run after the cancel; the cancelled run saves nothing over the reset', async () => {
    const { engine, controls } = setUp();
    const key = engine.key('scripted');
    const inside = gate();
    const release = gate();
    const seenByNewRun: unknown[] = [];
    let calls = 0;
    engine.source.exec = async (nango) => {
      calls++;
      if (calls === 1) return; // a first successful run sets lastSyncDate
      if (calls === 2) {
        await nango.saveCheckpoint({ page: 1 });
        inside.open();
        await release.opened;
        await nango.saveCheckpoint({ page: 2 }); // refused: the cancel took the lease
        return;
      }
      seenByNewRun.push(nango.lastSyncDate, await nango.getCheckpoint());
    };
    await engine.run('scripted', { runId: 'r-first' });
    expect((await engine.state.connectionSyncs.get(key))!.lastSyncDate).not.toBeNull();
    const running = engine.run('scripted', { runId: 'r-old' });
    await inside.opened;

    await controls.trigger([key], { reset: true });

    expect(await engine.state.runs.get(key, 'r-old')).toMatchObject({ status: 'CANCELLED', error: { type: 'cancelled', message: 'cancelled by a reset' } });
    expect(await engine.state.connectionSyncs.get(key)).toMatchObject({ lease: null, lastSyncDate: null, checkpoint: null, passId: null });
    expect(engine.queue.messages).toEqual([expect.objectContaining({ ...key, trigger: 'MANUAL' })]);

    release.open();
    expect(await running).toMatchObject({ kind: 'STOPPED', runId: 'r-old' });
    expect(await engine.state.connectionSyncs.get(key)).toMatchObject({ lastSyncDate: null, checkpoint: null, lastRun: { runId: 'r-old', status: 'CANCELLED' } });

    const [next] = await drain(engine);
    expect(next).toMatchObject({ kind: 'FINISHED', run: { type: 'INITIAL', status: 'SUCCESS' } });
    expect(seenByNewRun).toEqual([undefined, null]);
  });

  it('with emptyCache: the cancelled run does not write the records it still had buffered when it finishes', async () => {
    const { engine, controls } = setUp();
    const key = engine.key('scripted');
    const inside = gate();
    const release = gate();
    let calls = 0;
    engine.source.exec = async (nango) => {
      calls++;
      if (calls === 1) {
        await nango.batchSave([{ id: 'kept-by-old-run', name: 'n', email: 'n@x.io' }], 'Item'); // buffered, not yet written
        inside.open();
        await release.opened;
        await nango.batchSave([{ id: 'late', name: 'n', email: 'n@x.io' }], 'Item');
        return;
      }
      await nango.batchSave([{ id: 'fresh', name: 'n', email: 'n@x.io' }], 'Item');
    };
    const running = engine.run('scripted', { runId: 'r-old' });
    await inside.opened;

    await controls.trigger([key], { reset: true, emptyCache: true });
    release.open(); // the script saves once more and returns well within a lease-check interval

    expect(await running).toMatchObject({ kind: 'STOPPED' });
    await drain(engine);
    const page = await engine.records.list({ ...key, model: 'Item' }, { limit: 10 });
    expect(page.records.map((r) => r.id)).toEqual(['fresh']);
    expect(await engine.state.connectionSyncs.get(key)).toMatchObject({ recordCounts: { Item: 1 } });
  });

  it('with emptyCache: a cancelled run still saving stops at its next lease check', async () => {
    const { engine, controls } = setUp();
    const key = engine.key('scripted');
    const inside = gate();
    const release = gate();
    let calls = 0;
    engine.source.exec = async (nango) => {
      calls++;
      if (calls === 1) {
        inside.open();
        await release.opened;
        for (let i = 0; ; i++) await nango.batchSave([{ id: `late-${i}`, name: 'n', email: 'n@x.io' }], 'Item');
      }
      await nango.batchSave([{ id: 'fresh', name: 'n', email: 'n@x.io' }], 'Item');
    };
    const running = engine.run('scripted', { runId: 'r-old' });
    await inside.opened;

    await controls.trigger([key], { reset: true, emptyCache: true });
    engine.clock.advance(DEFAULT_RUNNER_CONFIG.leaseCheckMs);
    release.open();

    expect(await running).toMatchObject({ kind: 'STOPPED' });
    await drain(engine);
    const page = await engine.records.list({ ...key, model: 'Item' }, { limit: 10 });
    expect(page.records.map((r) => r.id)).toEqual(['fresh']);
    expect(await engine.state.connectionSyncs.get(key)).toMatchObject({ recordCounts: { Item: 1 } });
  });

  it('still refuses to accept a mass deletion for a running sync (the one-run acceptance would be dropped as busy)', async () => {
    const { engine, controls } = setUp();
    const key = engine.key('contacts');
    await engine.state.connectionSyncs.ensure(key, { enabled: true });
    await engine.state.connectionSyncs.acquireLease(key, { runId: 'r-running', owner: 'o', expiresAt: engine.clock.now() + 60_000 }, engine.clock.now());

    await expect(controls.trigger([key], { reset: true, acceptMassDeletion: true })).rejects.toThrow(/accept its deletions once it has finished/);
    expect(await engine.state.connectionSyncs.get(key)).toMatchObject({ lease: { runId: 'r-running' } });
    expect(engine.queue.messages).toEqual([]);
  });
});

describe('per-connection frequency floor', () => {
  it('honours frequencies down to one minute and refuses lower, saying why', async () => {
    const { engine, controls, scheduler } = setUp();
    const key = engine.key('scripted');

    const refused = controls.setFrequency(key, 'every 30 seconds');
    await expect(refused).rejects.toBeInstanceOf(FrequencyTooShortError);
    await expect(controls.setFrequency(key, '30s')).rejects.toThrow(/1-minute minimum of EventBridge Scheduler.*finest rate is one minute.*Nango's own floor is 30 seconds/);
    expect(scheduler.schedules.size).toBe(0);

    expect(await controls.setFrequency(key, 'every minute')).toEqual({ frequency: 'every minute' });
    expect([...scheduler.schedules.values()]).toEqual([expect.objectContaining({ rateExpression: 'rate(1 minute)' })]);
    await controls.setFrequency(key, 'every month');
    expect([...scheduler.schedules.values()]).toEqual([expect.objectContaining({ rateExpression: 'rate(30 days)' })]);
  });
});
