/**
 * The conditional writes behind scripts' locks and the `ignore_if_modified_after` merging
 * strategy, against DynamoDB Local: one winner among racing owners, expiry and TTL, and a save
 * that leaves a record changed by someone else after the run started — also when that change
 * lands between the run's read and its write.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { stateKeys } from '../../functions/adapters/dynamodb/state/index.js';
import type { RecordInput, WriteContext } from '../../functions/engine/ports.js';
import { contentHash } from '../../functions/engine/records/content-hash.js';
import { type Contact, makeContacts, makeEngineKit, PROVIDER } from '../support/engine-kit.js';

const input = (payload: Record<string, unknown>): RecordInput => ({ id: String(payload['id']), payload, hash: contentHash(payload) });

describe('DynamoLockRepo', () => {
  it('lets exactly one of many racing owners take a key, and keeps the TTL attribute past the expiry', async () => {
    const kit = await makeEngineKit();
    const scope = { providerConfigKey: PROVIDER, connectionId: kit.connectionId };
    const now = kit.clock.now();

    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => kit.state.locks.tryAcquire(scope, 'export', `run-${i}`, now + 60_000, now)));

    expect(results.filter(Boolean)).toHaveLength(1);
    const { Item } = await kit.doc.send(new GetCommand({ TableName: kit.tables.state, Key: stateKeys.lock(scope, 'export'), ConsistentRead: true }));
    expect(Item).toMatchObject({ kind: 'LOCK', owner: `run-${results.indexOf(true)}`, expiresAt: now + 60_000, ttl: Math.ceil((now + 60_000) / 1000) + 60 });
  });

  it('is re-entrant for its owner, refused to others until it expires, and released only by its owner', async () => {
    const kit = await makeEngineKit();
    const locks = kit.state.locks;
    const scope = { providerConfigKey: PROVIDER, connectionId: kit.connectionId };
    const t0 = kit.clock.now();

    expect(await locks.tryAcquire(scope, 'k', 'run-a', t0 + 10_000, t0)).toBe(true);
    expect(await locks.tryAcquire(scope, 'k', 'run-a', t0 + 20_000, t0 + 5_000)).toBe(true); // extended to t0 + 20 s
    expect(await locks.tryAcquire(scope, 'k', 'run-b', t0 + 30_000, t0 + 19_999)).toBe(false);
    expect(await locks.release(scope, 'k', 'run-b', t0 + 19_999)).toBe(false);
    expect(await locks.tryAcquire(scope, 'k', 'run-b', t0 + 30_000, t0 + 20_000)).toBe(true); // expired: taken over
    expect(await locks.release(scope, 'k', 'run-a', t0 + 20_000)).toBe(false); // no longer its lock
    expect(await locks.release(scope, 'k', 'run-b', t0 + 20_000)).toBe(true);
    expect(await locks.release(scope, 'k', 'run-b', t0 + 20_000)).toBe(false);

    // An expired lock of the owner is removed, but reported as no longer held.
    expect(await locks.tryAcquire(scope, 'k', 'run-c', t0 + 1_000, t0)).toBe(true);
    expect(await locks.release(scope, 'k', 'run-c', t0 + 2_000)).toBe(false);
    expect(await locks.tryAcquire(scope, 'k', 'run-d', t0 + 3_000, t0)).toBe(true); // removed, not merely expired
  });

  it('releases all of an owner’s locks on one connection and nothing else', async () => {
    const kit = await makeEngineKit();
    const locks = kit.state.locks;
    const mine = { providerConfigKey: PROVIDER, connectionId: kit.connectionId };
    const other = { providerConfigKey: PROVIDER, connectionId: `${kit.connectionId}-other` };
    const now = kit.clock.now();
    for (const key of ['a', 'b', 'c']) await locks.tryAcquire(mine, key, 'run-a', now + 60_000, now);
    await locks.tryAcquire(mine, 'd', 'run-b', now + 60_000, now);
    await locks.tryAcquire(other, 'a', 'run-a', now + 60_000, now);

    expect(await locks.releaseAll(mine, 'run-a')).toBe(3);

    expect(await locks.tryAcquire(mine, 'a', 'run-z', now + 60_000, now)).toBe(true);
    expect(await locks.tryAcquire(mine, 'd', 'run-z', now + 60_000, now)).toBe(false);
    expect(await locks.tryAcquire(other, 'a', 'run-z', now + 60_000, now)).toBe(false);
  });
});

describe('DynamoRecordStore with ignore_if_modified_after', () => {
  /** Two records saved by an earlier run; the run under test starts after that. */
  async function setUp() {
    const kit = await makeEngineKit();
    const p = kit.partition('Contact');
    const [early, late] = makeContacts(2) as [Contact, Contact];
    await kit.records.saveBatch(p, [input(early), input(late)], { runId: 'previous', runStartedAt: kit.clock.now() });
    kit.clock.advance(5_000);
    const ctx: WriteContext = { runId: 'this-run', runStartedAt: kit.clock.now() };
    kit.clock.advance(1_000);
    return { kit, p, early, late, ctx };
  }

  it('leaves a record changed by someone else after the run started, and saves the others', async () => {
    const { kit, p, early, late, ctx } = await setUp();
    await kit.records.saveBatch(p, [input({ ...late, name: 'by the API' })], { runId: 'api', runStartedAt: kit.clock.now() });
    kit.clock.advance(1_000);

    const outcomes = await kit.records.saveBatch(p, [input({ ...early, name: 'run' }), input({ ...late, name: 'run' })], ctx, { merging: 'ignore_if_modified_after' });

    expect(outcomes).toEqual([
      { id: early.id, result: 'UPDATED' },
      { id: late.id, result: 'SKIPPED' },
    ]);
    const stored = await kit.records.getByIds(p, [early.id, late.id]);
    expect(stored.get(late.id)).toMatchObject({ version: 2, payload: { name: 'by the API' } });
    expect(stored.get(early.id)!.payload['name']).toBe('run');

    // Its own write does not block the run; override writes over anyone's.
    kit.clock.advance(1_000);
    expect(await kit.records.saveBatch(p, [input({ ...early, name: 'run again' })], ctx, { merging: 'ignore_if_modified_after' })).toEqual([{ id: early.id, result: 'UPDATED' }]);
    expect(await kit.records.saveBatch(p, [input({ ...late, name: 'run' })], ctx, { merging: 'override' })).toEqual([{ id: late.id, result: 'UPDATED' }]);
  });

  it('decides against the version it writes over: a change landing after the run read the partition is still left alone', async () => {
    const { kit, p, late, ctx } = await setUp();
    // A full refresh reads the partition once when its writer opens, then writes without reading
    // again the records the snapshot showed absent: their put is conditioned on there being none.
    const writer = await kit.records.openWriter(p, ctx, { snapshot: true });
    const [fresh] = makeContacts(1, 500) as [Contact];
    await kit.records.saveBatch(p, [input({ ...fresh, name: 'by the API' }), input({ ...late, name: 'by the API' })], { runId: 'api', runStartedAt: kit.clock.now() });
    kit.clock.advance(1_000);

    const outcomes = await writer.save([input({ ...fresh, name: 'run' }), input({ ...late, name: 'run' })], { merging: 'ignore_if_modified_after' });

    expect(outcomes).toEqual([
      { id: fresh.id, result: 'SKIPPED' },
      { id: late.id, result: 'SKIPPED' },
    ]);
    const stored = await kit.records.getByIds(p, [fresh.id, late.id]);
    expect([...stored.values()].map((r) => r.payload['name'])).toEqual(['by the API', 'by the API']);
  });
});

describe('a script using listRecords, setMergingStrategy and locks', () => {
  it('runs against DynamoDB: lists what it saved in the API shape, leaves an outside change, releases its lock', async () => {
    const kit = await makeEngineKit();
    const [a, b] = makeContacts(2) as [Contact, Contact];
    let listed: Record<string, unknown>[] = [];
    let secondRunGotLock: boolean | null = null;
    kit.source.exec = async (nango) => {
      expect(await nango.tryAcquireLock({ key: 'items-export', ttlMs: 60_000 })).toBe(true);
      await nango.setMergingStrategy({ strategy: 'ignore_if_modified_after' }, 'Item');
      await nango.batchSave([a, b], 'Item');
      listed = [];
      for await (const record of nango.listRecords('Item')) listed.push(record as Record<string, unknown>);
      // An outside writer changes b after the run started; the run's later save leaves it.
      await kit.records.saveBatch(kit.partition('Item'), [input({ ...b, name: 'by the API' })], { runId: 'api', runStartedAt: kit.clock.now() });
      kit.clock.advance(1_000);
      await nango.batchSave([{ ...b, name: 'stale copy' }], 'Item');
      secondRunGotLock = await kit.state.locks.tryAcquire({ providerConfigKey: PROVIDER, connectionId: kit.connectionId }, 'items-export', 'another-run', kit.clock.now() + 1_000, kit.clock.now());
    };

    const outcome = await kit.run('scripted');

    expect(outcome).toMatchObject({ kind: 'FINISHED', run: { status: 'SUCCESS' } });
    expect(listed.map((r) => r['id'])).toEqual([a.id, b.id]);
    expect(listed[0]).toEqual({ ...a, _nango_metadata: expect.objectContaining({ last_action: 'ADDED', deleted_at: null, cursor: expect.any(String) }) });
    expect((await kit.records.getByIds(kit.partition('Item'), [b.id])).get(b.id)!.payload['name']).toBe('by the API');
    expect(secondRunGotLock).toBe(false);
    const scope = { providerConfigKey: PROVIDER, connectionId: kit.connectionId };
    expect(await kit.state.locks.tryAcquire(scope, 'items-export', 'after-the-run', kit.clock.now() + 1_000, kit.clock.now())).toBe(true);
  });
});
