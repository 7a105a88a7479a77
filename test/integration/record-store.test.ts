import { describe, expect, it } from 'vitest';
import { contentHash } from '../../functions/engine/records/content-hash.js';
import type { RecordInput } from '../../functions/engine/ports.js';
import { makeContacts, makeEngineKit } from '../support/engine-kit.js';

const toInput = (payload: Record<string, unknown>): RecordInput => ({ id: String(payload['id']), payload, hash: contentHash(payload) });
const ctx = (runId: string) => ({ runId, runStartedAt: Date.now() });
const tally = (outcomes: { result: string }[]) => {
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[o.result] = (counts[o.result] ?? 0) + 1;
  return counts;
};

describe('DynamoRecordStore', () => {
  it('writes nothing for unchanged records, bumps versions of changed ones and lists them last', async () => {
    const kit = await makeEngineKit();
    const p = kit.partition('Contact');
    const contacts = makeContacts(1_000);
    const saveAll = async (items: Record<string, unknown>[], runId: string) => {
      const outcomes = [];
      for (let i = 0; i < items.length; i += 100) outcomes.push(...(await kit.records.saveBatch(p, items.slice(i, i + 100).map(toInput), ctx(runId))));
      return tally(outcomes);
    };

    expect(await saveAll(contacts, 'r1')).toEqual({ ADDED: 1_000 });

    kit.capacity.length = 0;
    expect(await saveAll(contacts, 'r2')).toEqual({ UNCHANGED: 1_000 });
    const writes = kit.capacity.filter((c) => c.operation !== 'BatchGetItem');
    expect(writes).toEqual([]);
    const reads = kit.capacity.reduce((sum, c) => sum + c.units, 0);
    expect(reads).toBeLessThanOrEqual(1_000 * 0.5);

    // The same records with their keys in another order are unchanged too.
    const reordered = contacts.map((c) => Object.fromEntries(Object.entries(c).reverse()));
    expect(await saveAll(reordered, 'r3')).toEqual({ UNCHANGED: 1_000 });

    const changed = contacts.slice(0, 10).map((c) => ({ ...c, name: `${c.name} (renamed)` }));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await saveAll(changed, 'r4')).toEqual({ UPDATED: 10 });

    const all = await kit.listAll('Contact');
    expect(all).toHaveLength(1_000);
    const lastTen = all.slice(-10);
    expect(lastTen.map((r) => r.id).sort()).toEqual(changed.map((c) => c.id).sort());
    expect(lastTen.every((r) => r.version === 2 && r.lastAction === 'UPDATED')).toBe(true);
    expect(all.slice(0, -10).every((r) => r.version === 1 && r.lastAction === 'ADDED')).toBe(true);
    expect(lastTen[0]!.payload['name']).toMatch(/renamed/);
  });

  it('rejects a record too large for DynamoDB, saving the rest of its batch', async () => {
    const kit = await makeEngineKit();
    const p = kit.partition('Contact');
    const [small, large] = makeContacts(2);
    // Random text does not compress: 500 KB stays over the 400 KB item limit.
    const noise = Array.from({ length: 500_000 }, () => String.fromCharCode(33 + Math.floor(Math.random() * 90))).join('');
    const outcomes = await kit.records.saveBatch(p, [toInput(small!), toInput({ ...large!, bio: noise })], ctx('r1'));
    expect(outcomes[0]).toEqual({ id: small!.id, result: 'ADDED' });
    expect(outcomes[1]).toMatchObject({ id: large!.id, result: 'REJECTED', reason: expect.stringMatching(/400 KB/) });
    expect((await kit.records.getByIds(p, [small!.id, large!.id])).size).toBe(1);
  });

  it('stores a compressible 1 KB record in one write unit per copy', async () => {
    const kit = await makeEngineKit();
    const p = kit.partition('Contact');
    const [contact] = makeContacts(1);
    const payload = { ...contact!, bio: 'Enjoys long walks, data pipelines and well-kept APIs. '.repeat(18) };
    expect(JSON.stringify(payload).length).toBeGreaterThan(1_000);
    kit.capacity.length = 0;
    await kit.records.saveBatch(p, [toInput(payload)], ctx('r1'));
    const put = kit.capacity.filter((c) => c.operation === 'PutItem').reduce((sum, c) => sum + c.units, 0);
    expect(put).toBe(2); // table + byCursor index, one unit each
  });

  it('never loses an update between concurrent writers', async () => {
    const kit = await makeEngineKit();
    const p = kit.partition('Contact');
    const [base] = makeContacts(1);
    await kit.records.saveBatch(p, [toInput(base!)], ctx('r0'));
    // 10 writers race to change the same record to 10 different contents.
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => kit.records.saveBatch(p, [toInput({ ...base!, name: `writer ${i}` })], ctx(`w${i}`))));
    expect(results.flat().every((o) => o.result === 'UPDATED')).toBe(true);
    const stored = (await kit.records.getByIds(p, [base!.id])).get(base!.id)!;
    expect(stored.version).toBe(11); // every write landed on top of the one before
  });

  it('soft-deletes, reports deleted_at, and counts a re-saved deleted record as added', async () => {
    const kit = await makeEngineKit();
    const p = kit.partition('Contact');
    const contacts = makeContacts(3);
    await kit.records.saveBatch(p, contacts.map(toInput), ctx('r1'));
    const deleted = await kit.records.deleteBatch(p, [contacts[0]!.id, 'unknown-id'], ctx('r2'));
    expect(deleted).toEqual([
      { id: contacts[0]!.id, result: 'DELETED' },
      { id: 'unknown-id', result: 'UNCHANGED' },
    ]);
    const stored = (await kit.records.getByIds(p, [contacts[0]!.id])).get(contacts[0]!.id)!;
    expect(stored.lastAction).toBe('DELETED');
    expect(stored.deletedAt).toEqual(expect.any(Number));
    const again = await kit.records.saveBatch(p, [toInput(contacts[0]!)], ctx('r3'));
    expect(again).toEqual([{ id: contacts[0]!.id, result: 'ADDED' }]);
  });

  it('filters by action, modification time and ids, and refuses a forged cursor', async () => {
    const kit = await makeEngineKit();
    const p = kit.partition('Contact');
    const contacts = makeContacts(5);
    await kit.records.saveBatch(p, contacts.map(toInput), ctx('r1'));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const marker = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await kit.records.saveBatch(p, [toInput({ ...contacts[1]!, name: 'changed' })], ctx('r2'));
    await kit.records.deleteBatch(p, [contacts[2]!.id], ctx('r2'));

    const deleted = await kit.records.list(p, { limit: 100, filter: ['deleted'] });
    expect(deleted.records.map((r) => r.id)).toEqual([contacts[2]!.id]);
    const since = await kit.records.list(p, { limit: 100, modifiedAfter: marker });
    expect(since.records.map((r) => r.id)).toEqual([contacts[1]!.id, contacts[2]!.id]);
    const byIds = await kit.records.list(p, { limit: 100, ids: [contacts[4]!.id, contacts[0]!.id, 'missing'] });
    expect(byIds.records.map((r) => r.id).sort()).toEqual([contacts[0]!.id, contacts[4]!.id]);
    const paged = await kit.records.list(p, { limit: 2 });
    expect(paged.records).toHaveLength(2);
    expect(paged.nextCursor).not.toBeNull();
    await expect(kit.records.list(p, { limit: 2, cursor: 'not a cursor!' })).rejects.toThrow(/cursor is not valid/);
  });
});
