/**
 * Seen-id fingerprints of a full-refresh pass on the state table: 8 bytes each, packed 40,000
 * to an item (well under the 400 KB item limit), expiring after 14 days.
 */
import type { SeenIdRepo } from '../../../engine/ports.js';
import { batchWriteAll } from '../batch-write.js';
import { queryAll, stateKeys, type StateTable } from './keys.js';

const SEEN_TTL_S = 14 * 86_400;
const FINGERPRINTS_PER_ITEM = 40_000;

export class DynamoSeenIdRepo implements SeenIdRepo {
  constructor(private readonly table: StateTable) {}

  async append(passId: string, model: string, fingerprints: number[]): Promise<void> {
    const pk = stateKeys.seen(passId, model);
    const ttl = Math.floor(this.table.now() / 1000) + SEEN_TTL_S;
    const puts = [];
    for (let start = 0; start < fingerprints.length; start += FINGERPRINTS_PER_ITEM) {
      const chunk = Float64Array.from(fingerprints.slice(start, start + FINGERPRINTS_PER_ITEM));
      const sk = `${String(this.table.now()).padStart(15, '0')}#${Math.random().toString(36).slice(2, 10)}`;
      puts.push({ PutRequest: { Item: { pk, sk, kind: 'SEEN', f: new Uint8Array(chunk.buffer), ttl } } });
    }
    await batchWriteAll(this.table.doc, this.table.tableName, puts, 'saving seen ids');
  }

  async load(passId: string, model: string): Promise<number[]> {
    const items = await queryAll(this.table, stateKeys.seen(passId, model), 'reading seen ids');
    const all: number[] = [];
    for (const item of items) {
      const copy = new Uint8Array(item['f'] as Uint8Array); // aligned copy for the Float64 view
      for (const value of new Float64Array(copy.buffer, 0, copy.byteLength / 8)) all.push(value);
    }
    return all;
  }
}
