/**
 * Whether a failed provider call is retried and how long to wait first. The wait comes from, in
 * order: the script's `retryHeader` (as Nango's proxy reads it), the provider's rate-limit rule,
 * `Retry-After` on 429/503, and otherwise full-jitter exponential backoff.
 */
import type { ProviderConfig } from '../connection.js';
import { ProxyConfigError } from './errors.js';
import type { RetryHeaderConfig } from './proxy-config.js';
import { parseRetryAfter } from './retry-after.js';

/** What an attempt that did not succeed left behind. */
export interface AttemptFailure {
  status?: number;
  /** Response headers with lower-case names. */
  headers?: Record<string, string>;
  data?: unknown;
  raw?: string;
  networkError?: string;
  cause?: unknown;
}

export interface RetryWaitInput {
  /** 0 for the wait after the first attempt. */
  attempt: number;
  failure: AttemptFailure;
  rule: ProviderConfig['retry'];
  retryHeader: RetryHeaderConfig | undefined;
  nowMs: number;
  random: () => number;
  maxDelayMs: number;
}

/** Nango documents a 3 s first delay doubled per attempt; we keep that curve but add full jitter. */
const BASE_RETRY_DELAY_MS = 3_000;
/** Numeric `at` values from 1972 on, read as milliseconds, are epoch ms (Nango's rule); below, epoch seconds. */
const EPOCH_MS_FROM = Date.UTC(1972, 0, 1);

/** Retried: no response at all, the provider's rate-limit answer, 429, 5xx and the script's `retryOn`. */
export function isRetryable(failure: AttemptFailure, rule: ProviderConfig['retry'], retryOn: number[] | null | undefined): boolean {
  const { status } = failure;
  if (status === undefined) return true;
  return isRateLimited(rule, failure) || status === 429 || status >= 500 || (retryOn?.includes(status) ?? false);
}

/** The wait before the next attempt, in ms, never above `maxDelayMs`. */
export function retryWait(input: RetryWaitInput): number {
  const { failure, nowMs } = input;
  const fromScript = waitFromRetryHeader(input.retryHeader, failure.headers ?? {}, nowMs);
  if (fromScript !== undefined) return Math.min(fromScript, input.maxDelayMs);
  const wait = input.rule.wait;
  if (wait && failure.status !== undefined && isRateLimited(input.rule, failure)) {
    const fromRule = waitFromRuleHeader(wait, failure.headers?.[wait.header], nowMs);
    if (fromRule !== undefined) return Math.min(fromRule, input.maxDelayMs);
  }
  if (failure.status === 429 || failure.status === 503) {
    const fromHeader = parseRetryAfter(failure.headers?.['retry-after'], nowMs);
    if (fromHeader !== undefined) return Math.min(fromHeader, input.maxDelayMs);
  }
  const ceiling = Math.min(input.maxDelayMs, BASE_RETRY_DELAY_MS * 2 ** input.attempt);
  return Math.floor(input.random() * ceiling);
}

/** Refuse a `retryHeader` whose `at`/`after` is not a header name or a list of them. */
export function assertRetryHeader(config: RetryHeaderConfig | undefined): void {
  if (config === undefined) return;
  if (typeof config !== 'object' || config === null) throw new ProxyConfigError('retryHeader must be an object such as { after: "retry-after" }');
  for (const key of ['at', 'after'] as const) {
    const names = config[key];
    if (names === undefined) continue;
    const list = Array.isArray(names) ? names : [names];
    if (list.length === 0 || list.some((name) => typeof name !== 'string' || name.trim() === '')) {
      throw new ProxyConfigError(`retryHeader.${key} must be a header name or a list of header names`);
    }
  }
}

/**
 * The wait the script's `retryHeader` asks for. As in Nango: `at` is used when given (else
 * `after`), and of several named headers present the longest wait wins. A time in the past
 * or an unreadable value counts as absent.
 */
export function waitFromRetryHeader(config: RetryHeaderConfig | undefined, headers: Record<string, string>, nowMs: number): number | undefined {
  const kind = config?.at !== undefined ? 'at' : config?.after !== undefined ? 'after' : undefined;
  if (kind === undefined) return undefined;
  const names = config![kind]!;
  let longest: number | undefined;
  for (const name of Array.isArray(names) ? names : [names]) {
    const value = headers[name.toLowerCase()]?.trim();
    if (!value) continue;
    const wait = kind === 'at' ? untilTime(value, nowMs) : secondsToWait(value);
    if (wait !== undefined && (longest === undefined || wait > longest)) longest = wait;
  }
  return longest;
}

function untilTime(value: string, nowMs: number): number | undefined {
  const numeric = Number(value);
  const atMs = Number.isFinite(numeric) ? (numeric >= EPOCH_MS_FROM ? numeric : numeric * 1000) : Date.parse(value);
  if (Number.isNaN(atMs) || atMs <= nowMs) return undefined;
  return Math.ceil(atMs - nowMs);
}

function secondsToWait(value: string): number | undefined {
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.ceil(seconds * 1000) : undefined;
}

/** The provider's rate-limit answer: one of its statuses, and (when it names one) its remaining-count header at 0. */
function isRateLimited(rule: ProviderConfig['retry'], failure: AttemptFailure): boolean {
  if (failure.status === undefined || !rule.statuses.includes(failure.status)) return false;
  return rule.remainingHeader === undefined || failure.headers?.[rule.remainingHeader] === '0';
}

/** The wait a provider's rate-limit header asks for, in ms; undefined when absent or unreadable. */
function waitFromRuleHeader(wait: NonNullable<ProviderConfig['retry']['wait']>, value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  if (wait.format === 'http-date' || wait.format === 'seconds') return parseRetryAfter(value, nowMs);
  const at = Number(value);
  if (!Number.isFinite(at)) return undefined;
  return Math.max(0, (wait.format === 'epoch-seconds' ? at * 1000 : at) - nowMs);
}
