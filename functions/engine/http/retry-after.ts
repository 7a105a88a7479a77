/**
 * `Retry-After` (RFC 9110 §10.2.3), read the same way for provider calls and webhook deliveries.
 *
 * The header is either delta-seconds or an HTTP-date. A fractional number of seconds is not
 * valid delta-seconds, but a server that sends "1.5" plainly means a second and a half, so it
 * is read as such (rounded up to a whole millisecond). Dates are only tried on values with
 * letters in them: every HTTP-date form names its day and month, while `Date.parse` alone would
 * read strings like "-5" or "1.5.0" as some date in the past.
 */

const DELTA_SECONDS = /^\d+(\.\d+)?$/;

/** The wait `Retry-After` asks for, in ms from `nowMs`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  const trimmed = value?.trim();
  if (!trimmed) return undefined;
  if (DELTA_SECONDS.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  if (!/[a-z]/i.test(trimmed)) return undefined;
  // asctime ("Sun Nov  6 08:49:37 1994") names no zone, and Date.parse would take it as local
  // time; every HTTP-date is in GMT.
  const at = Date.parse(/\d{4}$/.test(trimmed) ? `${trimmed} GMT` : trimmed);
  // A date in the past means "now".
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
