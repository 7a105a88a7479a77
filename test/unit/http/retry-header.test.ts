/**
 * `retryHeader`: the script names the response header(s) that say when to retry, as on Nango.
 * `at` is an absolute time, `after` a number of seconds; the wait is capped by
 * `maxRetryDelayMs`; without the header the usual backoff applies.
 */
import { describe, expect, it } from 'vitest';
import { ProviderHttpError, ProxyConfigError } from '../../../functions/engine/http/errors.js';
import type { RetryHeaderConfig } from '../../../functions/engine/http/proxy-config.js';
import { waitFromRetryHeader } from '../../../functions/engine/http/retry-policy.js';
import { fakeClient, json } from './fake-fetch.js';

const NOW = Date.parse('2025-06-01T12:00:00Z');
const NOW_S = NOW / 1000;

/** Answers each call with the next scripted response; the last one repeats. */
function answers(...responses: Array<() => Response>) {
  return (_call: unknown, index: number) => responses[Math.min(index, responses.length - 1)]!();
}
const ok = () => json(200, { ok: true });
const failing =
  (status: number, headers: Record<string, string> = {}) =>
  () =>
    json(status, { error: 'slow down' }, headers);

describe('retryHeader on a call', () => {
  it('at: waits until the epoch-seconds time in the named header', async () => {
    const { http, calls, delays } = fakeClient(answers(failing(429, { 'X-RateLimit-Reset': String(NOW_S + 42) }), ok), { now: () => NOW });

    const res = await http.get({ endpoint: '/x', retries: 2, retryHeader: { at: 'x-ratelimit-reset' } });

    expect(res.status).toBe(200);
    expect(calls).toHaveLength(2);
    expect(delays).toEqual([42_000]);
  });

  it('after: waits the seconds in the named header, on a 5xx too', async () => {
    const { http, delays } = fakeClient(answers(failing(503, { 'X-Wait-Seconds': '12' }), ok), { now: () => NOW });
    await http.get({ endpoint: '/x', retries: 1, retryHeader: { after: 'X-Wait-Seconds' } });
    expect(delays).toEqual([12_000]);
  });

  it('takes the longest wait among several named headers that are present', async () => {
    const headers = { 'x-short': '5', 'x-long': '30' };
    const { http, delays } = fakeClient(answers(failing(429, headers), ok), { now: () => NOW });
    await http.get({ endpoint: '/x', retries: 1, retryHeader: { after: ['x-missing', 'x-short', 'x-long'] } });
    expect(delays).toEqual([30_000]);
  });

  it('wins over Retry-After, and is capped by maxRetryDelayMs', async () => {
    const { http, delays } = fakeClient(answers(failing(429, { 'retry-after': '1', 'x-reset-after': '3600' }), failing(429, { 'x-reset-after': '20' }), ok), {
      now: () => NOW,
      maxRetryDelayMs: 60_000,
    });
    await http.get({ endpoint: '/x', retries: 2, retryHeader: { after: 'x-reset-after' } });
    expect(delays).toEqual([60_000, 20_000]);
  });

  it('falls back to the usual backoff when the header is absent, unreadable or in the past', async () => {
    const { http, delays } = fakeClient(answers(failing(500), failing(500, { 'x-reset': 'soon' }), failing(500, { 'x-reset': String(NOW_S - 10) }), ok), {
      now: () => NOW,
    });
    await http.get({ endpoint: '/x', retries: 3, retryHeader: { at: 'x-reset' } });
    // random() = 0.5 → half of 3 s, 6 s, 12 s
    expect(delays).toEqual([1500, 3000, 6000]);
  });

  it('does not make a call retry that would not be retried otherwise', async () => {
    const { http, calls } = fakeClient(answers(failing(429, { 'x-reset-after': '1' }), ok));
    await expect(http.get({ endpoint: '/x', retryHeader: { after: 'x-reset-after' } })).rejects.toBeInstanceOf(ProviderHttpError);
    const other = fakeClient(answers(failing(404, { 'x-reset-after': '1' }), ok));
    await expect(other.http.get({ endpoint: '/x', retries: 3, retryHeader: { after: 'x-reset-after' } })).rejects.toBeInstanceOf(ProviderHttpError);
    expect(calls).toHaveLength(1);
    expect(other.calls).toHaveLength(1);
  });

  it.each<[string, unknown]>([
    ['a number as header name', { after: 5 }],
    ['an empty list', { at: [] }],
    ['a blank name', { after: [' '] }],
    ['not an object', 'retry-after'],
  ])('refuses %s before calling', async (_name, retryHeader) => {
    const { http, calls } = fakeClient(ok);
    await expect(http.get({ endpoint: '/x', retryHeader: retryHeader as RetryHeaderConfig })).rejects.toBeInstanceOf(ProxyConfigError);
    expect(calls).toHaveLength(0);
  });

  it('accepts remaining, error_code and in_body and leaves the retry decision unchanged', async () => {
    const { http, calls } = fakeClient(answers(failing(403, { 'x-remaining': '0' }), ok));
    const retryHeader: RetryHeaderConfig = { remaining: 'x-remaining', error_code: ['403'], in_body: { path: 'error', strategy: 'after' } };
    await expect(http.get({ endpoint: '/x', retries: 2, retryHeader })).rejects.toMatchObject({ status: 403 });
    expect(calls).toHaveLength(1);
  });
});

describe('waitFromRetryHeader', () => {
  const read = (config: RetryHeaderConfig, headers: Record<string, string>) => waitFromRetryHeader(config, headers, NOW);

  it('reads at as epoch seconds, epoch ms or an HTTP date', () => {
    expect(read({ at: 'x' }, { x: String(NOW_S + 3) })).toBe(3000);
    expect(read({ at: 'x' }, { x: String(NOW + 2500) })).toBe(2500);
    expect(read({ at: 'x' }, { x: 'Sun, 01 Jun 2025 12:00:09 GMT' })).toBe(9000);
    expect(read({ at: 'x' }, { x: String(NOW_S) })).toBeUndefined();
  });

  it('reads after as seconds, fractions included, and ignores non-numbers', () => {
    expect(read({ after: 'x' }, { x: '1.5' })).toBe(1500);
    expect(read({ after: 'x' }, { x: '0' })).toBe(0);
    expect(read({ after: 'x' }, { x: 'later' })).toBeUndefined();
    expect(read({ after: 'x' }, { x: '-4' })).toBeUndefined();
  });

  it('uses at when both are given, as Nango does', () => {
    expect(read({ at: 'a', after: 'b' }, { b: '5' })).toBeUndefined();
    expect(read({ at: 'a', after: 'b' }, { a: String(NOW_S + 1), b: '5' })).toBe(1000);
  });
});
