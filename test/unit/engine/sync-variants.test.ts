/**
 * Sync variants over in-memory ports: creating (with Nango's refusals and cap), resolving the
 * names a request gives, running (the script's `nango.variant`, records in the variant's own
 * partition, the run tagged with it), scheduling, status and deletion.
 */
import { describe, expect, it } from 'vitest';
import { ConnectionService } from '../../../functions/engine/connection-service.js';
import { SyncControls } from '../../../functions/engine/controls.js';
import { fanOut } from '../../../functions/engine/orchestration/fan-out.js';
import { scheduledRunId } from '../../../functions/engine/runner/run-invocation.js';
import { createSync } from '../../../functions/engine/sync-definition.js';
import { recordPartition } from '../../../functions/engine/sync-keys.js';
import { ContactSchema } from '../../support/contacts.js';
import { CONNECTION, makeMemoryEngine, PROVIDER, type MemoryEngine } from '../../support/memory-engine.js';
import { MemoryScheduler } from '../../support/memory-scheduler.js';

const EU = { providerConfigKey: PROVIDER, connectionId: CONNECTION, syncName: 'scripted', variant: 'eu' };

function setUp(options: { maxVariantsPerSync?: number } = {}) {
  const engine = makeMemoryEngine();
  const scheduler = new MemoryScheduler();
  const controls = new SyncControls({ ...engine.deps, queue: engine.queue, scheduler, ...options });
  return { engine, scheduler, controls };
}

/** Runs what is queued like the executor does, until the queue is empty. */
async function drain(engine: MemoryEngine) {
  const outcomes = [];
  for (let messages = engine.queue.take(); messages.length > 0; messages = engine.queue.take()) {
    for (const message of messages) outcomes.push(await engine.run(message.syncName, { ...message, owner: `owner-${message.runId}` }));
  }
  return outcomes;
}

async function liveIds(engine: MemoryEngine, model: string, variant?: string) {
  const page = await engine.records.list({ providerConfigKey: PROVIDER, connectionId: CONNECTION, model, ...(variant ? { variant } : {}) }, { limit: 100 });
  return page.records.filter((r) => r.deletedAt === null).map((r) => r.id);
}

describe('creating a sync variant', () => {
  it("creates its state, queues its first run with the variant and reports Nango's id, name and variant", async () => {
    const { engine, controls } = setUp();

    const created = await controls.createVariant(EU);

    expect(created).toEqual({ ok: true, id: `${PROVIDER}:scripted::eu:${CONNECTION}`, name: 'scripted', variant: 'eu', runId: expect.any(String) });
    expect(await engine.state.connectionSyncs.get(EU)).toMatchObject({ variant: 'eu', enabled: true, connectionId: CONNECTION });
    expect(engine.queue.messages).toEqual([{ ...EU, runId: created.ok ? created.runId : '', trigger: 'MANUAL' }]);
  });

  it.each([
    ['base', 'invalid_variant', /protected/],
    ['BaSe', 'invalid_variant', /protected/],
    ['with space', 'invalid_variant', /letters, digits/],
    ['x'.repeat(256), 'invalid_variant', /1–255/],
  ])('refuses variant %j with %s', async (variant, code, message) => {
    const { engine, controls } = setUp();
    const outcome = await controls.createVariant({ ...EU, variant });
    expect(outcome).toEqual({ ok: false, code, message: expect.stringMatching(message) });
    expect(engine.queue.messages).toEqual([]);
  });

  it("refuses an unknown integration, connection or sync with Nango's codes", async () => {
    const { controls } = setUp();
    expect(await controls.createVariant({ ...EU, providerConfigKey: 'nope' })).toMatchObject({ ok: false, code: 'unknown_provider_config' });
    expect(await controls.createVariant({ ...EU, connectionId: 'ghost' })).toMatchObject({ ok: false, code: 'unknown_connection' });
    expect(await controls.createVariant({ ...EU, syncName: 'nope' })).toMatchObject({ ok: false, code: 'unknown_sync' });
  });

  it('refuses a second variant of the same name', async () => {
    const { controls } = setUp();
    expect(await controls.createVariant(EU)).toMatchObject({ ok: true });
    expect(await controls.createVariant(EU)).toMatchObject({ ok: false, code: 'sync_variant_already_exists' });
  });

  it('caps the syncs of one name on a connection, base included, as Nango counts them', async () => {
    const { engine, controls } = setUp({ maxVariantsPerSync: 3 });
    await engine.state.connectionSyncs.ensure(engine.key('scripted'), { enabled: true });
    expect(await controls.createVariant({ ...EU, variant: 'a' })).toMatchObject({ ok: true });
    expect(await controls.createVariant({ ...EU, variant: 'b' })).toMatchObject({ ok: true });

    expect(await controls.createVariant({ ...EU, variant: 'c' })).toEqual({ ok: false, code: 'resource_capped', message: expect.stringMatching(/\(3\) reached/) });
    // Another sync, or the same sync on another connection, has its own count.
    expect(await controls.createVariant({ ...EU, syncName: 'contacts', variant: 'c' })).toMatchObject({ ok: true });
  });

  it('leaves a variant of a sync that does not auto-start paused, with nothing queued', async () => {
    const manual = createSync({ autoStart: false, frequency: 'every hour', syncType: 'incremental', models: { Manual: ContactSchema }, exec: async () => undefined });
    const engine = makeMemoryEngine({}, {}, { manual });
    const controls = new SyncControls({ ...engine.deps, queue: engine.queue, scheduler: new MemoryScheduler() });
    expect(await controls.createVariant({ ...EU, syncName: 'manual' })).toMatchObject({ ok: true, runId: null });
    expect(await engine.state.connectionSyncs.get({ ...EU, syncName: 'manual' })).toMatchObject({ enabled: false });
    expect(engine.queue.messages).toEqual([]);
  });
});

describe('running a variant', () => {
  it('gives the script its variant name, and `base` on the base variant', async () => {
    const { engine, controls } = setUp();
    const seen: string[] = [];
    engine.source.exec = async (nango) => void seen.push(nango.variant);
    await controls.createVariant(EU);
    await engine.queue.send([{ ...engine.key('scripted'), runId: 'r-base', trigger: 'MANUAL' }]);

    await drain(engine);

    expect(seen.sort()).toEqual(['base', 'eu']);
  });

  it('stores its records in its own partition, tags its run with the variant, and leaves the base run untagged', async () => {
    const { engine, controls } = setUp();
    engine.source.exec = async (nango) => {
      await nango.batchSave([{ id: `${nango.variant}-1`, name: 'n', email: 'n@x.io' }], 'Item');
      // getRecordsByIds reads the variant's partition too.
      const mine = await nango.getRecordsByIds([`${nango.variant}-1`, 'base-1'], 'Item');
      await nango.log(`sees ${[...mine.keys()].join(',')}`);
    };
    await controls.createVariant(EU);
    await engine.queue.send([{ ...engine.key('scripted'), runId: 'r-base', trigger: 'MANUAL' }]);

    const outcomes = await drain(engine);

    expect(outcomes.map((o) => o.kind)).toEqual(['FINISHED', 'FINISHED']);
    expect(await liveIds(engine, 'Item')).toEqual(['base-1']);
    expect(await liveIds(engine, 'Item', 'eu')).toEqual(['eu-1']);
    const [euRun] = await engine.state.runs.list(EU, 10);
    expect(euRun).toMatchObject({ variant: 'eu', status: 'SUCCESS', results: { Item: { added: 1, updated: 0, deleted: 0 } } });
    const [baseRun] = await engine.state.runs.list(engine.key('scripted'), 10);
    expect(baseRun).toMatchObject({ runId: 'r-base', status: 'SUCCESS' });
    expect(baseRun).not.toHaveProperty('variant');
    expect(engine.logs.map((l) => l.message)).toEqual(expect.arrayContaining(['sees eu-1', 'sees base-1']));
    expect(await engine.state.connectionSyncs.get(EU)).toMatchObject({ recordCounts: { Item: 1 }, lastRun: { status: 'SUCCESS' } });
  });

  it('skips a message for a deleted variant without bringing its state back', async () => {
    const { engine } = setUp();
    const outcome = await engine.run('scripted', { variant: 'gone', runId: 'r-1' });
    expect(outcome).toMatchObject({ kind: 'SKIPPED', reason: expect.stringMatching(/no variant gone/) });
    expect(await engine.state.connectionSyncs.get({ ...EU, variant: 'gone' })).toBeNull();
  });
});

describe('resolving the syncs a control request names', () => {
  it('reads names, name::variant strings and {name, variant} objects; * is every variant', async () => {
    const { engine, controls } = setUp();
    await controls.createVariant(EU);
    await controls.createVariant({ ...EU, variant: 'us' });

    expect(await controls.resolve(PROVIDER, ['scripted'], CONNECTION)).toEqual([engine.key('scripted')]);
    expect(await controls.resolve(PROVIDER, ['scripted::eu', { name: 'scripted', variant: 'us' }, 'scripted::base'], CONNECTION)).toEqual([EU, { ...EU, variant: 'us' }, engine.key('scripted')]);
    const all = await controls.resolve(PROVIDER, '*', CONNECTION);
    expect(all).toEqual(expect.arrayContaining([engine.key('contacts'), engine.key('scripted'), EU, { ...EU, variant: 'us' }]));
    expect(all).toHaveLength(4);
    // Without a connection: the variant across connections, from the stored connection-syncs.
    expect(await controls.resolve(PROVIDER, [{ name: 'scripted', variant: 'us' }])).toEqual([{ ...EU, variant: 'us' }]);
    await expect(controls.resolve(PROVIDER, ['scripted::nope'], CONNECTION)).rejects.toThrow(/has no variant "nope"/);
  });

  it('reports each variant in the status, with its own id', async () => {
    const { engine, controls } = setUp();
    engine.source.exec = async (nango) => void (await nango.batchSave([{ id: 'x', name: 'n', email: 'n@x.io' }], 'Item'));
    await engine.state.connectionSyncs.ensure(engine.key('scripted'), { enabled: true });
    await controls.createVariant(EU);
    await drain(engine);

    const statuses = await Promise.all((await controls.resolve(PROVIDER, ['scripted', 'scripted::eu'], CONNECTION)).map((key) => controls.status(key)));

    expect(statuses).toEqual([
      expect.objectContaining({ id: `${PROVIDER}:scripted:${CONNECTION}`, name: 'scripted', variant: 'base', status: 'STOPPED', recordCount: {} }),
      expect.objectContaining({ id: `${PROVIDER}:scripted::eu:${CONNECTION}`, name: 'scripted', variant: 'eu', status: 'SUCCESS', recordCount: { Item: 1 } }),
    ]);
  });

  it('pauses, starts and triggers one variant without touching the base one', async () => {
    const { engine, controls } = setUp();
    await controls.createVariant(EU);
    engine.queue.take();
    await engine.state.connectionSyncs.ensure(engine.key('scripted'), { enabled: true });

    await controls.pause([EU]);
    expect(await engine.state.connectionSyncs.get(EU)).toMatchObject({ enabled: false });
    expect(await engine.state.connectionSyncs.get(engine.key('scripted'))).toMatchObject({ enabled: true });
    await controls.start([EU]);
    await controls.trigger([EU], { reset: true });
    expect(engine.queue.messages.map((m) => [m.syncName, m.variant, m.trigger])).toEqual([
      ['scripted', 'eu', 'MANUAL'],
      ['scripted', 'eu', 'MANUAL'],
    ]);
  });
});

describe('scheduling a variant', () => {
  it('gives a variant its own EventBridge-valid override schedule whose target names the variant', async () => {
    const { engine, controls, scheduler } = setUp();
    await controls.createVariant({ ...EU, connectionId: CONNECTION });

    await controls.setFrequency(EU, 'every 5 minutes');

    const schedules = [...scheduler.schedules.values()];
    expect(schedules).toHaveLength(1);
    expect(schedules[0]!.name).toMatch(/^[0-9A-Za-z._-]{1,64}$/);
    expect(schedules[0]).toMatchObject({ rateExpression: 'rate(5 minutes)', target: { integration: PROVIDER, sync: 'scripted', connection: CONNECTION, variant: 'eu' } });
    expect(await engine.state.connectionSyncs.get(engine.key('scripted'))).toBeNull(); // the base variant is untouched
    expect(await controls.status(EU)).toMatchObject({ frequency: 'every 5 minutes', schedule: { name: schedules[0]!.name } });
  });

  it('fans out every variant from the shared schedule, and only the named one from its own, with distinct run ids', async () => {
    const { engine, controls } = setUp();
    await engine.state.connectionSyncs.ensure(engine.key('scripted'), { enabled: true });
    await controls.createVariant(EU);
    engine.queue.take();
    const scheduledAt = new Date(engine.clock.now()).toISOString();

    await fanOut({ ...engine.deps, queue: engine.queue }, { integration: PROVIDER, sync: 'scripted', scheduledAt });
    const shared = engine.queue.take();
    expect(shared.map((m) => m.variant)).toEqual([undefined, 'eu']);
    expect(new Set(shared.map((m) => m.runId)).size).toBe(2);
    expect(scheduledRunId(EU, scheduledAt)).not.toBe(scheduledRunId(engine.key('scripted'), scheduledAt));

    await controls.setFrequency(EU, 'every 5 minutes');
    await fanOut({ ...engine.deps, queue: engine.queue }, { integration: PROVIDER, sync: 'scripted', scheduledAt: new Date(engine.clock.now() + 3_600_000).toISOString() });
    expect(engine.queue.take().map((m) => m.variant)).toEqual([undefined]); // the variant has its own schedule now
    await fanOut({ ...engine.deps, queue: engine.queue }, { integration: PROVIDER, sync: 'scripted', connection: CONNECTION, variant: 'eu', scheduledAt });
    expect(engine.queue.take()).toEqual([expect.objectContaining({ ...EU, trigger: 'SCHEDULE' })]);
  });
});

describe('deleting a variant', () => {
  it('cancels its running execution, removes its schedule, state and records, and keeps the base variant', async () => {
    const { engine, controls, scheduler } = setUp();
    engine.source.exec = async (nango) => void (await nango.batchSave([{ id: `${nango.variant}-1`, name: 'n', email: 'n@x.io' }], 'Item'));
    await controls.createVariant(EU);
    await engine.queue.send([{ ...engine.key('scripted'), runId: 'r-base', trigger: 'MANUAL' }]);
    await drain(engine);
    await controls.setFrequency(EU, 'every 5 minutes');
    await engine.state.connectionSyncs.acquireLease(EU, { runId: 'r-running', owner: 'o', expiresAt: engine.clock.now() + 60_000 }, engine.clock.now());

    const deleted = await controls.deleteVariant(EU);

    expect(deleted).toEqual({ ok: true, cancelledRunId: 'r-running', deletedRecords: 1 });
    expect(await engine.state.runs.get(EU, 'r-running')).toMatchObject({ status: 'CANCELLED' });
    expect(scheduler.schedules.size).toBe(0);
    expect(await engine.state.connectionSyncs.get(EU)).toBeNull();
    expect(await liveIds(engine, 'Item', 'eu')).toEqual([]);
    expect(await liveIds(engine, 'Item')).toEqual(['base-1']);
    expect(await engine.state.runs.list(EU, 10)).toHaveLength(2); // history stays
    expect(await controls.resolve(PROVIDER, '*', CONNECTION)).toEqual([engine.key('contacts'), engine.key('scripted')]);
  });

  it('answers not_found for an unknown variant and invalid_variant for base', async () => {
    const { controls } = setUp();
    expect(await controls.deleteVariant({ ...EU, variant: 'nope' })).toMatchObject({ ok: false, code: 'not_found' });
    expect(await controls.deleteVariant({ ...EU, syncName: 'nope' })).toMatchObject({ ok: false, code: 'not_found' });
    expect(await controls.deleteVariant({ ...EU, variant: 'Base' })).toMatchObject({ ok: false, code: 'invalid_variant' });
    expect(await controls.deleteVariant({ ...EU, connectionId: 'ghost' })).toMatchObject({ ok: false, code: 'unknown_connection' });
  });

  it('starts a variant created again empty, without the records a run of the deleted one wrote after the delete', async () => {
    const { engine, controls } = setUp();
    await controls.createVariant(EU);
    engine.queue.take();
    expect(await controls.deleteVariant(EU)).toMatchObject({ ok: true });
    // A batch the deleted variant's run had in flight (its lease check still ahead) lands after the delete.
    const late = { id: 'late', payload: { id: 'late', name: 'n', email: 'n@x.io' }, hash: 'h-late' };
    await engine.records.saveBatch(recordPartition(EU, 'Item'), [late], { runId: 'r-deleted', runStartedAt: engine.clock.now() });
    expect(await liveIds(engine, 'Item', 'eu')).toEqual(['late']);

    expect(await controls.createVariant(EU)).toMatchObject({ ok: true, runId: expect.any(String) });

    expect(await liveIds(engine, 'Item', 'eu')).toEqual([]);
    expect(await engine.state.connectionSyncs.get(EU)).toMatchObject({ enabled: true, recordCounts: {} });
  });
});

describe('deleting a connection', () => {
  function connectionService(engine: MemoryEngine, scheduler: MemoryScheduler) {
    return new ConnectionService({ ...engine.deps, queue: engine.queue, scheduler });
  }

  it('removes every sync and variant of it — runs cancelled, schedules, state, records — whoever calls the service', async () => {
    const { engine, controls, scheduler } = setUp();
    engine.source.exec = async (nango) => void (await nango.batchSave([{ id: `${nango.variant}-1`, name: 'n', email: 'n@x.io' }], 'Item'));
    await engine.state.connectionSyncs.ensure(engine.key('scripted'), { enabled: true });
    await controls.createVariant(EU);
    await controls.createVariant({ ...EU, syncName: 'contacts', variant: 'us' });
    await engine.queue.send([{ ...engine.key('scripted'), runId: 'r-base', trigger: 'MANUAL' }]);
    await drain(engine);
    await controls.setFrequency(engine.key('scripted'), 'every 5 minutes');
    await controls.setFrequency(EU, 'every 5 minutes');
    const lease = (runId: string) => ({ runId, owner: 'o', expiresAt: engine.clock.now() + 60_000 });
    await engine.state.connectionSyncs.acquireLease(engine.key('scripted'), lease('r-base-running'), engine.clock.now());
    await engine.state.connectionSyncs.acquireLease(EU, lease('r-eu-running'), engine.clock.now());
    expect(scheduler.schedules.size).toBe(2);

    await connectionService(engine, scheduler).delete(PROVIDER, CONNECTION);

    expect(await engine.state.connections.find(PROVIDER, CONNECTION)).toBeNull();
    expect(await engine.state.runs.get(engine.key('scripted'), 'r-base-running')).toMatchObject({ status: 'CANCELLED', error: { message: 'the connection was deleted' } });
    expect(await engine.state.runs.get(EU, 'r-eu-running')).toMatchObject({ status: 'CANCELLED', error: { message: 'the connection was deleted' } });
    expect(scheduler.schedules.size).toBe(0);
    for (const syncName of ['scripted', 'contacts']) {
      expect(await engine.state.connectionSyncs.get(engine.key(syncName))).toBeNull();
      expect(await engine.state.connectionSyncs.listVariants(PROVIDER, syncName, CONNECTION)).toEqual([]);
    }
    expect(await liveIds(engine, 'Item')).toEqual([]);
    expect(await liveIds(engine, 'Item', 'eu')).toEqual([]);
  });

  it.each([
    ['before the variant is stored', 'create'],
    ['while its partitions are emptied', 'emptying'],
  ])('leaves nothing of a variant whose connection is deleted %s', async (_, moment) => {
    const { engine, controls, scheduler } = setUp();
    const service = connectionService(engine, scheduler);
    let deleted = false;
    const deleteConnectionOnce = async () => {
      if (deleted) return;
      deleted = true;
      await service.delete(PROVIDER, CONNECTION);
    };
    const syncs = engine.state.connectionSyncs;
    const create = syncs.create.bind(syncs);
    const deleteAll = engine.records.deleteAll.bind(engine.records);
    if (moment === 'create') {
      syncs.create = async (key, defaults) => {
        await deleteConnectionOnce();
        return create(key, defaults);
      };
    } else {
      engine.records.deleteAll = async (partition) => {
        await deleteConnectionOnce();
        return deleteAll(partition);
      };
    }

    const outcome = await controls.createVariant(EU);

    expect(deleted).toBe(true);
    expect(outcome).toMatchObject({ ok: false, code: 'unknown_connection' });
    expect(await syncs.get(EU)).toBeNull();
    expect(engine.queue.messages).toEqual([]);
  });
});
