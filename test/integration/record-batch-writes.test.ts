/**
 * Known-new records in unconditional BatchWriteItem calls (a snapshot writer with a fence), on
 * DynamoDB Local: the same items and outcomes as conditional puts, a quarter of the calls, the
 * lease confirmed before each batch, conditional puts whenever the fence cannot vouch.
 */
import { BatchWriteCommand, type BatchWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoRecordStore } from '../../functions/adapters/dynamodb/record-store.js';
import { LeaseLostError } from '../../functions/engine/errors.js';
import type { RecordInput, WriteFence } from '../../functions/engine/ports.js';
import { contentHash } from '../../functions/engine/records/content-hash.js';
import { useDynamo } from '../support/dynamo.js';
import { makeContacts, TestClock } from '../support/engine-kit.js';

const dynamo = useDynamo();
const toInput = (payload: Record<string, unknown>): RecordInput => ({ id: String(payload['id']), payload, hash: contentHash(payload) });
const ctx = { runId: 'initial', runStartedAt: Date.now() };
const partition = { providerConfigKey: 'crm', connectionId: 'c1', model: 'Contact' };
const tally = (outcomes: { result: string }[]) => {
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[o.result] = (counts[o.result] ?? 0) + 1;
  return counts;
};

/**
 * A store on fresh tables whose client counts its calls by command, and can hand back the
 * last `unprocessed` requests of a BatchWriteItem unwritten, as DynamoDB does when throttled.
 */
async function setUp(options: { unprocessedOnce?: number; hangBatches?: boolean } = {}) {
  const tables = await dynamo.freshTables();
  const calls: string[] = [];
  let unprocessedLeft = options.unprocessedOnce ?? 0;
  const doc = Object.create(dynamo.doc) as typeof dynamo.doc;
  doc.send = (async (command: { constructor: { name: string }; input: { RequestItems?: Record<string, unknown[]> } }, sendOptions?: { abortSignal?: AbortSignal }) => {
    calls.push(command.constructor.name);
    const requests = command.input.RequestItems?.[tables.records];
    if (command.constructor.name === 'BatchWriteCommand' && options.hangBatches) {
      // A call that never answers (a network stall, the SDK retrying a throttled call): only the abort ends it.
      await new Promise((_, reject) => sendOptions?.abortSignal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))));
    }
    if (command.constructor.name === 'BatchWriteCommand' && requests && unprocessedLeft > 0) {
      const held = requests.slice(-unprocessedLeft);
      unprocessedLeft = 0;
      const sent = await dynamo.doc.send(new BatchWriteCommand({ ...command.input, RequestItems: { [tables.records]: requests.slice(0, -held.length) } } as BatchWriteCommandInput));
      return { ...sent, UnprocessedItems: { [tables.records]: held } };
    }
    return dynamo.doc.send(command as never);
  }) as never;
  const clock = new TestClock();
  const store = new DynamoRecordStore({ doc, tableName: tables.records, clock, sleep: async () => undefined });
  return { store, calls, clock };
}

const count = (calls: string[], name: string) => calls.filter((c) => c === name).length;

describe('known-new records in batches', () => {
  it('writes new records 25 to a call, as version 1 added by the run, confirming the lease before each save', async () => {
    const { store, calls } = await setUp();
    let confirmations = 0;
    const writer = await store.openWriter(partition, ctx, { snapshot: true, fence: { confirm: async () => void confirmations++ } });
    const contacts = makeContacts(250).map(toInput);
    expect(tally(await writer.save(contacts.slice(0, 100)))).toEqual({ ADDED: 100 });
    expect(tally(await writer.save(contacts.slice(100)))).toEqual({ ADDED: 150 });

    expect(confirmations).toBe(2);
    expect(count(calls, 'BatchWriteCommand')).toBe(4 + 6);
    expect(count(calls, 'PutCommand')).toBe(0);
    expect(count(calls, 'BatchGetCommand')).toBe(0); // no read before a known-new write
    const stored = await store.getByIds(
      partition,
      contacts.map((c) => c.id),
    );
    expect(stored.size).toBe(250);
    expect([...stored.values()].every((r) => r.version === 1 && r.lastAction === 'ADDED')).toBe(true);
    expect(stored.get(contacts[7]!.id)!.payload).toEqual(contacts[7]!.payload);
    expect(await store.countRunChanges(partition, ctx)).toEqual({ added: 250, updated: 0, deleted: 0 });
  });

  it('reads and conditionally writes an id it already wrote in an earlier batch, as the conditional path would', async () => {
    const { store, calls } = await setUp();
    const writer = await store.openWriter(partition, ctx, { snapshot: true, fence: { confirm: async () => undefined } });
    const [first, second] = makeContacts(2);
    await writer.save([toInput(first!)]);
    calls.length = 0;
    const changed = toInput({ ...first!, name: 'renamed' });
    expect(await writer.save([changed, toInput(second!)])).toEqual([
      { id: changed.id, result: 'UPDATED' },
      { id: String(second!['id']), result: 'ADDED' },
    ]);
    expect(count(calls, 'PutCommand')).toBe(1); // the re-saved id, conditioned on version 1
    expect(count(calls, 'BatchWriteCommand')).toBe(1);
    const stored = await store.getByIds(partition, [changed.id]);
    expect(stored.get(changed.id)).toMatchObject({ version: 2, lastAction: 'ADDED', payload: changed.payload });
  });

  it('writes nothing when the fence says the lease is gone, and the LeaseLostError reaches the run', async () => {
    const { store, calls } = await setUp();
    const fence: WriteFence = {
      confirm: async () => {
        throw new LeaseLostError('cancelled');
      },
    };
    const writer = await store.openWriter(partition, ctx, { snapshot: true, fence });
    await expect(writer.save(makeContacts(30).map(toInput))).rejects.toBeInstanceOf(LeaseLostError);
    expect(count(calls, 'BatchWriteCommand')).toBe(0);
    expect(count(calls, 'PutCommand')).toBe(0);
  });

  it('settles the conditional writes of a save whose fence fails, and rejects with the LeaseLostError alone', async () => {
    const { store } = await setUp();
    let lost = false;
    const fence: WriteFence = {
      confirm: async () => {
        if (lost) throw new LeaseLostError('cancelled');
      },
    };
    const writer = await store.openWriter(partition, ctx, { snapshot: true, fence });
    const [first, second] = makeContacts(2);
    await writer.save([toInput(first!)]);
    lost = true;
    // The re-saved id is read first (a network round trip) while the fence fails at once.
    await expect(writer.save([toInput({ ...first!, name: 'renamed' }), toInput(second!)])).rejects.toBeInstanceOf(LeaseLostError);
    expect((await store.getByIds(partition, [String(second!['id'])])).size).toBe(0);
  });

  it('falls back to conditional puts when a batch cannot go out within the window after the confirmation', async () => {
    const { store, calls, clock } = await setUp();
    const slowFence: WriteFence = { confirm: async () => clock.advance(5_000) }; // the confirmation itself took too long
    const writer = await store.openWriter(partition, ctx, { snapshot: true, fence: slowFence });
    expect(tally(await writer.save(makeContacts(30).map(toInput)))).toEqual({ ADDED: 30 });
    expect(count(calls, 'BatchWriteCommand')).toBe(0);
    expect(count(calls, 'PutCommand')).toBe(30);
  });

  it('aborts a batch call still running when the window ends, and puts its records conditionally', async () => {
    const { store, calls } = await setUp({ hangBatches: true });
    const writer = await store.openWriter(partition, ctx, { snapshot: true, fence: { confirm: async () => undefined } });
    const contacts = makeContacts(30).map(toInput);
    expect(tally(await writer.save(contacts))).toEqual({ ADDED: 30 });
    expect(count(calls, 'BatchWriteCommand')).toBe(2);
    expect(count(calls, 'PutCommand')).toBe(30);
    expect(
      (
        await store.getByIds(
          partition,
          contacts.map((c) => c.id),
        )
      ).size,
    ).toBe(30);
  });

  it('retries the requests DynamoDB hands back unprocessed, and rejects an oversized record alone', async () => {
    const { store, calls } = await setUp({ unprocessedOnce: 7 });
    const writer = await store.openWriter(partition, ctx, { snapshot: true, fence: { confirm: async () => undefined } });
    const contacts = makeContacts(25).map(toInput);
    const huge = { id: 'huge', about: Array.from({ length: 120_000 }, (_, i) => `${i.toString(36)}${Math.random().toString(36).slice(2, 8)}`).join(' ') };
    const outcomes = await writer.save([...contacts, toInput(huge)]);
    expect(tally(outcomes)).toEqual({ ADDED: 25, REJECTED: 1 });
    expect(outcomes.find((o) => o.id === 'huge')).toMatchObject({ result: 'REJECTED', reason: expect.stringMatching(/400 KB/) });
    expect(count(calls, 'BatchWriteCommand')).toBe(2);
    expect(
      (
        await store.getByIds(
          partition,
          contacts.map((c) => c.id),
        )
      ).size,
    ).toBe(25);
  });

  it('keeps every write conditional without a fence', async () => {
    const { store, calls } = await setUp();
    const writer = await store.openWriter(partition, ctx, { snapshot: true });
    expect(tally(await writer.save(makeContacts(30).map(toInput)))).toEqual({ ADDED: 30 });
    expect(count(calls, 'BatchWriteCommand')).toBe(0);
    expect(count(calls, 'PutCommand')).toBe(30);
  });
});
