import { describe, expect, it } from 'vitest';
import { canTransition, FINAL_RUN_STATUSES, NOTIFIED_RUN_STATUSES, RUN_STATUSES } from '../../../functions/engine/model/run.js';
import { decideDeletion } from '../../../functions/engine/runner/deletion-decision.js';
import { ManualClock } from '../../support/memory-engine.js';
import { makeMemoryState } from '../../support/memory-state.js';
import { checkRunLifecycle } from '../../support/run-lifecycle-property.js';

describe('the run lifecycle', () => {
  it('never leaves a final status, and only starts RUNNING or CANCELLED', () => {
    for (const from of FINAL_RUN_STATUSES) for (const to of RUN_STATUSES) expect(canTransition(from, to)).toBe(false);
    expect(RUN_STATUSES.filter((to) => canTransition(null, to))).toEqual(['RUNNING', 'CANCELLED']);
    expect(RUN_STATUSES.filter((to) => canTransition('RUNNING', to))).toEqual([...RUN_STATUSES]);
    expect(NOTIFIED_RUN_STATUSES.every((s) => (FINAL_RUN_STATUSES as readonly string[]).includes(s))).toBe(true);
  });

  it('holds over random sequences of writes to the in-memory repositories', async () => {
    const clock = new ManualClock();
    let n = 0;
    await checkRunLifecycle(async () => ({ state: makeMemoryState(clock), key: { providerConfigKey: 'p', connectionId: `c${n++}`, syncName: 's' } }), 500);
  });
});

describe('decideDeletion', () => {
  const guard = { maxDeleteShare: 0.5, minGuardedDeletions: 10 };
  const counts = { model: 'Contact', seen: 1, accepted: false };

  it('deletes when nothing or few records go, whatever the share', () => {
    expect(decideDeletion({ ...counts, live: 4, unseen: 0 }, guard)).toEqual({ delete: true });
    expect(decideDeletion({ ...counts, live: 4, unseen: 3 }, guard)).toEqual({ delete: true });
    expect(decideDeletion({ ...counts, live: 11, unseen: 10 }, guard)).toEqual({ delete: true });
  });

  it('refuses when both the share and the count are implausible, or nothing was seen', () => {
    expect(decideDeletion({ ...counts, live: 100, unseen: 60 }, guard)).toMatchObject({ delete: false, reason: expect.stringMatching(/60 of 100 .*\(60%\)/) });
    expect(decideDeletion({ ...counts, live: 100, unseen: 50 }, guard)).toEqual({ delete: true });
    expect(decideDeletion({ ...counts, seen: 0, live: 2, unseen: 2 }, guard)).toMatchObject({ delete: false, reason: expect.stringMatching(/saw none/) });
  });

  it('lets an accepted deletion through', () => {
    expect(decideDeletion({ ...counts, seen: 0, live: 100, unseen: 100, accepted: true }, guard)).toEqual({ delete: true });
  });
});
