import { describe, expect, it } from 'vitest';
import { classifyAttempt, DEFAULT_RETRY_POLICY, nextAttemptAt, roundSpan } from '../../../functions/engine/webhooks/retry-policy.js';

const HOUR = 3_600_000;

/** Walks a whole round with a given jitter and returns the attempt times. */
function schedule(random: () => number): number[] {
  const start = 1_000_000;
  const times = [start];
  for (let made = 1; ; made++) {
    const next = nextAttemptAt(DEFAULT_RETRY_POLICY, { attemptsMade: made, roundStartedAt: start, now: times.at(-1)!, random });
    if (next === null) return times;
    times.push(next);
  }
}

describe('retry schedule', () => {
  it.each([
    ['no jitter luck', () => 0],
    ['middle', () => 0.5],
    ['max', () => 0.999999],
  ])('spans at least 24 hours over 12 attempts (%s)', (_name, random) => {
    const times = schedule(random);

    expect(times).toHaveLength(DEFAULT_RETRY_POLICY.maxAttempts);
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(24 * HOUR);
    expect(times.at(-1)! - times[0]!).toBeLessThanOrEqual(roundSpan(DEFAULT_RETRY_POLICY).maxSpanMs);
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThanOrEqual(times[i - 1]!);
  });

  it('grows exponentially with full jitter', () => {
    const ceilings = [1, 2, 3, 4].map((made) => nextAttemptAt(DEFAULT_RETRY_POLICY, { attemptsMade: made, roundStartedAt: 0, now: 0, random: () => 0.999999 })!);

    expect(ceilings).toEqual([59_999, 119_999, 239_999, 479_999]);
    expect(nextAttemptAt(DEFAULT_RETRY_POLICY, { attemptsMade: 3, roundStartedAt: 0, now: 0, random: () => 0 })).toBe(0);
  });

  it('honours Retry-After as a floor, capped', () => {
    expect(nextAttemptAt(DEFAULT_RETRY_POLICY, { attemptsMade: 1, roundStartedAt: 0, now: 0, random: () => 0, retryAfter: '120' })).toBe(120_000);
    expect(nextAttemptAt(DEFAULT_RETRY_POLICY, { attemptsMade: 1, roundStartedAt: 0, now: 0, random: () => 0, retryAfter: String(7 * 24 * 3600) })).toBe(DEFAULT_RETRY_POLICY.maxRetryAfterMs);
    expect(nextAttemptAt(DEFAULT_RETRY_POLICY, { attemptsMade: 1, roundStartedAt: 0, now: 4_000, random: () => 0, retryAfter: new Date(10_000).toUTCString() })).toBe(10_000);
    expect(nextAttemptAt(DEFAULT_RETRY_POLICY, { attemptsMade: 1, roundStartedAt: 0, now: 0, random: () => 0, retryAfter: 'soon' })).toBe(0);
  });

  it('gives up after the last attempt', () => {
    expect(nextAttemptAt(DEFAULT_RETRY_POLICY, { attemptsMade: 12, roundStartedAt: 0, now: 0 })).toBeNull();
  });

  it.each([
    [200, 'SUCCEEDED'],
    [204, 'SUCCEEDED'],
    [null, 'RETRY'],
    [408, 'RETRY'],
    [429, 'RETRY'],
    [500, 'RETRY'],
    [503, 'RETRY'],
    [410, 'GONE'],
    [400, 'FAILED'],
    [401, 'FAILED'],
    [404, 'FAILED'],
    [301, 'FAILED'],
    [302, 'FAILED'],
  ] as const)('HTTP %s → %s', (status, outcome) => {
    expect(classifyAttempt(status)).toBe(outcome);
  });
});
