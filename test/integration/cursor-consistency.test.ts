/**
 * A reader following next_cursor while writers save, update and delete concurrently must end
 * with every record's latest state: no change is skipped. Writes are delayed at random between
 * taking their timestamp and landing, which is exactly the race that breaks naive timestamp
 * cursors; the visibility lag and the writer's re-stamp of slow writes are what defend it.
 */
import { inject, describe, expect, it } from 'vitest';
import { makeDynamoClients } from '../../functions/adapters/dynamodb/client.js';
import { DynamoRecordStore } from '../../functions/adapters/dynamodb/record-store.js';
import { contentHash } from '../../functions/engine/records/content-hash.js';
import { makeEngineKit } from '../support/engine-kit.js';

const LAG_MS = 300;
const MAX_SKEW_MS = 100;

/**
 * Writers go on for 1.5 s and until more than 100 ids have been written (a loaded machine
 * writes fewer in 1.5 s), but never past 10 s.
 */
function keepWriting(written: Set<string>): () => boolean {
  const started = Date.now();
  return () => {
    const elapsed = Date.now() - started;
    return elapsed < 10_000 && (elapsed < 1_500 || written.size <= 100);
  };
}

function delayedWriter(tableName: string, clock: { now(): number }) {
  const { doc } = makeDynamoClients({ endpoint: inject('dynamoEndpoint') });
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'PutItemCommand' || context.commandName === 'UpdateItemCommand' || context.commandName === 'BatchWriteItemCommand') {
        // Up to 2.5× the allowed skew: some writes land late enough to need a re-stamp.
        await new Promise((resolve) => setTimeout(resolve, Math.random() < 0.2 ? Math.random() * 250 : Math.random() * 10));
      }
      return next(args);
    },
    { step: 'initialize', name: 'randomDelay' },
  );
  return new DynamoRecordStore({ doc, tableName, clock, maxWriteSkewMs: MAX_SKEW_MS, writeConcurrency: 10 });
}

type Kit = Awaited<ReturnType<typeof makeEngineKit>>;

/**
 * A reader following cursors from the start while `writers` run, then — once the lag has
 * passed — to the end (on a busy machine it may trail the writers by many pages): the latest
 * version it saw of each id.
 */
async function readWhileWriting(kit: Kit, p: ReturnType<Kit['partition']>, writers: Promise<unknown>[]): Promise<Map<string, number>> {
  const view = new Map<string, number>();
  let cursor: string | undefined;
  const read = async (): Promise<boolean> => {
    const page = await kit.records.list(p, { limit: 25, cursor, visibleBefore: kit.clock.now() - LAG_MS });
    for (const r of page.records) view.set(r.id, r.version);
    if (page.records.length > 0) cursor = page.records[page.records.length - 1]!.cursor;
    return page.nextCursor !== null;
  };
  let writing = true;
  const reader = (async () => {
    while (writing) {
      await read();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  await Promise.all(writers);
  writing = false;
  await reader;
  await new Promise((resolve) => setTimeout(resolve, LAG_MS + 50));
  while (await read());
  return view;
}

/** Records whose stored version the reader never saw. */
function missedChanges(truth: Map<string, { id: string; version: number }>, view: Map<string, number>): string[] {
  return [...truth.values()].filter((r) => view.get(r.id) !== r.version).map((r) => `${r.id}@v${r.version}`);
}

describe('cursor consistency under concurrent writes', () => {
  for (let round = 1; round <= 3; round++) {
    it(`a paging reader misses no change (randomized round ${round})`, async () => {
      const kit = await makeEngineKit();
      const p = kit.partition('Contact');
      const writer = delayedWriter(kit.tables.records, kit.clock);
      const ids = Array.from({ length: 150 }, (_, i) => `r-${i}`);
      const written = new Set<string>();
      const more = keepWriting(written);

      const writers = Array.from({ length: 3 }, async (_, w) => {
        while (more()) {
          const batch = [...new Set(Array.from({ length: 20 }, () => ids[Math.floor(Math.random() * ids.length)]!))];
          if (Math.random() < 0.15) {
            await writer.deleteBatch(p, batch.slice(0, 3), { runId: `w${w}`, runStartedAt: Date.now() });
          } else {
            const records = batch.map((id) => {
              const payload = { id, name: `v-${Math.random()}`, email: 'x@y.io' };
              return { id, payload, hash: contentHash(payload) };
            });
            await writer.saveBatch(p, records, { runId: `w${w}`, runStartedAt: Date.now() });
            for (const id of batch) written.add(id);
          }
        }
      });

      const view = await readWhileWriting(kit, p, writers);

      const truth = await kit.records.getByIds(p, ids);
      expect(truth.size).toBeGreaterThan(100);
      expect(missedChanges(truth, view)).toEqual([]);
    }, 20_000);
  }

  it('a paging reader misses no change while a run writes new records in unconditional batches', async () => {
    const kit = await makeEngineKit();
    const p = kit.partition('Contact');
    const store = delayedWriter(kit.tables.records, kit.clock);
    let batches = 0;
    // The run's own writer: a snapshot of the empty partition and a fence, as an initial run opens it.
    const writer = await store.openWriter(p, { runId: 'initial', runStartedAt: Date.now() }, { snapshot: true, fence: { confirm: async () => void batches++ } });
    const lanes = Array.from({ length: 3 }, (_, lane) => Array.from({ length: 80 }, (_, i) => `b-${lane}-${i}`));
    const ids = lanes.flat();
    const written = new Set<string>();
    const more = keepWriting(written);

    // Like the run's concurrent flushes: each lane is one stream of writes, no id in two lanes at once.
    const writers = lanes.map(async (laneIds) => {
      while (more()) {
        const batch = [...new Set(Array.from({ length: 20 }, () => laneIds[Math.floor(Math.random() * laneIds.length)]!))];
        if (Math.random() < 0.15) await writer.delete(batch.slice(0, 3));
        else {
          await writer.save(
            batch.map((id) => {
              const payload = { id, name: `v-${Math.random()}`, email: 'x@y.io' };
              return { id, payload, hash: contentHash(payload) };
            }),
          );
          for (const id of batch) written.add(id);
        }
      }
    });

    const view = await readWhileWriting(kit, p, writers);

    const truth = await kit.records.getByIds(p, ids);
    expect(truth.size).toBeGreaterThan(100);
    expect(batches).toBeGreaterThan(0);
    expect([...truth.values()].filter((r) => r.version > 1).length).toBeGreaterThan(0); // re-saved ids went the conditional way
    expect(missedChanges(truth, view)).toEqual([]);
  }, 20_000);
});
