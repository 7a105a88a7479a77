/**
 * Nango's checkpoint range on a run (what its webhooks report as `checkpoints`): `from` is where
 * the run started — kept across continuations and redeliveries — `to` the last checkpoint saved
 * (null once cleared), and no range at all when the script never used its checkpoint. Over
 * in-memory ports with a hand-moved clock.
 */
import { describe, expect, it } from 'vitest';
import { InfrastructureError } from '../../../functions/engine/errors.js';
import type { RunRecord } from '../../../functions/engine/model/run.js';
import type { RunOutcome } from '../../../functions/engine/runner/run-invocation.js';
import type { NangoSync } from '../../../functions/engine/sdk/nango-sync-types.js';
import { createSync } from '../../../functions/engine/sync-definition.js';
import { buildErrorPayload, buildSuccessPayload } from '../../../functions/engine/webhooks/payload.js';
import { ContactSchema, makeContacts } from '../../support/contacts.js';
import { makeMemoryEngine } from '../../support/memory-engine.js';

const finished = (outcomes: RunOutcome[]): RunRecord => {
  const last = outcomes.at(-1);
  if (last?.kind !== 'FINISHED') throw new Error(`the run did not finish: ${last?.kind}`);
  return last.run;
};

/** Saves pages up to `last`, one second each, resuming from its checkpoint: continues across short invocations. */
const pager = (engine: ReturnType<typeof makeMemoryEngine>, last: number) => async (nango: NangoSync) => {
  let page = Number((await nango.getCheckpoint())?.['page'] ?? 0);
  while (page < last) {
    engine.clock.advance(1_000);
    await nango.saveCheckpoint({ page: ++page });
  }
};

describe('the checkpoint range of a run', () => {
  it('a continued run keeps the from of its first invocation; the next run starts from where it ended', async () => {
    const engine = makeMemoryEngine({ deadlineMarginMs: 0 });
    engine.source.exec = pager(engine, 5);

    const first = await engine.runToEnd('scripted', 2_500);

    expect(first.map((o) => o.kind)).toEqual(['CONTINUE', 'CONTINUE', 'FINISHED']);
    const run1 = finished(first);
    expect(run1).toMatchObject({ status: 'SUCCESS', invocations: 3, checkpointAtStart: null, checkpoints: { from: null, to: { page: 5 } } });
    expect(buildSuccessPayload(run1, 'Item')).toMatchObject({ syncType: 'INITIAL', checkpoints: { from: null, to: { page: 5 } } });

    engine.source.exec = pager(engine, 6);
    const run2 = finished(await engine.runToEnd('scripted', null));

    expect(run2.checkpoints).toEqual({ from: { page: 5 }, to: { page: 6 } });
    // A receiver's rule (Nango's docs): `from` null is a full sync, otherwise incremental.
    expect([run1, run2].map((r) => buildSuccessPayload(r, 'Item').checkpoints?.from === null)).toEqual([true, false]);
  });

  it('no range when the script never touched its checkpoint; {from, from} when it only read it', async () => {
    const engine = makeMemoryEngine();
    engine.source.exec = async (nango) => void (await nango.batchSave(makeContacts(2), 'Item'));
    const untouched = finished([await engine.run('scripted')]);

    expect(untouched.checkpoints).toBeUndefined();
    expect(buildSuccessPayload(untouched, 'Item')).not.toHaveProperty('checkpoints');

    engine.source.exec = async (nango) => void (await nango.saveCheckpoint({ cursor: 'c-1' }));
    await engine.run('scripted');
    engine.source.exec = async (nango) => void (await nango.getCheckpoint());
    const readOnly = finished([await engine.run('scripted')]);

    expect(readOnly.checkpoints).toEqual({ from: { cursor: 'c-1' }, to: { cursor: 'c-1' } });
  });

  it('to is null after clearCheckpoint; a failed run reports its range in the error body', async () => {
    const engine = makeMemoryEngine();
    engine.source.exec = async (nango) => void (await nango.saveCheckpoint({ cursor: 'c-1' }));
    await engine.run('scripted');

    engine.source.exec = async (nango) => void (await nango.clearCheckpoint());
    expect(finished([await engine.run('scripted')]).checkpoints).toEqual({ from: { cursor: 'c-1' }, to: null });

    engine.source.exec = async (nango) => {
      await nango.saveCheckpoint({ cursor: 'c-2' });
      throw new Error('provider exploded');
    };
    const failed = finished([await engine.run('scripted')]);

    expect(failed).toMatchObject({ status: 'ERROR', checkpoints: { from: null, to: { cursor: 'c-2' } } });
    expect(buildErrorPayload(failed)).toMatchObject({ success: false, checkpoints: { from: null, to: { cursor: 'c-2' } } });
  });

  it('a redelivered invocation after a crash keeps the run start as from, not where the crashed one got to', async () => {
    const engine = makeMemoryEngine();
    let crash = true;
    engine.source.exec = async (nango) => {
      const page = Number((await nango.getCheckpoint())?.['page'] ?? 0);
      await nango.saveCheckpoint({ page: page + 1 });
      if (crash) throw new InfrastructureError('DynamoDB timed out');
    };

    await expect(engine.run('scripted', { runId: 'r-1' })).rejects.toThrow('DynamoDB timed out');
    crash = false;
    const redelivered = finished([await engine.run('scripted', { runId: 'r-1' })]);

    expect(redelivered).toMatchObject({ runId: 'r-1', invocations: 2, checkpoints: { from: null, to: { page: 2 } } });
  });

  it("a full sync's next run starts from null again: its checkpoint only resumed an unfinished pass", async () => {
    const engine = makeMemoryEngine(
      { deadlineMarginMs: 0 },
      {},
      {
        pages: createSync({
          autoStart: true,
          frequency: 'every hour',
          syncType: 'full',
          models: { Page: ContactSchema },
          exec: async (nango) => pager(engine, 3)(nango as unknown as NangoSync),
        }),
      },
    );

    const first = finished(await engine.runToEnd('pages', 1_500));
    const second = finished(await engine.runToEnd('pages', null));

    expect(first).toMatchObject({ status: 'SUCCESS', invocations: 3, checkpoints: { from: null, to: { page: 3 } } });
    expect(second.checkpoints).toEqual({ from: null, to: { page: 3 } });
  });
});
