/**
 * Sync frequencies in Nango's forms: `every 5 minutes`, `every hour`, `every half day`,
 * `every 2 days`, `every month` (30 days, as Nango counts it), `30m`, `1h`, `1 day`.
 * EventBridge Scheduler's finest rate is one minute, so a frequency must be a whole number of
 * minutes and at least one — where Nango (its `getInterval`) goes down to 30 seconds.
 */
const MINUTE_MS = 60_000;

const UNIT_MS: Record<string, number> = {
  m: MINUTE_MS,
  min: MINUTE_MS,
  mins: MINUTE_MS,
  minute: MINUTE_MS,
  minutes: MINUTE_MS,
  h: 60 * MINUTE_MS,
  hr: 60 * MINUTE_MS,
  hrs: 60 * MINUTE_MS,
  hour: 60 * MINUTE_MS,
  hours: 60 * MINUTE_MS,
  d: 1_440 * MINUTE_MS,
  day: 1_440 * MINUTE_MS,
  days: 1_440 * MINUTE_MS,
  w: 10_080 * MINUTE_MS,
  week: 10_080 * MINUTE_MS,
  weeks: 10_080 * MINUTE_MS,
  month: 43_200 * MINUTE_MS,
  months: 43_200 * MINUTE_MS,
  s: 1_000,
  sec: 1_000,
  secs: 1_000,
  second: 1_000,
  seconds: 1_000,
};

const WORD_AMOUNT: Record<string, number> = { a: 1, an: 1, one: 1, half: 0.5, quarter: 0.25 };

const FREQUENCY_PATTERN = /^(?:every\s+)?(?:(\d+(?:\.\d+)?|a|an|one|half|quarter)\s*(?:an?\s+)?)?([a-z]+)$/;

export class FrequencyError extends Error {
  override readonly name: string = 'FrequencyError';
}

/** Below EventBridge Scheduler's one-minute floor (Nango allows 30 seconds). */
export class FrequencyTooShortError extends FrequencyError {
  override readonly name = 'FrequencyTooShortError';
}

/** Parses a frequency to milliseconds; `context` names the sync in the error message. */
export function parseFrequency(text: string, context = 'sync'): number {
  const normalized = text.trim().toLowerCase().replace(/\s+/g, ' ');
  const match = FREQUENCY_PATTERN.exec(normalized);
  const unitMs = match ? UNIT_MS[match[2]!] : undefined;
  if (!match || unitMs === undefined) {
    throw new FrequencyError(`${context}: frequency "${text}" is not understood; use a form like "every 5 minutes", "every hour", "every half day", "30m" or "1h"`);
  }
  const amountText = match[1];
  const amount = amountText === undefined ? 1 : (WORD_AMOUNT[amountText] ?? Number(amountText));
  const ms = Math.round(amount * unitMs);
  if (ms < MINUTE_MS) {
    throw new FrequencyTooShortError(`${context}: frequency "${text}" is shorter than the 1-minute minimum of EventBridge Scheduler`);
  }
  if (ms % MINUTE_MS !== 0) {
    throw new FrequencyError(`${context}: frequency "${text}" is not a whole number of minutes (EventBridge Scheduler rates are whole minutes)`);
  }
  return ms;
}

/** The EventBridge Scheduler expression for a frequency, in the largest exact unit. */
export function toRateExpression(ms: number): string {
  const minutes = ms / MINUTE_MS;
  if (minutes % 1_440 === 0) return plural(minutes / 1_440, 'day');
  if (minutes % 60 === 0) return plural(minutes / 60, 'hour');
  return plural(minutes, 'minute');
}

function plural(n: number, unit: string): string {
  return `rate(${n} ${n === 1 ? unit : `${unit}s`})`;
}

/** A human form of a frequency, as `GET /sync/status` reports it (`every 5m`, `every 1h`, `every 1d`). */
export function formatFrequency(ms: number): string {
  const minutes = ms / MINUTE_MS;
  if (minutes % 1_440 === 0) return `every ${minutes / 1_440}d`;
  if (minutes % 60 === 0) return `every ${minutes / 60}h`;
  return `every ${minutes}m`;
}
