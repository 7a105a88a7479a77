/**
 * `GET /records` over real HTTP on 127.0.0.1 against DynamoDB Local, at volume: 10,000 records of
 * `Contact` paged with `limit` and `next_cursor` until null (every id exactly once, ascending, no
 * gap), then the same reader following cursors while a "sync" holds the lease and writes — new
 * records, updates and deletes, some of them landing late — must end with the store's truth:
 * no missed change.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { makeDynamoClients } from '../../functions/adapters/dynamodb/client.js';
import { DynamoRecordStore } from '../../functions/adapters/dynamodb/record-store.js';
import type { Lease, RecordInput } from '../../functions/engine/ports.js';
import { contentHash } from '../../functions/engine/records/content-hash.js';
import { SANDBOX_KEY, startApiKit, VISIBILITY_LAG_MS, type ApiKit } from '../support/api-kit.js';

const PCK = 'demo-crm';
const CONN = 'acme';
const MODEL = 'Contact';
const SYNC = 'contacts';
const TOTAL = 10_000;
const partition = { providerConfigKey: PCK, connectionId: CONN, model: MODEL };
const recordHeaders = { 'Connection-Id': CONN, 'Provider-Config-Key': PCK };

let kit: ApiKit;
/** One reader for the whole file: it pages through the 10,000, then follows the changes. */
let reader: Reader;
const initialIds = Array.from({ length: TOTAL }, (_, i) => `p-${String(i).padStart(5, '0')}`);

const contact = (id: string, rev: number): RecordInput => {
  const payload = { id, first_name: `First ${id}`, last_name: 'Paging', email: `${id}@example.com`, rev };
  return { id, payload, hash: contentHash(payload) };
};

/** The opaque cursor's order: it is the index sort key (modification time, then id), base64url. */
const cursorKey = (cursor: string) => Buffer.from(cursor, 'base64url').toString('utf8');

interface Seen {
  cursor: string;
  rev: number;
  action: string;
  lastModifiedAt: string;
}

/** A Nango-style reader: follows next_cursor; at the end keeps the last record's cursor and polls on. */
class Reader {
  readonly view = new Map<string, Seen>();
  cursor: string | null = null;
  pages = 0;
  records = 0;
  private previousKey = '';
  private previousModified = '';
  readonly orderErrors: string[] = [];

  constructor(private readonly limits: number[]) {}

  /** One request; true when the answer says there is more right now. */
  async page(): Promise<boolean> {
    const limit = this.limits[this.pages % this.limits.length]!;
    const answer = await kit.call('GET', '/records', { headers: recordHeaders, query: { model: MODEL, limit, ...(this.cursor ? { cursor: this.cursor } : {}) } });
    expect(answer.status, answer.text.slice(0, 300)).toBe(200);
    this.pages++;
    const { records, next_cursor: next } = answer.body as { records: any[]; next_cursor: string | null };
    if (next !== null) expect(records).toHaveLength(limit);
    for (const record of records) {
      const meta = record._nango_metadata;
      const key = cursorKey(meta.cursor);
      if (key <= this.previousKey) this.orderErrors.push(`${record.id}: cursor ${key} after ${this.previousKey}`);
      if (meta.last_modified_at < this.previousModified) this.orderErrors.push(`${record.id}: ${meta.last_modified_at} after ${this.previousModified}`);
      this.previousKey = key;
      this.previousModified = meta.last_modified_at;
      const known = this.view.get(record.id);
      // Latest version per id, by cursor order (a later cursor is a later version).
      if (!known || cursorKey(known.cursor) < key) {
        this.view.set(record.id, { cursor: meta.cursor, rev: record.rev, action: meta.last_action, lastModifiedAt: meta.last_modified_at });
      }
    }
    this.records += records.length;
    // Where to go on from: next_cursor, or the last record's cursor once at the end (as Nango's docs advise).
    if (next !== null) this.cursor = next;
    else if (records.length > 0) this.cursor = records[records.length - 1]._nango_metadata.cursor;
    return next !== null;
  }

  async untilEnd(): Promise<void> {
    while (await this.page());
  }
}

/** A record store whose writes land late at random: 3% of them up to 700 ms after their timestamp. */
function slowWriter() {
  const { doc } = makeDynamoClients({ endpoint: inject('dynamoEndpoint') });
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'PutItemCommand' || context.commandName === 'UpdateItemCommand') {
        const delay = Math.random() < 0.03 ? 100 + Math.random() * 600 : Math.random() * 3;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
      return next(args);
    },
    { step: 'initialize', name: 'randomLanding' },
  );
  // Re-stamps a write that took over 400 ms: the API's lag (1 s) is at least twice that.
  const store = new DynamoRecordStore({ doc, tableName: kit.tables.records, clock: kit.clock, maxWriteSkewMs: 400, writeConcurrency: 25 });
  return { store, close: () => doc.destroy() };
}

beforeAll(async () => {
  kit = await startApiKit({ initialContacts: 1 });
  const created = await kit.call('POST', '/connections', {
    body: { provider_config_key: PCK, connection_id: CONN, credentials: { type: 'API_KEY', apiKey: SANDBOX_KEY }, connection_config: { baseUrl: kit.sandbox.url } },
  });
  expect(created.status).toBe(201);
  // The auto-started syncs stay queued (never drained): this file's records come from the test only.
}, 60_000);
afterAll(() => kit?.stop());

describe('GET /records at 10,000 records', () => {
  it('pages through every record exactly once, ascending, without a gap', async () => {
    const writeStarted = Date.now();
    const batches: string[][] = [];
    for (let i = 0; i < TOTAL; i += 100) batches.push(initialIds.slice(i, i + 100));
    let nextBatch = 0;
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        while (nextBatch < batches.length) {
          const batch = batches[nextBatch++]!;
          const outcomes = await kit.records.saveBatch(
            partition,
            batch.map((id) => contact(id, 0)),
            { runId: 'seed', runStartedAt: kit.clock.now() },
          );
          expect(outcomes.every((o) => o.result === 'ADDED')).toBe(true);
        }
      }),
    );
    const writeMs = Date.now() - writeStarted;
    kit.clock.advance(VISIBILITY_LAG_MS * 2);

    const readStarted = Date.now();
    reader = new Reader([1000, 777, 1, 2500, 777, 10_000, 333]);
    await reader.untilEnd();
    const readMs = Date.now() - readStarted;
    console.log(`10,000 records written in ${writeMs} ms; read in ${reader.pages} pages (${reader.records} records) in ${readMs} ms`);

    expect(reader.records).toBe(TOTAL); // no duplicate: as many records as ids
    expect([...reader.view.keys()].sort()).toEqual(initialIds); // no gap: every id
    expect(reader.orderErrors).toEqual([]); // ascending cursor and last_modified_at
    expect([...reader.view.values()].every((r) => r.rev === 0 && r.action === 'ADDED')).toBe(true);
    expect(reader.pages).toBeGreaterThan(5);

    // The cursor of the last record, resumed: nothing more, and the end says so.
    const after = await kit.call('GET', '/records', { headers: recordHeaders, query: { model: MODEL, cursor: reader.cursor!, limit: 100 } });
    expect(after.body).toEqual({ records: [], next_cursor: null });
  }, 120_000); // ~20 s on an idle machine; DynamoDB Local slows down a lot when the CPU is shared

  it('misses no change while a sync holds the lease and writes: adds, updates and deletes, some landing late', async () => {
    const key = { providerConfigKey: PCK, connectionId: CONN, syncName: SYNC };
    const lease: Lease = { runId: 'paging-writer', owner: 'api-paging-test', expiresAt: kit.clock.now() + 120_000 };
    expect((await kit.state.connectionSyncs.acquireLease(key, lease, kit.clock.now())).acquired).toBe(true);
    const { store: writer, close } = slowWriter();

    const ids = [...initialIds];
    const revs = new Map<string, number>();
    let added = 0;
    let writing = true;
    const ops = { saved: 0, deleted: 0, batches: 0 };
    const started = Date.now();
    const writers = Array.from({ length: 6 }, async (_, w) => {
      const ctx = { runId: lease.runId, runStartedAt: kit.clock.now() };
      // At least two batches each, so writer 0's deletion (its second batch) happens even on a loaded machine.
      for (let n = 0; n < 2 || Date.now() - started < 2_000; n++) {
        ops.batches++;
        if ((w === 0 && n === 1) || Math.random() < 0.08) {
          const doomed = [...new Set(Array.from({ length: 10 }, () => ids[Math.floor(Math.random() * ids.length)]!))];
          await writer.deleteBatch(partition, doomed, ctx);
          ops.deleted += doomed.length;
          continue;
        }
        const batch = new Set<string>();
        while (batch.size < 40) {
          if (Math.random() < 0.3) {
            const id = `n-${w}-${added++}`;
            ids.push(id);
            batch.add(id);
          } else {
            batch.add(ids[Math.floor(Math.random() * ids.length)]!);
          }
        }
        const records = [...batch].map((id) => {
          const rev = (revs.get(id) ?? 0) + 1;
          revs.set(id, rev);
          return contact(id, rev);
        });
        await writer.saveBatch(partition, records, ctx);
        ops.saved += records.length;
      }
    });

    // The reader goes on from where it ended, following cursors while the writers run and polling at the end.
    const readerPagesBefore = reader.pages;
    const reading = (async () => {
      while (writing) {
        if (!(await reader.page())) await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    await Promise.all(writers);
    const writeMs = Date.now() - started;
    writing = false;
    await reading;
    close();
    // Catch up: wait out the API's visibility lag, read to the end; then the run ends (lease
    // released, no lag) and a last read must find nothing new.
    await new Promise((resolve) => setTimeout(resolve, VISIBILITY_LAG_MS + 300));
    await reader.untilEnd();
    const seenBeforeRelease = reader.records;
    await kit.state.connectionSyncs.releaseLease(key, lease);
    await reader.untilEnd();
    const totalMs = Date.now() - started;

    const truth = await kit.records.getByIds(partition, [...new Set(ids)]);
    console.log(
      `writers: ${ops.batches} batches, ${ops.saved} saves (${added} new ids), ${ops.deleted} deletes in ${writeMs} ms; ` +
        `reader: ${reader.pages - readerPagesBefore} pages, ${reader.records - TOTAL} records, caught up ${totalMs} ms after the start; store holds ${truth.size} records`,
    );

    expect(ops.saved + ops.deleted).toBeGreaterThan(200);
    expect(ops.deleted).toBeGreaterThan(0);
    expect(truth.size).toBe(new Set(ids).size);
    expect(reader.records).toBe(seenBeforeRelease); // nothing was still hidden once the lag had passed
    expect(reader.orderErrors).toEqual([]);
    const missed: string[] = [];
    for (const record of truth.values()) {
      const seen = reader.view.get(record.id);
      if (!seen || seen.cursor !== record.cursor || seen.rev !== record.payload['rev'] || seen.action !== record.lastAction) {
        missed.push(
          `${record.id}: store v${record.version} rev ${String(record.payload['rev'])} ${record.lastAction}; reader ${seen ? `rev ${seen.rev} ${seen.action} at ${seen.lastModifiedAt}` : 'never saw it'}`,
        );
      }
    }
    expect(missed.slice(0, 20), `${missed.length} missed changes`).toEqual([]);
    expect(reader.view.size).toBe(truth.size);
  }, 60_000);
});
