import type { MergingStrategy, WriteContext } from '../ports.js';

/** What a store knows about the stored version of a record when it decides on a save. */
export interface StoredVersion {
  lastModifiedAt: number;
  /** The run (or other writer) that made the last change. */
  modifiedBy: string;
}

/**
 * True when `ignore_if_modified_after` must leave the stored record as it is: something other
 * than this run changed it at or after the run started. The run's own earlier writes (in this
 * invocation or a previous one of the same run) never block it, as in Nango, where each batch
 * moves the run's own bound forward.
 */
export function keepsStoredVersion(merging: MergingStrategy | undefined, stored: StoredVersion, ctx: WriteContext): boolean {
  return merging === 'ignore_if_modified_after' && stored.modifiedBy !== ctx.runId && stored.lastModifiedAt >= ctx.runStartedAt;
}
