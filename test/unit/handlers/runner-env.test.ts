import { describe, expect, it } from 'vitest';
import { readEnv, RunnerEnv, runnerConfigFrom } from '../../../functions/handlers/env.js';

describe('the runner guards from the environment', () => {
  it('overrides only what is set', () => {
    expect(runnerConfigFrom(readEnv(RunnerEnv, {}))).toEqual({});
    expect(runnerConfigFrom(readEnv(RunnerEnv, { SYNCLINE_MAX_DELETE_SHARE: '0.8', SYNCLINE_MIN_GUARDED_DELETIONS: '50', SYNCLINE_MAX_INVOCATIONS: '5' }))).toEqual({
      maxDeleteShare: 0.8,
      minGuardedDeletions: 50,
      maxInvocations: 5,
    });
  });

  it('refuses values that make no sense, naming the variable', () => {
    expect(() => readEnv(RunnerEnv, { SYNCLINE_MAX_DELETE_SHARE: '1.5' })).toThrow(/SYNCLINE_MAX_DELETE_SHARE/);
    expect(() => readEnv(RunnerEnv, { SYNCLINE_MAX_INVOCATIONS: '0' })).toThrow(/SYNCLINE_MAX_INVOCATIONS/);
  });
});
