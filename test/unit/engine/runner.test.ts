/**
 * Runner rules over in-memory ports with a hand-moved clock: the cancel race, continuations
 * that cannot loop for ever, the mass-deletion guard, the lease. No DynamoDB, no sleeps.
 */
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../../functions/engine/model/run.js';
import type { RunRepo } from '../../../functions/engine/ports.js';
import { makeContacts } from '../../support/contacts.js';
import { CONNECTION, makeMemoryEngine, PROVIDER, type MemoryEngine } from '../../support/memory-engine.js';

/** A hook that cancels the run once, right after the runner's first read of it. */
function cancelAfterFirstRead(engine: () => MemoryEngine) {
  let fired = false;
  return async (what: string) => {
    if (fired || !what.startsWith('runs.get ')) return;
    fired = true;
    const { state, key, clock } = engine();
    expect(await state.runs.cancel(key('scripted'), what.slice('runs.get '.length), 'cancelled by request', clock.now())).toBe(true);
  };
}

describe('a cancel racing the start of a run', () => {
  it('wins when it lands between the runner reading the run and creating it', async () => {
    let engine: MemoryEngine | undefined;
    engine = makeMemoryEngine({}, { afterRead: cancelAfterFirstRead(() => engine!) });
    let ran = false;
    engine.source.exec = async () => void (ran = true);

    const outcome = await engine.run('scripted');

    expect(outcome).toMatchObject({ kind: 'STOPPED', reason: 'run was cancelled before it started' });
    expect(ran).toBe(false);
    const [run] = await engine.state.runs.list(engine.key('scripted'), 10);
    expect(run).toMatchObject({ status: 'CANCELLED', error: { type: 'cancelled' } });
    expect((await engine.state.connectionSyncs.get(engine.key('scripted')))!.lease).toBeNull();
  });

  it('wins when it lands between the read and the resume of a continuation', async () => {
    let engine: MemoryEngine | undefined;
    let armed = false;
    const cancel = cancelAfterFirstRead(() => engine!);
    engine = makeMemoryEngine({ deadlineMarginMs: 0 }, { afterRead: async (what) => (armed ? cancel(what) : undefined) });
    let page = 0;
    engine.source.exec = async (nango) => {
      for (;;) {
        engine!.clock.advance(1_000);
        await nango.saveCheckpoint({ page: ++page });
      }
    };
    const first = await engine.run('scripted', { runId: 'r-1', deadline: engine.clock.now() + 2_500 });
    expect(first).toEqual({ kind: 'CONTINUE', runId: 'r-1' });

    armed = true;
    const second = await engine.run('scripted', { runId: 'r-1', trigger: 'CONTINUATION', deadline: engine.clock.now() + 2_500 });

    expect(second).toMatchObject({ kind: 'STOPPED' });
    expect(await engine.state.runs.get(engine.key('scripted'), 'r-1')).toMatchObject({ status: 'CANCELLED', invocations: 1 });
  });

  it('is undone by an unconditional create, the behaviour this guards against', async () => {
    let engine: MemoryEngine | undefined;
    engine = makeMemoryEngine({}, { afterRead: cancelAfterFirstRead(() => engine!) });
    const runs = engine.state.runs;
    // What the store did before: a put that overwrote whatever was there.
    const unconditional: RunRepo['create'] = async (run: RunRecord) => {
      runs.items.set(`${PROVIDER}\nscripted\n${CONNECTION}\n${run.runId}`, structuredClone(run));
      return run;
    };
    engine.state.runs.create = unconditional;
    let ran = false;
    engine.source.exec = async () => void (ran = true);

    // The script runs although it was cancelled, it finds its lease gone when it finishes, and
    // the run is left RUNNING: the cancel was undone.
    await expect(engine.run('scripted')).resolves.toMatchObject({ kind: 'STOPPED', reason: expect.stringMatching(/lost its lease/) });
    expect(ran).toBe(true);
    const [run] = await runs.list(engine.key('scripted'), 10);
    expect(run).toMatchObject({ status: 'RUNNING' });
  });
});

describe('continuations', () => {
  it('end in ERROR when two invocations in a row reach their deadline without progress', async () => {
    const engine = makeMemoryEngine({ deadlineMarginMs: 0 });
    const contacts = makeContacts(5);
    // Restarts from the top at every invocation and never gets further than the first page.
    engine.source.exec = async (nango) => {
      for (;;) {
        engine.clock.advance(1_000);
        await nango.batchSave(contacts, 'Item');
      }
    };

    const outcomes = await engine.runToEnd('scripted', 3_500);

    // Invocation 1 adds the page (progress); 2 and 3 find it unchanged: the second stall ends the run.
    expect(outcomes.map((o) => o.kind)).toEqual(['CONTINUE', 'CONTINUE', 'FINISHED']);
    expect(outcomes[2]).toMatchObject({
      run: { status: 'ERROR', invocations: 3, error: { type: 'continuation_stalled', message: expect.stringMatching(/invocations 2 and 3 .* without progress/) }, results: { Item: { added: 5 } } },
    });
  });

  it('count new metadata as progress (older scripts keep their cursor there)', async () => {
    const engine = makeMemoryEngine({ deadlineMarginMs: 0, maxInvocations: 3 });
    engine.source.exec = async (nango) => {
      let page = Number((await nango.getMetadata<{ page?: number }>())?.page ?? 0);
      for (;;) {
        engine.clock.advance(1_000);
        await nango.updateMetadata({ page: ++page });
      }
    };

    const outcomes = await engine.runToEnd('scripted', 2_500);

    expect(outcomes.at(-1)).toMatchObject({ run: { status: 'ERROR', error: { type: 'continuation_limit' } } });
  });

  it('keep the lease for the continuation, so no other run starts in between and a pause still stops the run', async () => {
    const engine = makeMemoryEngine({ deadlineMarginMs: 0 });
    let page = 0;
    engine.source.exec = async (nango) => {
      for (;;) {
        engine.clock.advance(1_000);
        await nango.saveCheckpoint({ page: ++page });
      }
    };
    expect(await engine.run('scripted', { runId: 'r-1', deadline: engine.clock.now() + 2_500 })).toEqual({ kind: 'CONTINUE', runId: 'r-1' });

    expect(await engine.run('scripted', { runId: 'other' })).toMatchObject({ kind: 'BUSY', heldBy: { runId: 'r-1', handedOver: true } });
    const state = await engine.state.connectionSyncs.get(engine.key('scripted'));
    expect(await engine.state.runs.cancel(engine.key('scripted'), state!.lease!.runId, 'paused', engine.clock.now())).toBe(true);
    expect(await engine.run('scripted', { runId: 'r-1', trigger: 'CONTINUATION' })).toEqual({ kind: 'DUPLICATE', runId: 'r-1' });
    expect(await engine.state.runs.get(engine.key('scripted'), 'r-1')).toMatchObject({ status: 'CANCELLED' });
  });

  it('end in ERROR past the configured number of invocations, even while advancing', async () => {
    const engine = makeMemoryEngine({ deadlineMarginMs: 0, maxInvocations: 4 });
    engine.source.exec = async (nango) => {
      let page = Number((await nango.getCheckpoint())?.['page'] ?? 0);
      for (;;) {
        engine.clock.advance(1_000);
        await nango.saveCheckpoint({ page: ++page });
      }
    };

    const outcomes = await engine.runToEnd('scripted', 2_500);

    expect(outcomes.map((o) => o.kind)).toEqual(['CONTINUE', 'CONTINUE', 'CONTINUE', 'FINISHED']);
    expect(outcomes[3]).toMatchObject({ run: { status: 'ERROR', invocations: 4, error: { type: 'continuation_limit', message: 'the run did not finish within 4 invocations' } } });
    // The checkpoint is kept: the next run resumes where this one stopped.
    expect((await engine.state.connectionSyncs.get(engine.key('scripted')))!.checkpoint).toEqual({ page: 8 });
  });

  it('carry a run that advances to SUCCESS as one run', async () => {
    const engine = makeMemoryEngine({ deadlineMarginMs: 0 });
    const contacts = makeContacts(10);
    engine.source.exec = async (nango) => {
      let next = Number((await nango.getCheckpoint())?.['next'] ?? 0);
      for (; next < contacts.length; next += 2) {
        engine.clock.advance(1_000);
        await nango.batchSave(contacts.slice(next, next + 2), 'Item');
        await nango.saveCheckpoint({ next: next + 2 });
      }
    };

    const outcomes = await engine.runToEnd('scripted', 2_500);

    expect(outcomes.map((o) => o.kind)).toEqual(['CONTINUE', 'CONTINUE', 'FINISHED']);
    expect(outcomes[2]).toMatchObject({ run: { status: 'SUCCESS', invocations: 3, results: { Item: { added: 10, updated: 0, deleted: 0 } } } });
  });
});

describe('the mass-deletion guard', () => {
  it('lets a small dataset lose most of its records', async () => {
    const engine = makeMemoryEngine();
    const contacts = makeContacts(4);
    engine.source.contacts = contacts;
    await engine.runToEnd('contacts', null);
    engine.source.contacts = contacts.slice(3);

    const [outcome] = await engine.runToEnd('contacts', null);

    expect(outcome).toMatchObject({ kind: 'FINISHED', run: { status: 'SUCCESS', results: { Contact: { deleted: 3 } } } });
  });

  it('refuses an implausible deletion with a reason, and lets it through once when accepted', async () => {
    const engine = makeMemoryEngine();
    engine.source.contacts = makeContacts(100);
    await engine.runToEnd('contacts', null);
    engine.source.contacts = makeContacts(40);

    const [refused] = await engine.runToEnd('contacts', null);
    const [accepted] = await engine.runToEnd('contacts', null, { acceptMassDeletion: true });
    engine.source.contacts = makeContacts(10);
    const [again] = await engine.runToEnd('contacts', null);

    expect(refused).toMatchObject({
      run: { status: 'ERROR', error: { type: 'DeletionRefusedError', message: expect.stringMatching(/refused to delete 60 of 100 Contact records \(60%\).*acceptMassDeletion/) } },
    });
    expect(accepted).toMatchObject({ run: { status: 'SUCCESS', results: { Contact: { deleted: 60 } } } });
    // Accepted for that run only: the next implausible deletion is refused again.
    expect(again).toMatchObject({ run: { status: 'ERROR', error: { type: 'DeletionRefusedError' } } });
  });

  it('refuses to delete everything when a run saw nothing, however small the dataset', async () => {
    const engine = makeMemoryEngine();
    engine.source.contacts = makeContacts(3);
    await engine.runToEnd('contacts', null);
    engine.source.contacts = [];

    const [outcome] = await engine.runToEnd('contacts', null);

    expect(outcome).toMatchObject({ run: { status: 'ERROR', error: { message: expect.stringMatching(/refused to delete all 3 Contact records: this run saw none/) } } });
  });
});

describe('the lease', () => {
  it('is renewed by the heartbeat during one long call, and a lost lease stops the script at its next call', async () => {
    const engine = makeMemoryEngine({ leaseMs: 60_000 });
    const key = engine.key('scripted');
    const expiries: number[] = [];
    let calls = 0;
    engine.source.exec = async (nango) => {
      // One long provider call: only the heartbeat keeps the lease.
      engine.clock.advance(30_000);
      engine.timers.fire();
      await Promise.resolve();
      expiries.push((await engine.state.connectionSyncs.get(key))!.lease!.expiresAt);
      // Someone else takes the lease over; the next SDK call must stop the script.
      const state = engine.state.connectionSyncs.items.get(`${PROVIDER}\nscripted\n${CONNECTION}`)!;
      state.lease = { runId: 'intruder', owner: 'other', expiresAt: engine.clock.now() + 60_000 };
      engine.clock.advance(30_000);
      for (;;) {
        await nango.getCheckpoint();
        calls++;
      }
    };
    const started = engine.clock.now();

    const outcome = await engine.run('scripted');

    expect(expiries).toEqual([started + 30_000 + 60_000]);
    expect(outcome).toMatchObject({ kind: 'STOPPED', reason: expect.stringMatching(/lost its lease/) });
    expect(calls).toBe(0);
    expect(engine.timers.active.size).toBe(0);
  });
});
