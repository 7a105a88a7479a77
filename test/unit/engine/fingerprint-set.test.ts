import { describe, expect, it } from 'vitest';
import { idFingerprint } from '../../../functions/engine/records/content-hash.js';
import { FingerprintLog, FingerprintSet } from '../../../functions/engine/records/fingerprint-set.js';

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

  it('lossy: never forgets an id, and rarely claims one it was not given', () => {
    const set = new FingerprintSet([], 'lossy');
    const given = Array.from({ length: 50_000 }, (_, i) => idFingerprint(`contact-${i}`));
    for (const fingerprint of given) set.add(fingerprint);
    expect(given.every((fingerprint) => set.has(fingerprint))).toBe(true);
    expect(Array.from({ length: 50_000 }, (_, i) => idFingerprint(`other-${i}`)).filter((fingerprint) => set.has(fingerprint)).length).toBeLessThan(5);
    // Low 32 bits of 0 are kept as 1: present, not lost in an "empty" slot.
    set.add(2 ** 40);
    expect(set.has(2 ** 40)).toBe(true);
  });
});

describe('FingerprintLog', () => {
  it('gives back what was pushed, in order, across chunks, then starts empty', () => {
    const log = new FingerprintLog();
    expect(log.length).toBe(0);
    expect(log.take()).toEqual([]);
    const pushed = Array.from({ length: 150_000 }, (_, i) => i * 3 + 2 ** 51);
    for (const fingerprint of pushed) log.push(fingerprint);
    expect(log.length).toBe(150_000);
    expect(log.take()).toEqual(pushed);
    expect(log.length).toBe(0);
    log.push(7);
    expect(log.take()).toEqual([7]);
  });
});
