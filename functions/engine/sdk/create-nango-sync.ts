/**
 * Builds the `nango` object a sync script receives: everything an action gets
 * (`createNangoAction`, over the run session as its host) plus records, deletions and the run's
 * own facts (sync name, variant, run id, last sync date).
 */
import type { RunSession } from '../runner/run-session.js';
import { createNangoAction, type NangoActionArgs } from './create-nango-action.js';
import type { NangoSync } from './nango-sync-types.js';

export type { ConnectionRef } from './create-nango-action.js';

export interface NangoSyncArgs extends Omit<NangoActionArgs, 'host'> {
  session: RunSession;
  syncName: string;
  /** The sync variant the run is for (`base` unless the variant was created through the API). */
  variant: string;
  runId: string;
  lastSyncDate: Date | undefined;
}

export function createNangoSync(args: NangoSyncArgs): NangoSync {
  const { session } = args;
  return {
    ...createNangoAction({ ...args, host: session }),
    lastSyncDate: args.lastSyncDate,
    variant: args.variant,
    syncName: args.syncName,
    runId: args.runId,

    batchSave: (records, model) => session.batchSave(records, model),
    batchSend: (records, model) => session.batchSave(records, model),
    batchUpdate: (records, model) => session.batchUpdate(records, model),
    batchDelete: (records, model) => session.batchDelete(records, model),
    getRecordsByIds: (ids, model) => session.getRecordsByIds(ids, model) as Promise<Map<any, any>>,
    listRecords: (model, options) => session.listRecords(model, options) as AsyncGenerator<any>,
    setMergingStrategy: (merging, model) => session.setMergingStrategy(merging, model),
    trackDeletesStart: (model) => session.trackDeletesStart(model),
    trackDeletesEnd: (model) => session.trackDeletesEnd(model),
    // Full syncs track every model from the run's start, so this is the end of that tracking.
    deleteRecordsFromPreviousExecutions: (model) => session.trackDeletesEnd(model),
  };
}
