import { describe, expect, it } from 'vitest';
import { RecordWriter } from '../../../functions/engine/runner/record-writer.js';
import type { PartitionWriter, RecordInput, SaveOutcome } from '../../../functions/engine/ports.js';

const record = (id: string, version: string): RecordInput => ({ id, payload: { id, version }, hash: version });

/** A store whose writes finish only when the test lets them. */
function controlledStore() {
  const calls: { ids: string[]; finish: () => void }[] = [];
  const target = {
    save: (records: RecordInput[]) =>
      new Promise<SaveOutcome[]>((resolve) => calls.push({ ids: records.map((r) => r.id), finish: () => resolve(records.map((r) => ({ id: r.id, result: 'ADDED' as const }))) })),
  } as unknown as PartitionWriter;
  return { writerFor: async () => target, calls };
}

describe('RecordWriter', () => {
  it('never has two writes of one record in flight, so the later version cannot be overtaken', async () => {
    const { writerFor, calls } = controlledStore();
    const writer = new RecordWriter({
      writerFor,
      batchSize: 2,
      concurrency: 4,
      onRejected: () => undefined,
      beforeFlush: async () => undefined,
    });
    await writer.save('M', [record('x', 'old'), record('a', '1')]); // batch 1 in flight
    const second = writer.save('M', [record('x', 'new'), record('b', '1')]); // batch 2 holds x again
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(calls.map((c) => c.ids)).toEqual([['x', 'a']]); // batch 2 waits for batch 1
    calls[0]!.finish();
    await second;
    expect(calls.map((c) => c.ids)).toEqual([
      ['x', 'a'],
      ['x', 'b'],
    ]);
    calls[1]!.finish();
    await writer.drain();
    expect(writer.tallies.get('M')).toEqual({ added: 4, updated: 0, deleted: 0 });
  });

  it('keeps unrelated batches in flight side by side', async () => {
    const { writerFor, calls } = controlledStore();
    const writer = new RecordWriter({
      writerFor,
      batchSize: 2,
      concurrency: 4,
      onRejected: () => undefined,
      beforeFlush: async () => undefined,
    });
    await writer.save('M', [record('a', '1'), record('b', '1'), record('c', '1'), record('d', '1')]);
    expect(calls).toHaveLength(2);
    for (const c of calls) c.finish();
    await writer.drain();
  });
});
