import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../../../functions/engine/http/retry-after.js';

const NOW = Date.parse('2025-01-01T00:00:00Z');

describe('parseRetryAfter', () => {
  it.each([
    ['0', 0],
    ['7', 7_000],
    [' 120 ', 120_000],
    ['1.5', 1_500],
    ['0.0001', 1],
  ])('reads delta-seconds %j as %i ms', (value, ms) => {
    expect(parseRetryAfter(value, NOW)).toBe(ms);
  });

  it.each([
    ['IMF-fixdate', 'Wed, 01 Jan 2025 00:00:30 GMT'],
    ['obsolete RFC 850', 'Wednesday, 01-Jan-25 00:00:30 GMT'],
    ['obsolete asctime, which names no zone', 'Wed Jan  1 00:00:30 2025'],
  ])('reads an HTTP-date (%s) as the time left until it', (_form, value) => {
    expect(parseRetryAfter(value, NOW)).toBe(30_000);
  });

  it('reads a date already past as no wait', () => {
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:59:00 GMT', NOW)).toBe(0);
  });

  it.each([undefined, null, '', '   ', 'soon', '-5', '1.5.0', '1e3', '0x10'])('ignores %j', (value) => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined();
  });
});
