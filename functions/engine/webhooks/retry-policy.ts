/**
 * When to try a webhook again, and whether to at all.
 *
 * Backoff: exponential with full jitter (a random delay in [0, min(cap, base·2^(n-1))]), so
 * endpoints that failed together do not get retried in lockstep. Full jitter alone could bunch
 * every retry into the first hours, so the last attempt is never made before `minSpanMs` after
 * the round's first attempt: a receiver that is down for a day still gets the webhook. With the
 * defaults (12 attempts, 1 minute base, 12 hour cap) the attempts spread over one to two days.
 *
 * `Retry-After` (seconds or an HTTP date) is honoured as a lower bound, capped so an endpoint
 * cannot park a delivery for a week.
 */
import { parseRetryAfter } from '../http/retry-after.js';

export interface RetryPolicy {
  /** Attempts per round, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** The last attempt is not made earlier than this after the first. */
  minSpanMs: number;
  /** The largest `Retry-After` honoured. */
  maxRetryAfterMs: number;
  /** Per-attempt HTTP timeout. */
  timeoutMs: number;
}

const HOUR = 3_600_000;

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 12,
  baseDelayMs: 60_000,
  maxDelayMs: 12 * HOUR,
  minSpanMs: 24 * HOUR,
  maxRetryAfterMs: 6 * HOUR,
  timeoutMs: 15_000,
};

export type AttemptOutcome = 'SUCCEEDED' | 'RETRY' | 'FAILED' | 'GONE';

/**
 * 2xx succeeds. 410 Gone means the endpoint was removed: disable the subscription. Network
 * errors, timeouts, 408, 429 and 5xx are transient. Anything else — other 4xx, and 3xx, since
 * redirects are not followed (a redirect could point anywhere, past the URL guard) — will not
 * change by retrying and fails at once.
 */
export function classifyAttempt(statusCode: number | null): AttemptOutcome {
  if (statusCode === null) return 'RETRY';
  if (statusCode >= 200 && statusCode < 300) return 'SUCCEEDED';
  if (statusCode === 410) return 'GONE';
  if (statusCode === 408 || statusCode === 429 || statusCode >= 500) return 'RETRY';
  return 'FAILED';
}

/**
 * The time of the next attempt after `attemptsMade` attempts in this round, or null when the
 * round is over. `random` is injectable so tests can pin the jitter.
 */
export function nextAttemptAt(policy: RetryPolicy, input: { attemptsMade: number; roundStartedAt: number; now: number; retryAfter?: string | null; random?: () => number }): number | null {
  const { attemptsMade, roundStartedAt, now } = input;
  if (attemptsMade >= policy.maxAttempts) return null;
  const random = input.random ?? Math.random;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attemptsMade - 1));
  let delay = Math.floor(random() * ceiling);
  const retryAfter = parseRetryAfter(input.retryAfter, now);
  if (retryAfter !== undefined) delay = Math.max(delay, Math.min(retryAfter, policy.maxRetryAfterMs));
  let at = now + delay;
  if (attemptsMade + 1 === policy.maxAttempts) at = Math.max(at, roundStartedAt + policy.minSpanMs);
  return at;
}

/**
 * The longest a round can last and the shortest: `maxSpan` without jitter luck (every delay at
 * its ceiling), `minSpan` the floor the last attempt is held to. For docs and tests.
 */
export function roundSpan(policy: RetryPolicy): { minSpanMs: number; maxSpanMs: number } {
  let max = 0;
  for (let made = 1; made < policy.maxAttempts; made++) max += Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (made - 1));
  return { minSpanMs: policy.maxAttempts > 1 ? policy.minSpanMs : 0, maxSpanMs: Math.max(max, policy.minSpanMs) };
}
