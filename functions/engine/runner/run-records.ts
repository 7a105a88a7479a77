/**
 * A run's bookkeeping around the script: opening (or resuming) the run item, ending one whose
 * executor died, counting what the run changed, and recording an authorization the provider
 * refused. Split from `run-invocation.ts`, which keeps the flow of one invocation.
 */
import { CredentialsRefreshError } from '../credentials.js';
import type { ChangeCounts, ConnectionSyncKey, ConnectionSyncState, RunError, RunRecord, RunTrigger } from '../ports.js';
import { newRun } from '../model/run.js';
import type { SyncDefinition } from '../sync-definition.js';
import type { RunnerDeps } from './run-invocation.js';
import type { RunSession } from './run-session.js';
import { DEFAULT_RUNNER_CONFIG } from './runner-config.js';

/**
 * A run done in one invocation is counted from what its writes reported. One spread over
 * several (continuations, a redelivery after a crash) is counted from the records it wrote,
 * which is exact across invocations — once the cursor index has caught up with the last writes.
 */
export async function countResults(deps: RunnerDeps, session: RunSession, sync: SyncDefinition, run: RunRecord): Promise<Record<string, ChangeCounts>> {
  const results: Record<string, ChangeCounts> = {};
  if (run.invocations === 1) {
    for (const model of Object.keys(sync.models)) results[model] = { added: 0, updated: 0, deleted: 0, ...session.records.writer.tallies.get(model) };
    return results;
  }
  const settleMs = deps.config?.indexSettleMs ?? DEFAULT_RUNNER_CONFIG.indexSettleMs;
  if (settleMs > 0) await new Promise((resolve) => setTimeout(resolve, settleMs));
  for (const model of Object.keys(sync.models)) results[model] = await deps.records.countRunChanges(session.partition(model), session.ctx);
  return results;
}

/** A token the provider will not refresh marks the connection, so its syncs stop until it is authorized again. */
export async function markAuthError(deps: RunnerDeps, run: RunRecord, thrown: unknown): Promise<void> {
  let current: unknown = thrown;
  for (let depth = 0; current instanceof Error && depth < 10; depth++, current = current.cause) {
    if (current instanceof CredentialsRefreshError && current.needsReauthorization && current.connectionUpdatedAt !== undefined) {
      const at = new Date(deps.clock.now()).toISOString();
      // Conditional on the connection being the one the refresh failed on: tokens saved meanwhile by another process win.
      await deps.state.connections.recordAuthError(run.providerConfigKey, run.connectionId, { type: 'auth', message: current.message, at, runId: run.runId }, current.connectionUpdatedAt);
      return;
    }
  }
}

/** A run whose lease expired without it finishing (its executor died) ends in ERROR, and its locks go. */
export async function endAbandonedRun(deps: RunnerDeps, key: ConnectionSyncKey, runId: string): Promise<void> {
  const run = await deps.state.runs.get(key, runId);
  if (run?.status !== 'RUNNING') return;
  const error = { type: 'abandoned', message: 'the executor stopped without finishing and its lease expired; a newer run took over' };
  if (await deps.state.runs.endAbandoned({ ...run, status: 'ERROR', error, finishedAt: deps.clock.now() })) await releaseRunLocks(deps, key, runId);
}

/** Releases every script lock a run holds on its connection (a run that ended without its session doing so). */
export async function releaseRunLocks(deps: RunnerDeps, key: ConnectionSyncKey, runId: string): Promise<void> {
  await deps.state.locks?.releaseAll({ providerConfigKey: key.providerConfigKey, connectionId: key.connectionId }, runId);
}

/**
 * The run this invocation works on: a new one, or the next invocation of a RUNNING one. Both
 * writes are conditional, so a cancel that lands between the read and the write wins: the run
 * comes back CANCELLED and the caller stops.
 */
export async function openRun(deps: RunnerDeps, key: ConnectionSyncKey, state: ConnectionSyncState, runId: string, trigger: RunTrigger, now: number): Promise<RunRecord> {
  const existing = await deps.state.runs.get(key, runId);
  if (existing) {
    if (existing.status !== 'RUNNING') return existing;
    return (await deps.state.runs.resume(key, runId)) ?? existing;
  }
  // The checkpoint it starts from is kept on the run: its webhooks' `checkpoints.from`, the same for every invocation.
  return deps.state.runs.create(newRun({ ...key, runId, trigger, type: state.lastSyncDate === null ? 'INITIAL' : 'INCREMENTAL', startedAt: now, checkpointAtStart: state.checkpoint }));
}

export function describeScriptError(thrown: unknown): RunError {
  // A script may set any value as `name`: the stored type is always a string.
  if (thrown instanceof Error) return { type: thrown.name === 'Error' || typeof thrown.name !== 'string' ? 'script_error' : thrown.name, message: String(thrown.message || thrown) };
  return { type: 'script_error', message: typeof thrown === 'string' ? thrown : (JSON.stringify(thrown) ?? String(thrown)) };
}
