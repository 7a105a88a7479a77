/**
 * The memory deletion tracking keeps per record, measured in isolation: a DeletionTracker fed
 * `records` ids, live heap plus typed-array memory (its set lives in a Float64Array, outside
 * the JS heap) after a forced GC before and after. The whole-run live-heap figure
 * is noisier (it depends on when major GCs happen), so this one is the budget check.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DeletionTracker } from '../../functions/engine/runner/deletion-tracker.js';

export function trackerBytesPerRecord(records: number): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  const used = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const before = used();
  const tracker = new DeletionTracker();
  tracker.start('Contact');
  for (let i = 0; i < records; i += 100)
    tracker.markSeen(
      'Contact',
      Array.from({ length: 100 }, (_, j) => String(i + j + 1)),
    );
  gc();
  const bytes = (used() - before) / tracker.seenCount('Contact');
  tracker.stop('Contact');
  return Math.round(bytes);
}
