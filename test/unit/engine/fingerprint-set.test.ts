import { describe, expect, it } from 'vitest';
import { idFingerprint } from '../../../functions/engine/records/content-hash.js';
import { FingerprintSet } from '../../../functions/engine/records/fingerprint-set.js';

describe('FingerprintSet', () => {
  it('holds exactly what it was given, through every growth', () => {
    const set = new FingerprintSet();
    const given = Array.from({ length: 50_000 }, (_, i) => idFingerprint(`contact-${i}`));
    for (const fingerprint of given) expect(set.add(fingerprint)).toBe(true);
    expect(set.size).toBe(50_000);
    expect(given.every((fingerprint) => set.has(fingerprint))).toBe(true);
    expect(Array.from({ length: 50_000 }, (_, i) => idFingerprint(`other-${i}`)).filter((fingerprint) => set.has(fingerprint))).toEqual([]);
  });

  it('adds a fingerprint once, tells 0 and the largest fingerprints apart, and starts from an iterable', () => {
    const set = new FingerprintSet([0, 2 ** 52 - 1]);
    expect(set.add(0)).toBe(false);
    expect(set.has(0) && set.has(2 ** 52 - 1)).toBe(true);
    // Same low 32 bits, different fingerprints.
    expect(set.has(2 ** 32)).toBe(false);
    set.add(2 ** 32);
    expect(set.has(2 ** 32) && set.size === 3).toBe(true);
  });
});
