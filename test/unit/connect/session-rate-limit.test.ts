/** The per-session token bucket of the connect flow's routes: burst, refill, independence, bounded memory. */
import { describe, expect, it } from 'vitest';
import { SessionRateLimiter } from '../../../functions/api/connect-session-auth.js';

describe('SessionRateLimiter', () => {
  it('allows the burst, refuses the next, and refills at the per-minute rate', () => {
    const limiter = new SessionRateLimiter({ burst: 3, perMinute: 6 });
    expect([1, 2, 3, 4].map(() => limiter.take('s1', 0))).toEqual([true, true, true, false]);
    expect(limiter.take('s2', 0)).toBe(true);
    expect(limiter.take('s1', 9_999)).toBe(false);
    expect(limiter.take('s1', 10_000)).toBe(true);
    expect(limiter.take('s1', 10_000)).toBe(false);
  });

  it('forgets the least recently used session beyond its bound (a forgotten one starts full again)', () => {
    const limiter = new SessionRateLimiter({ burst: 1, perMinute: 1 }, 2);
    expect(limiter.take('a', 0)).toBe(true);
    expect(limiter.take('b', 0)).toBe(true);
    expect(limiter.take('a', 0)).toBe(false); // a is now the most recent
    expect(limiter.take('c', 0)).toBe(true); // evicts b
    expect(limiter.take('a', 0)).toBe(false);
    expect(limiter.take('b', 0)).toBe(true);
  });
});
