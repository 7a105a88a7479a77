/**
 * The memory deletion tracking keeps per record, measured in isolation: a DeletionTracker fed
 * `records` ids, live heap after a forced GC before and after. The whole-run live-heap figure
 * is noisier (it depends on when major GCs happen), so this one is the budget check.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DeletionTracker } from '../../functions/engine/runner/deletion-tracker.js';

export function trackerBytesPerRecord(records: number): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  const before = process.memoryUsage().heapUsed;
  const tracker = new DeletionTracker();
  tracker.start('Contact');
  for (let i = 0; i < records; i += 100)
    tracker.markSeen(
      'Contact',
      Array.from({ length: 100 }, (_, j) => String(i + j + 1)),
    );
  gc();
  const bytes = (process.memoryUsage().heapUsed - before) / tracker.seenCount('Contact');
  tracker.stop('Contact');
  return Math.round(bytes);
}
