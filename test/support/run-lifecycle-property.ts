/**
 * The run lifecycle's invariant as a property, for any implementation of the state ports: over
 * any sequence of creates, resumes, finishes, cancels and abandonments (with leases taken by
 * different owners in between), every stored status change is one the lifecycle allows, and a
 * run that reached a final status never changes again.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { hasCause, LeaseLostError } from '../../functions/engine/errors.js';
import { canTransition, isFinalRunStatus, type RunRecord } from '../../functions/engine/model/run.js';
import type { ConnectionSyncKey, StateRepos } from '../../functions/engine/ports.js';

type Op = { op: 'acquire'; owner: string } | { op: 'create' } | { op: 'resume' } | { op: 'abandon' } | { op: 'finish'; status: 'SUCCESS' | 'ERROR'; owner: string } | { op: 'cancel' };

const owner = fc.constantFrom('a', 'b');
const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('acquire' as const), owner }),
  fc.constant({ op: 'create' as const }),
  fc.constant({ op: 'resume' as const }),
  fc.constant({ op: 'abandon' as const }),
  fc.record({ op: fc.constant('finish' as const), status: fc.constantFrom('SUCCESS' as const, 'ERROR' as const), owner }),
  fc.constant({ op: 'cancel' as const }),
);

const RUN_ID = 'r1';

async function apply(state: StateRepos, key: ConnectionSyncKey, op: Op, now: number): Promise<void> {
  const base: RunRecord = {
    ...key,
    runId: RUN_ID,
    status: 'RUNNING',
    type: 'INITIAL',
    trigger: 'MANUAL',
    startedAt: now,
    finishedAt: null,
    results: {},
    error: null,
    invocations: 1,
    stalledHandOvers: 0,
  };
  const lease = (who: string) => ({ runId: RUN_ID, owner: who, expiresAt: now + 60_000 });
  try {
    switch (op.op) {
      case 'acquire':
        // An expired lease, so a second owner can take it over as after a crash.
        await state.connectionSyncs.acquireLease(key, { ...lease(op.owner), expiresAt: now - 1 }, now);
        return;
      case 'create':
        await state.runs.create(base);
        return;
      case 'resume':
        await state.runs.resume(key, RUN_ID);
        return;
      case 'abandon':
        await state.runs.endAbandoned({ ...base, status: 'ERROR', error: { type: 'abandoned', message: 'x' }, finishedAt: now });
        return;
      case 'finish':
        await state.runs.finish({ ...base, status: op.status, finishedAt: now }, { lastSyncDate: now, checkpoint: null, passId: null, recordCountDelta: {} }, lease(op.owner));
        return;
      case 'cancel':
        await state.runs.cancel(key, RUN_ID, 'cancelled', now);
        return;
    }
  } catch (error) {
    // A lost lease is the expected refusal of a finish; anything else is a bug.
    if (!hasCause(error, LeaseLostError)) throw error;
  }
}

export async function checkRunLifecycle(makeKey: () => Promise<{ state: StateRepos; key: ConnectionSyncKey }>, numRuns: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(fc.array(opArbitrary, { minLength: 1, maxLength: 12 }), async (ops) => {
      const { state, key } = await makeKey();
      await state.connectionSyncs.ensure(key, { enabled: true });
      let previous: RunRecord | null = null;
      let now = Date.parse('2026-01-01T00:00:00Z');
      for (const op of ops) {
        await apply(state, key, op, (now += 1_000));
        const current = await state.runs.get(key, RUN_ID);
        if (previous && isFinalRunStatus(previous.status)) expect(current).toEqual(previous);
        if (current && current.status !== previous?.status) expect(canTransition(previous?.status ?? null, current.status)).toBe(true);
        previous = current;
      }
    }),
    { numRuns },
  );
}
