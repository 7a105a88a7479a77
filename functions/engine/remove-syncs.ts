/**
 * Removing connection-syncs: one variant (`DELETE /sync/{name}/variant/{variant}`), or every
 * sync and variant of a connection being deleted. A removal stops the running execution, deletes
 * the per-connection schedule, the state and the records (every model of the sync); the runs and
 * their logs stay, as history.
 *
 * A run cancelled here can still flush a batch of records until its next lease check, and a
 * queued message can take the lease between the read of the state and its deletion (that run
 * then stops at its first lease renewal, the state being gone). Records such a run leaves are
 * unreachable — no state names the partition — until a variant of the same name is created
 * again, which is why creating a variant empties its partitions first.
 */
import type { IntegrationRegistry } from './integration.js';
import type { Clock, ConnectionSyncKey, ConnectionSyncState, RecordStore, Scheduler, StateRepos } from './ports.js';
import { scheduleName } from './schedules.js';
import { connectionSyncKey, normalizeKey, recordPartition } from './sync-keys.js';

export interface RemoveSyncsDeps {
  registry: IntegrationRegistry;
  state: Pick<StateRepos, 'connectionSyncs' | 'runs'>;
  records: RecordStore;
  scheduler: Scheduler;
  clock: Clock;
}

export interface RemovedSync {
  cancelledRunId: string | null;
  deletedRecords: number;
}

/**
 * Removes one connection-sync, given its state as just read (null: none stored, and its records
 * are deleted all the same). `reason` goes on the cancelled run.
 */
export async function removeConnectionSync(deps: RemoveSyncsDeps, key: ConnectionSyncKey, state: ConnectionSyncState | null, reason: string): Promise<RemovedSync> {
  let cancelledRunId: string | null = null;
  // Cancelled first: the running invocation stops at its next lease check, and every state write
  // it could still try (checkpoint, result) is conditioned on the lease it no longer holds.
  if (state?.lease && (await deps.state.runs.cancel(key, state.lease.runId, reason, deps.clock.now()))) cancelledRunId = state.lease.runId;
  // Only an override has a schedule of its own, created after the override is stored; one a crash
  // left without it is removed by the deploy step's reconcile (no override wants it).
  if (state?.frequencyOverrideMs != null) await deps.scheduler.delete(scheduleName(key.providerConfigKey, key.syncName, key.connectionId, key.variant));
  await deps.state.connectionSyncs.delete(key);
  return { cancelledRunId, deletedRecords: await deleteSyncRecords(deps, key) };
}

/**
 * Everything a deleted connection had in the sync engine: every sync's base variant and every
 * other variant, each removed as above. Called once the connection itself is gone, so a variant
 * created meanwhile either was created before (and is listed here) or finds the connection gone
 * (and removes itself: see `createSyncVariant`). Returns how many connection-syncs were removed.
 */
export async function removeConnectionSyncs(deps: RemoveSyncsDeps, providerConfigKey: string, connectionId: string): Promise<number> {
  const reason = 'the connection was deleted';
  let removed = 0;
  for (const syncName of deps.registry.get(providerConfigKey)?.syncs.keys() ?? []) {
    const base = connectionSyncKey(providerConfigKey, connectionId, syncName);
    const baseState = await deps.state.connectionSyncs.get(base);
    await removeConnectionSync(deps, base, baseState, reason);
    if (baseState) removed++;
    for (const state of await deps.state.connectionSyncs.listVariants(providerConfigKey, syncName, connectionId)) {
      await removeConnectionSync(deps, normalizeKey(state), state, reason);
      removed++;
    }
  }
  return removed;
}

/** Empties a connection-sync's record partitions, one per model of its sync; returns how many records went. */
export async function deleteSyncRecords(deps: Pick<RemoveSyncsDeps, 'registry' | 'records'>, key: ConnectionSyncKey): Promise<number> {
  let deleted = 0;
  const sync = deps.registry.getSync(key.providerConfigKey, key.syncName);
  for (const model of Object.keys(sync?.models ?? {})) deleted += await deps.records.deleteAll(recordPartition(key, model));
  return deleted;
}
