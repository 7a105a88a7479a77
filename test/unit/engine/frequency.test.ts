import { describe, expect, it } from 'vitest';
import { formatFrequency, FrequencyError, parseFrequency, toRateExpression } from '../../../functions/engine/frequency.js';

const MIN = 60_000;

describe('parseFrequency', () => {
  it.each([
    ['every 5 minutes', 5 * MIN],
    ['every minute', MIN],
    ['every hour', 60 * MIN],
    ['every half day', 720 * MIN],
    ['every day', 1_440 * MIN],
    ['every 2 days', 2_880 * MIN],
    ['every week', 10_080 * MIN],
    ['30m', 30 * MIN],
    ['1h', 60 * MIN],
    ['1d', 1_440 * MIN],
    ['every 30min', 30 * MIN],
    ['every 1.5 hours', 90 * MIN],
    ['Every  15  Minutes', 15 * MIN],
    ['every 120 seconds', 2 * MIN],
  ])('reads %s', (text, ms) => {
    expect(parseFrequency(text)).toBe(ms);
  });

  it('refuses a frequency under one minute, naming the sync', () => {
    expect(() => parseFrequency('every 30 seconds', 'sync "contacts"')).toThrow(/sync "contacts".*1-minute minimum/);
  });

  it.each(['often', 'every', '5 parsecs', '', 'every -5 minutes'])('refuses %j with a clear error', (text) => {
    expect(() => parseFrequency(text, 'sync "x"')).toThrow(FrequencyError);
    expect(() => parseFrequency(text, 'sync "x"')).toThrow(/sync "x": frequency .* not understood/);
  });

  it('refuses a frequency that is not whole minutes', () => {
    expect(() => parseFrequency('every 90 seconds')).toThrow(/whole number of minutes/);
  });
});

describe('toRateExpression and formatFrequency', () => {
  it('uses the largest exact unit', () => {
    expect(toRateExpression(MIN)).toBe('rate(1 minute)');
    expect(toRateExpression(90 * MIN)).toBe('rate(90 minutes)');
    expect(toRateExpression(120 * MIN)).toBe('rate(2 hours)');
    expect(toRateExpression(1_440 * MIN)).toBe('rate(1 day)');
    expect(formatFrequency(5 * MIN)).toBe('every 5m');
    expect(formatFrequency(720 * MIN)).toBe('every 12h');
  });
});
