import { describe, expect, it } from 'vitest';
import { toNangoRecordJson } from '../../../functions/api/routes/records.js';
import type { StoredRecord } from '../../../functions/engine/ports.js';

describe('toNangoRecordJson', () => {
  it('gives exactly the bytes of JSON.stringify({...payload, id, _nango_metadata})', () => {
    const payload = { id: '42', name: 'Ada "Countess" Lovelace', tags: ['a', 'é'], nested: { x: null } };
    const record: StoredRecord = {
      id: '42', payload, payloadJson: JSON.stringify(payload), firstSeenAt: 1_700_000_000_000, lastModifiedAt: 1_700_000_100_000,
      lastAction: 'DELETED', deletedAt: 1_700_000_100_000, version: 3, cursor: 'abc',
    };
    const expected = JSON.stringify({
      ...payload, id: '42',
      _nango_metadata: { first_seen_at: '2023-11-14T22:13:20.000Z', last_modified_at: '2023-11-14T22:15:00.000Z', last_action: 'DELETED', deleted_at: '2023-11-14T22:15:00.000Z', cursor: 'abc' },
    });
    expect(toNangoRecordJson(record)).toBe(expected);
  });
});
