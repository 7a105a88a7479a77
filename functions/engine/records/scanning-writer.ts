/**
 * A partition writer for a store that keeps nothing up front: saves and deletes go straight to
 * the store, and `countUnseen` reads the live ids. Incremental runs use it (they touch a small
 * part of a large partition), and so can any store without a cheaper way.
 */
import { idFingerprint } from './content-hash.js';
import type { PartitionWriter, RecordPartition, RecordStore, WriteContext } from '../ports.js';

export function scanningWriter(store: RecordStore, partition: RecordPartition, ctx: WriteContext): PartitionWriter {
  return {
    partition,
    save: (records, options) => store.saveBatch(partition, records, ctx, options),
    delete: (ids) => store.deleteBatch(partition, ids, ctx),
    countUnseen: async (isSeen) => {
      let live = 0;
      let unseen = 0;
      for await (const ids of store.liveIds(partition)) {
        live += ids.length;
        for (const id of ids) if (!isSeen(idFingerprint(id))) unseen++;
      }
      return { live, unseen };
    },
  };
}
