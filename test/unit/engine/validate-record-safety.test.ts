/** Records read back with listRecords and saved again, and records JSON cannot hold. */
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { validateRecord } from '../../../functions/engine/records/validate-record.js';

const Item = z.object({ id: z.string(), name: z.string() });

describe('validateRecord', () => {
  it('drops `_nango_metadata` so a listed-then-saved record is stored, and hashed, as its fields', () => {
    const plain = validateRecord({ id: 'a', name: 'A' }, Item, 'warn');
    const listed = validateRecord({ id: 'a', name: 'A', _nango_metadata: { cursor: 'c1', last_action: 'ADDED' } }, Item, 'warn');
    expect(listed).toMatchObject({ ok: true, record: { payload: { id: 'a', name: 'A' } } });
    expect(listed.ok && plain.ok && listed.record.hash === plain.record.hash).toBe(true);
  });

  it('refuses a record JSON cannot hold instead of failing the run', () => {
    const cyclic: Record<string, unknown> = { id: 'c', name: 'C' };
    cyclic['self'] = cyclic;
    expect(validateRecord({ id: 'b', name: 'B', size: 10n }, Item, 'warn')).toMatchObject({ ok: false, id: 'b', reason: expect.stringMatching(/not JSON-serializable/) });
    expect(validateRecord(cyclic, Item, 'reject')).toMatchObject({ ok: false, id: 'c', reason: expect.stringMatching(/not JSON-serializable/) });
  });
});
