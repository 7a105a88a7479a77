import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { canonicalJson, contentHash, idFingerprint } from '../../../functions/engine/records/content-hash.js';
import { deepMerge } from '../../../functions/engine/records/deep-merge.js';
import { validateRecord } from '../../../functions/engine/records/validate-record.js';

describe('contentHash', () => {
  it('does not depend on key order at any depth', () => {
    const a = { id: '1', name: 'Ada', address: { city: 'London', zip: 'N1' }, tags: [{ x: 1, y: 2 }] };
    const b = { tags: [{ y: 2, x: 1 }], address: { zip: 'N1', city: 'London' }, name: 'Ada', id: '1' };
    expect(contentHash(a)).toBe(contentHash(b));
    expect(canonicalJson(b)).toBe('{"address":{"city":"London","zip":"N1"},"id":"1","name":"Ada","tags":[{"x":1,"y":2}]}');
  });

  it('changes with any value, and with array order', () => {
    expect(contentHash({ id: '1', n: 1 })).not.toBe(contentHash({ id: '1', n: 2 }));
    expect(contentHash({ a: [1, 2] })).not.toBe(contentHash({ a: [2, 1] }));
  });

  it('gives ids a stable 52-bit fingerprint', () => {
    const f = idFingerprint('contact-1');
    expect(Number.isSafeInteger(f)).toBe(true);
    expect(f).toBe(idFingerprint('contact-1'));
    expect(f).not.toBe(idFingerprint('contact-2'));
  });
});

describe('deepMerge', () => {
  it('merges objects deeply and replaces arrays', () => {
    const merged = deepMerge({ id: '1', name: 'Ada', address: { city: 'London', zip: 'N1' }, tags: ['a', 'b'] }, { address: { zip: 'N2' }, tags: ['c'], extra: null });
    expect(merged).toEqual({ id: '1', name: 'Ada', address: { city: 'London', zip: 'N2' }, tags: ['c'], extra: null });
  });
});

describe('validateRecord', () => {
  const Contact = z.object({ id: z.string(), email: z.string().email() });

  it('turns a numeric id into a string and keeps the payload as given', () => {
    const result = validateRecord({ id: 42, email: 'a@b.co', extra: 1 }, Contact.passthrough());
    expect(result).toMatchObject({ ok: true, record: { id: '42', payload: { id: '42', email: 'a@b.co', extra: 1 } } });
  });

  it.each([
    [{ email: 'a@b.co' }, /missing id/],
    [{ id: '', email: 'a@b.co' }, /id is empty/],
    [{ id: 'x'.repeat(256), email: 'a@b.co' }, /longer than 255/],
    [{ id: true, email: 'a@b.co' }, /string or a number/],
    [{ id: '1', email: 'nope' }, /does not match the model: ✖ Invalid email address\n {2}→ at email/],
    ['not an object', /not an object/],
  ])('rejects %j with a reason', (raw, reason) => {
    const result = validateRecord(raw, Contact);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });
});
