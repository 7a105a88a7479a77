/**
 * `GET /records` and `PATCH /records/prune` input as Nango clients send it: `filter` in any case,
 * as a comma list or repeated; variants that cannot reach into another partition's key; the
 * prune body's defaults and bounds.
 */
import { describe, expect, it } from 'vitest';
import { PruneRecordsBody, RecordsQuery } from '../../../functions/api/routes/records.schemas.js';

const parse = (query: Record<string, string | string[]>) => RecordsQuery.safeParse({ model: 'Contact', ...query });

describe('GET /records filter', () => {
  it.each([
    ['added', ['added']],
    ['ADDED', ['added']],
    ['Updated', ['updated']],
    ['ADDED,updated', ['added', 'updated']],
    ['added, DELETED', ['added', 'deleted']],
  ])('reads %j', (filter, expected) => {
    expect(parse({ filter })).toMatchObject({ success: true, data: { filter: expected } });
  });

  it('reads a repeated parameter, each value a comma list', () => {
    expect(parse({ filter: ['ADDED', 'updated,Deleted'] })).toMatchObject({ success: true, data: { filter: ['added', 'updated', 'deleted'] } });
  });

  it.each(['removed', 'all', ',', 'added;deleted', 'add'])('refuses %j', (filter) => {
    expect(parse({ filter }).success).toBe(false);
  });
});

describe('variant', () => {
  it.each(['base', 'eu-west_2', 'A', 'x'.repeat(255)])('takes %j', (variant) => {
    expect(parse({ variant }).success).toBe(true);
    expect(PruneRecordsBody.safeParse({ model: 'Contact', until_cursor: 'c', variant }).success).toBe(true);
  });

  it.each(['', 'x'.repeat(256), 'a|b', 'a::b', 'eu west', '../x'])('refuses %j, which could name another partition or overflow its key', (variant) => {
    expect(parse({ variant }).success).toBe(false);
    expect(PruneRecordsBody.safeParse({ model: 'Contact', until_cursor: 'c', variant }).success).toBe(false);
  });
});

describe('PATCH /records/prune body', () => {
  it('defaults the limit to 1000 and bounds it to 1..10000', () => {
    expect(PruneRecordsBody.parse({ model: 'Contact', until_cursor: 'abc' })).toEqual({ model: 'Contact', until_cursor: 'abc', limit: 1_000 });
    expect(PruneRecordsBody.safeParse({ model: 'Contact', until_cursor: 'abc', limit: 10_000 }).success).toBe(true);
    for (const limit of [0, 10_001, 1.5, '10', null]) expect(PruneRecordsBody.safeParse({ model: 'Contact', until_cursor: 'abc', limit }).success).toBe(false);
  });

  it('requires model and until_cursor and refuses unknown fields', () => {
    expect(PruneRecordsBody.safeParse({ model: 'Contact' }).success).toBe(false);
    expect(PruneRecordsBody.safeParse({ until_cursor: 'abc' }).success).toBe(false);
    expect(PruneRecordsBody.safeParse({ model: 'Contact', until_cursor: '' }).success).toBe(false);
    expect(PruneRecordsBody.safeParse({ model: 'Contact', until_cursor: 'abc', cursor: 'abc' }).success).toBe(false);
  });
});
