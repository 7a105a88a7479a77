import { describe, expect, it } from 'vitest';
import { WrittenIds } from '../../../functions/adapters/dynamodb/written-ids.js';
import { idFingerprint } from '../../../functions/engine/records/content-hash.js';

describe('WrittenIds', () => {
  it('never forgets an id it was given, through every growth', () => {
    const written = new WrittenIds();
    const fingerprints = Array.from({ length: 50_000 }, (_, i) => idFingerprint(`contact-${i}`));
    for (const fingerprint of fingerprints) written.add(fingerprint);
    expect(fingerprints.every((fingerprint) => written.mayHave(fingerprint))).toBe(true);
    expect(written.size).toBeGreaterThan(49_990); // a few may share their low 32 bits
  });

  it('mostly says "not written" for ids it was not given (a false "maybe" only costs a read)', () => {
    const written = new WrittenIds();
    for (let i = 0; i < 50_000; i++) written.add(idFingerprint(`contact-${i}`));
    let maybe = 0;
    for (let i = 0; i < 50_000; i++) if (written.mayHave(idFingerprint(`other-${i}`))) maybe++;
    expect(maybe).toBeLessThan(5);
  });

  it('keeps a fingerprint whose low 32 bits are zero (the empty slot is not a value)', () => {
    const written = new WrittenIds();
    expect(written.mayHave(2 ** 40)).toBe(false);
    written.add(2 ** 40);
    expect(written.mayHave(2 ** 40)).toBe(true);
    written.add(2 ** 40);
    expect(written.size).toBe(1);
  });
});
