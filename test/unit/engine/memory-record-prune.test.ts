/**
 * The in-memory record store prunes as the DynamoDB one does (test/integration/record-prune.test.ts),
 * so runner tests built on it see pruned records and their restore the same way.
 */
import { describe, expect, it } from 'vitest';
import { InvalidCursorError } from '../../../functions/engine/errors.js';
import type { RecordInput, RecordPartition } from '../../../functions/engine/ports.js';
import { contentHash } from '../../../functions/engine/records/content-hash.js';
import { toNangoRecord } from '../../../functions/engine/records/nango-record.js';
import { MemoryRecordStore } from '../../support/memory-record-store.js';

const p: RecordPartition = { providerConfigKey: 'crm', connectionId: 'acme', model: 'Contact' };
const input = (id: string, name = `Contact ${id}`): RecordInput => {
  const payload = { id, name };
  return { id, payload, hash: contentHash(payload) };
};
const ctx = (runId: string, runStartedAt = 0) => ({ runId, runStartedAt });

async function seeded(count: number) {
  let now = 1_000;
  const store = new MemoryRecordStore(() => now++);
  await store.saveBatch(
    p,
    Array.from({ length: count }, (_, i) => input(`r${i}`)),
    ctx('seed'),
  );
  const { records } = await store.list(p, { limit: 1_000 });
  return { store, listed: records };
}

describe('MemoryRecordStore.prune', () => {
  it('prunes oldest first up to and including the cursor, limit at a time, and lists pruned records as {id, _nango_metadata}', async () => {
    const { store, listed } = await seeded(10);
    const until = listed[6]!.cursor;
    expect(await store.prune(p, { untilCursor: until, limit: 3 })).toEqual({ count: 3, hasMore: true });
    expect(await store.prune(p, { untilCursor: until, limit: 3 })).toEqual({ count: 3, hasMore: true });
    expect(await store.prune(p, { untilCursor: until, limit: 3 })).toEqual({ count: 1, hasMore: false });
    expect(await store.prune(p, { untilCursor: until, limit: 3 })).toEqual({ count: 0, hasMore: false });

    const { records } = await store.list(p, { limit: 1_000 });
    expect(records.map((r) => r.cursor)).toEqual(listed.map((r) => r.cursor));
    expect(records.map((r) => r.prunedAt !== null)).toEqual([true, true, true, true, true, true, true, false, false, false]);
    const pruned = toNangoRecord(records[0]!);
    expect(Object.keys(pruned)).toEqual(['id', '_nango_metadata']);
    expect(pruned._nango_metadata).toMatchObject({ last_action: 'ADDED', deleted_at: null, pruned_at: expect.stringMatching(/Z$/), cursor: listed[0]!.cursor });
    expect(toNangoRecord(records[9]!)).toMatchObject({ name: 'Contact r9', _nango_metadata: { pruned_at: null } });
  });

  it('restores a pruned record saved again: unchanged content keeps its place and is no change; changed content is UPDATED', async () => {
    const { store, listed } = await seeded(3);
    await store.prune(p, { untilCursor: listed[2]!.cursor, limit: 10 });
    const outcomes = await store.saveBatch(p, [input('r0'), input('r1', 'renamed'), input('r2')], ctx('next', 2_000));
    expect(outcomes.map((o) => o.result)).toEqual(['UNCHANGED', 'UPDATED', 'UNCHANGED']);
    const stored = await store.getByIds(p, ['r0', 'r1']);
    expect(stored.get('r0')).toMatchObject({ payload: { id: 'r0', name: 'Contact r0' }, prunedAt: null, cursor: listed[0]!.cursor, lastAction: 'ADDED' });
    expect(stored.get('r1')).toMatchObject({ payload: { name: 'renamed' }, prunedAt: null, lastAction: 'UPDATED' });
    expect(await store.countRunChanges(p, ctx('next', 2_000))).toEqual({ added: 0, updated: 1, deleted: 0 });
  });

  it('refuses a cursor it never issued', async () => {
    const { store } = await seeded(1);
    await expect(store.prune(p, { untilCursor: 'bogus', limit: 1 })).rejects.toBeInstanceOf(InvalidCursorError);
  });
});
