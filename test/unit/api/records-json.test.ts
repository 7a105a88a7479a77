import { describe, expect, it } from 'vitest';
import { recordsPageJson, toNangoRecordJson } from '../../../functions/api/routes/records.page.js';
import type { StoredRecord } from '../../../functions/engine/ports.js';

describe('toNangoRecordJson', () => {
  it('gives exactly the bytes of JSON.stringify({...payload, id, _nango_metadata})', () => {
    const payload = { id: '42', name: 'Ada "Countess" Lovelace', tags: ['a', 'é'], nested: { x: null } };
    const record: StoredRecord = {
      id: '42',
      payload,
      payloadJson: JSON.stringify(payload),
      firstSeenAt: 1_700_000_000_000,
      lastModifiedAt: 1_700_000_100_000,
      lastAction: 'DELETED',
      deletedAt: 1_700_000_100_000,
      prunedAt: null,
      version: 3,
      cursor: 'abc',
    };
    const expected = JSON.stringify({
      ...payload,
      id: '42',
      _nango_metadata: {
        first_seen_at: '2023-11-14T22:13:20.000Z',
        last_modified_at: '2023-11-14T22:15:00.000Z',
        last_action: 'DELETED',
        deleted_at: '2023-11-14T22:15:00.000Z',
        pruned_at: null,
        cursor: 'abc',
      },
    });
    expect(toNangoRecordJson(record)).toBe(expected);
  });
});

describe('a pruned record', () => {
  it('is its id and metadata alone, with pruned_at, as Nango lists it', () => {
    const payload = { id: '7' };
    const record: StoredRecord = {
      id: '7',
      payload,
      payloadJson: JSON.stringify(payload),
      firstSeenAt: 1_700_000_000_000,
      lastModifiedAt: 1_700_000_000_000,
      lastAction: 'ADDED',
      deletedAt: null,
      prunedAt: 1_700_000_200_000,
      version: 2,
      cursor: 'c7',
    };
    expect(JSON.parse(toNangoRecordJson(record))).toEqual({
      id: '7',
      _nango_metadata: {
        first_seen_at: '2023-11-14T22:13:20.000Z',
        last_modified_at: '2023-11-14T22:13:20.000Z',
        last_action: 'ADDED',
        deleted_at: null,
        pruned_at: '2023-11-14T22:16:40.000Z',
        cursor: 'c7',
      },
    });
  });
});

describe('recordsPageJson', () => {
  const record = (id: string): StoredRecord => {
    const payload = { id, text: 'x'.repeat(100) };
    return { id, payload, payloadJson: JSON.stringify(payload), firstSeenAt: 0, lastModifiedAt: 0, lastAction: 'ADDED', deletedAt: null, prunedAt: null, version: 1, cursor: `cursor-${id}` };
  };

  it('is the page as JSON when it fits', () => {
    const page = JSON.parse(recordsPageJson([record('1'), record('2')], 'next'));
    expect(page.records.map((r: { id: string }) => r.id)).toEqual(['1', '2']);
    expect(page.next_cursor).toBe('next');
  });

  it('ends a page that would be too large early, with the cursor of its last record', () => {
    const records = Array.from({ length: 10 }, (_, i) => record(String(i)));
    const body = recordsPageJson(records, null, 1_000);
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(1_000);
    const page = JSON.parse(body);
    expect(page.records.length).toBeGreaterThan(0);
    expect(page.records.length).toBeLessThan(10);
    expect(page.next_cursor).toBe(`cursor-${page.records.length - 1}`);
  });
});
