/**
 * Pruning on DynamoDB Local: payloads emptied oldest first up to a cursor, in bounded calls;
 * cursors and order untouched; a later save restores a pruned record (silently when unchanged,
 * as an update when changed), through the read path and through a partition snapshot; and a
 * sync writing while a prune runs keeps its version.
 */
import { describe, expect, it } from 'vitest';
import { InvalidCursorError } from '../../functions/engine/errors.js';
import type { RecordInput } from '../../functions/engine/ports.js';
import { contentHash } from '../../functions/engine/records/content-hash.js';
import { makeContacts, makeEngineKit } from '../support/engine-kit.js';

const toInput = (payload: Record<string, unknown>): RecordInput => ({ id: String(payload['id']), payload, hash: contentHash(payload) });
const ctx = (runId: string, runStartedAt = Date.now()) => ({ runId, runStartedAt });

async function seeded(count: number) {
  const kit = await makeEngineKit();
  const p = kit.partition('Contact');
  const contacts = makeContacts(count);
  for (let i = 0; i < contacts.length; i += 100) await kit.records.saveBatch(p, contacts.slice(i, i + 100).map(toInput), ctx('seed'));
  kit.clock.advance(10);
  return { kit, p, contacts, listed: await kit.listAll('Contact') };
}

describe('DynamoRecordStore.prune', () => {
  it('empties payloads up to and including the cursor, oldest first, limit at a time, keeping cursors and order', async () => {
    const { kit, p, listed } = await seeded(120);
    const until = listed[99]!;

    expect(await kit.records.prune(p, { untilCursor: until.cursor, limit: 40 })).toEqual({ count: 40, hasMore: true });
    expect(await kit.records.prune(p, { untilCursor: until.cursor, limit: 40 })).toEqual({ count: 40, hasMore: true });
    expect(await kit.records.prune(p, { untilCursor: until.cursor, limit: 40 })).toEqual({ count: 20, hasMore: false });
    expect(await kit.records.prune(p, { untilCursor: until.cursor, limit: 40 })).toEqual({ count: 0, hasMore: false });

    const after = await kit.listAll('Contact');
    expect(after.map((r) => [r.id, r.cursor, r.lastModifiedAt, r.lastAction])).toEqual(listed.map((r) => [r.id, r.cursor, r.lastModifiedAt, r.lastAction]));
    for (const [i, record] of after.entries()) {
      if (i <= 99) {
        expect(record.payload).toEqual({ id: record.id });
        expect(record.prunedAt).toEqual(expect.any(Number));
        expect(record.version).toBe(listed[i]!.version + 1);
      } else {
        expect(record.payload).toEqual(listed[i]!.payload);
        expect(record.prunedAt).toBeNull();
      }
    }
  });

  it('prunes exactly to the cursor when the limit is met there, and deleted records too', async () => {
    const { kit, p, listed } = await seeded(10);
    await kit.records.deleteBatch(p, [listed[0]!.id], ctx('deleting'));
    const order = await kit.listAll('Contact');
    const deleted = order.at(-1)!;
    expect(deleted).toMatchObject({ id: listed[0]!.id, lastAction: 'DELETED' });

    expect(await kit.records.prune(p, { untilCursor: deleted.cursor, limit: 10 })).toEqual({ count: 10, hasMore: false });
    const [stored] = (await kit.records.getByIds(p, [deleted.id])).values();
    expect(stored).toMatchObject({ payload: { id: deleted.id }, lastAction: 'DELETED', deletedAt: deleted.deletedAt, cursor: deleted.cursor });
    expect(stored!.prunedAt).not.toBeNull();
  });

  it('restores a pruned record on its next save: unchanged content silently, changed content as an update', async () => {
    const { kit, p, listed, contacts } = await seeded(5);
    await kit.records.prune(p, { untilCursor: listed.at(-1)!.cursor, limit: 100 });
    const byId = new Map(contacts.map((c) => [String(c.id), c]));
    const [same, changed] = [listed[0]!, listed[1]!];

    const startedAt = kit.clock.now();
    const outcomes = await kit.records.saveBatch(p, [toInput(byId.get(same.id)!), toInput({ ...byId.get(changed.id)!, name: 'renamed' })], ctx('restore', startedAt));
    expect(outcomes).toEqual([
      { id: same.id, result: 'UNCHANGED' },
      { id: changed.id, result: 'UPDATED' },
    ]);
    const stored = await kit.records.getByIds(p, [same.id, changed.id]);
    expect(stored.get(same.id)).toMatchObject({ payload: byId.get(same.id), prunedAt: null, cursor: same.cursor, lastAction: 'ADDED', version: same.version + 2 });
    expect(stored.get(changed.id)).toMatchObject({ payload: { name: 'renamed' }, prunedAt: null, lastAction: 'UPDATED' });
    expect(stored.get(changed.id)!.cursor).not.toBe(changed.cursor);
    // The silent restore is no change of the run: webhooks report the update alone.
    expect(await kit.records.countRunChanges(p, ctx('restore', startedAt))).toEqual({ added: 0, updated: 1, deleted: 0 });
    // Saved again, the restored record is an ordinary unchanged one: no write.
    kit.capacity.length = 0;
    expect(await kit.records.saveBatch(p, [toInput(byId.get(same.id)!)], ctx('again'))).toEqual([{ id: same.id, result: 'UNCHANGED' }]);
    expect(kit.capacity.filter((c) => c.operation !== 'BatchGetItem')).toEqual([]);
  });

  it('restores through a partition snapshot, which otherwise vouches for unchanged records without a read', async () => {
    const { kit, p, listed, contacts } = await seeded(20);
    await kit.records.prune(p, { untilCursor: listed[4]!.cursor, limit: 100 });
    const writer = await kit.records.openWriter(p, ctx('full-refresh'), { snapshot: true });
    const outcomes = await writer.save(contacts.map(toInput));
    expect(outcomes.every((o) => o.result === 'UNCHANGED')).toBe(true);
    const after = await kit.listAll('Contact');
    expect(after.every((r) => r.prunedAt === null)).toBe(true);
    expect(after.map((r) => [r.id, r.cursor])).toEqual(listed.map((r) => [r.id, r.cursor]));
    expect(after.map((r) => r.payload)).toEqual(listed.map((r) => r.payload));
  });

  it('leaves a record a sync rewrites during the prune with the sync’s version', async () => {
    for (let round = 0; round < 3; round++) {
      const { kit, p, listed, contacts } = await seeded(200);
      const renamed = contacts.filter((_, i) => i % 3 === round).map((c) => ({ ...c, name: `${c.name} v2` }));
      const [result] = await Promise.all([
        kit.records.prune(p, { untilCursor: listed.at(-1)!.cursor, limit: 10_000 }),
        (async () => {
          for (let i = 0; i < renamed.length; i += 25) await kit.records.saveBatch(p, renamed.slice(i, i + 25).map(toInput), ctx(`sync-${round}`));
        })(),
      ]);
      const stored = await kit.records.getByIds(
        p,
        renamed.map((c) => String(c.id)),
      );
      for (const contact of renamed) {
        const record = stored.get(String(contact.id))!;
        // Either the sync wrote after the prune (payload back, unpruned) — never a pruned new version.
        expect(record.prunedAt).toBeNull();
        expect(record.payload).toEqual(contact);
      }
      expect(result.count).toBeLessThanOrEqual(200);
      expect(result.hasMore).toBe(false);
    }
  });

  it('races restores of pruned records without tearing one: pruned with {id} or whole and unpruned', async () => {
    const { kit, p, listed, contacts } = await seeded(150);
    await kit.records.prune(p, { untilCursor: listed.at(-1)!.cursor, limit: 10_000 });
    // Prune again while a full refresh restores: each record ends in one state or the other.
    const ids = contacts.map((c) => String(c.id));
    const restore = async () => {
      for (let i = 0; i < contacts.length; i += 30) await kit.records.saveBatch(p, contacts.slice(i, i + 30).map(toInput), ctx('restore'));
    };
    await Promise.all([restore(), kit.records.prune(p, { untilCursor: listed.at(-1)!.cursor, limit: 10_000 })]);
    const stored = await kit.records.getByIds(p, ids);
    const byId = new Map(contacts.map((c) => [String(c.id), c]));
    for (const id of ids) {
      const record = stored.get(id)!;
      expect(record.prunedAt === null ? record.payload : { pruned: record.payload }, id).toEqual(record.prunedAt === null ? byId.get(id) : { pruned: { id } });
      expect(record.cursor).toBe(listed.find((r) => r.id === id)!.cursor);
    }
  });

  it('refuses a cursor it never issued, and keeps variants apart', async () => {
    const { kit, p, listed } = await seeded(3);
    await expect(kit.records.prune(p, { untilCursor: 'not a cursor', limit: 10 })).rejects.toBeInstanceOf(InvalidCursorError);
    const variant = { ...p, variant: 'eu' };
    await kit.records.saveBatch(variant, [toInput({ id: 'v1', name: 'in the variant' })], ctx('variant'));
    expect(await kit.records.prune(variant, { untilCursor: listed.at(-1)!.cursor, limit: 10 })).toEqual({ count: 0, hasMore: false });
    kit.clock.advance(10);
    const [inVariant] = (await kit.records.list(variant, { limit: 10 })).records;
    expect(await kit.records.prune(variant, { untilCursor: inVariant!.cursor, limit: 10 })).toEqual({ count: 1, hasMore: false });
    expect((await kit.listAll('Contact')).every((r) => r.prunedAt === null)).toBe(true);
  });
});
