/**
 * One invocation's work on one run of one sync for one connection: take the lease, open (or
 * resume) the run, run the script with the SDK, write records, detect deletions, count, record
 * the result, release. A run that reaches the invocation's deadline hands over to a
 * continuation, unless it stopped moving forward or has used up its invocations.
 *
 * Outcomes are values; only an infrastructure failure throws, so the caller's queue retries it.
 */
import { createHash } from 'node:crypto';
import type { Connection } from '../connection.js';
import { DeadlineReachedError, DeletionRefusedError, hasCause, InfrastructureError, LeaseLostError } from '../errors.js';
import type { ProviderHttpOptions } from '../http/provider-http.js';
import type { Integration, IntegrationRegistry } from '../integration.js';
import { type Metrics, noMetrics } from '../metrics.js';
import type { Clock, ConnectionSyncKey, ConnectionSyncState, Lease, Logger, RecordStore, RunError, RunRecord, RunStatus, RunTrigger, StateRepos } from '../ports.js';
import { createNangoSync } from '../sdk/create-nango-sync.js';
import { isBaseVariant, variantOf } from '../state-ports.js';
import { connectionSyncKey } from '../sync-keys.js';
import type { EnvironmentVariable } from '../sdk/nango-sync-types.js';
import type { SyncDefinition } from '../sync-definition.js';
import { checkMetadata } from './check-metadata.js';
import { LeaseKeeper, type Timers } from './lease-keeper.js';
import { DEFAULT_RUNNER_CONFIG, type RunnerConfig } from './runner-config.js';
import { countResults, describeScriptError, endAbandonedRun, markAuthError, openRun, releaseRunLocks } from './run-records.js';
import { RunSession } from './run-session.js';
import { connectionClient, scriptServices } from './script-services.js';

export interface RunnerDeps {
  registry: IntegrationRegistry;
  records: RecordStore;
  state: StateRepos;
  clock: Clock;
  logger: Logger;
  config?: Partial<RunnerConfig>;
  newId: () => string;
  /** Test and local hooks for the provider HTTP client (fetch, sleep). */
  http?: Pick<ProviderHttpOptions, 'fetch' | 'sleep' | 'timeoutMs'>;
  /** The lease heartbeat's timers; real ones by default. */
  timers?: Timers;
  /** Variables configured for scripts (`nango.getEnvironmentVariables()`); none by default. */
  environmentVariables?: EnvironmentVariable[];
  /**
   * Lets `nango.uncontrolledFetch` reach loopback and private addresses, and a token URL rendered
   * from a connection's config be http://127.0.0.1 (local runtime, tests); metadata addresses stay refused.
   */
  allowPrivateFetch?: boolean;
  /** Where finished runs, deletion refusals and token refresh failures are counted; none when absent. */
  metrics?: Metrics;
}

export interface RunRequest extends ConnectionSyncKey {
  /** Given for scheduled runs (derived from the scheduled time) and continuations. */
  runId?: string;
  trigger: RunTrigger;
  /** Who holds the lease: one invocation. */
  owner: string;
  /** When the invocation must have handed over, ms since epoch; null for no limit. */
  deadline?: number | null;
  /** Let this run's deletions through the mass-deletion guard. */
  acceptMassDeletion?: boolean;
}

export type RunOutcome =
  | { kind: 'FINISHED'; run: RunRecord }
  | { kind: 'CONTINUE'; runId: string }
  | { kind: 'BUSY'; heldBy: Lease | null }
  | { kind: 'DUPLICATE'; runId: string }
  | { kind: 'STOPPED'; runId: string; reason: string }
  | { kind: 'SKIPPED'; reason: string };

export async function runInvocation(deps: RunnerDeps, request: RunRequest): Promise<RunOutcome> {
  const configured = { ...DEFAULT_RUNNER_CONFIG, ...deps.config };
  // The hand-over margin never eats more than a fifth of the invocation, or a short-lived
  // invocation would hand over before doing any work, forever.
  const remaining = request.deadline ? request.deadline - deps.clock.now() : Number.POSITIVE_INFINITY;
  const config = { ...configured, deadlineMarginMs: Math.min(configured.deadlineMarginMs, Math.max(0, remaining * 0.2)) };
  const key = connectionSyncKey(request.providerConfigKey, request.connectionId, request.syncName, request.variant);
  const integration = deps.registry.get(key.providerConfigKey);
  const sync = integration?.syncs.get(key.syncName);
  if (!integration || !sync) return { kind: 'SKIPPED', reason: `unknown sync ${key.providerConfigKey}/${key.syncName}` };
  // Existence only: credentials are opened once the run holds its lease, not for a busy or paused sync.
  const found = await deps.state.connections.find(key.providerConfigKey, key.connectionId);
  if (!found) return { kind: 'SKIPPED', reason: `unknown connection ${key.providerConfigKey}/${key.connectionId}` };
  if (found.authError) {
    // Until new credentials are saved, a run would only hit the provider with what it refused.
    return { kind: 'SKIPPED', reason: `connection ${key.connectionId} must be authorized again (${found.authError.message})` };
  }
  // The base variant's state is created on first use; another variant exists only once created
  // through the API, and a message for a deleted one must not bring it back.
  const current = isBaseVariant(key.variant) ? await deps.state.connectionSyncs.ensure(key, { enabled: sync.autoStart }) : await deps.state.connectionSyncs.get(key);
  if (!current) return { kind: 'SKIPPED', reason: `sync ${key.syncName} has no variant ${key.variant} for connection ${key.connectionId} (deleted)` };
  if (!current.enabled) return { kind: 'SKIPPED', reason: `sync ${key.syncName} is paused for connection ${key.connectionId}` };

  if (request.runId) {
    const existing = await deps.state.runs.get(key, request.runId);
    if (existing && existing.status !== 'RUNNING') {
      // A run cancelled while it waited for this continuation ends here: what it locked goes.
      if (existing.status === 'CANCELLED' && existing.invocations > 0) await releaseRunLocks(deps, key, request.runId);
      return { kind: 'DUPLICATE', runId: request.runId };
    }
  }
  const now = deps.clock.now();
  const runId = request.runId ?? deps.newId();
  const taken: Lease = { runId, owner: request.owner, expiresAt: now + config.leaseMs };
  const leased = await deps.state.connectionSyncs.acquireLease(key, taken, now);
  if (!leased.acquired) return { kind: 'BUSY', heldBy: leased.heldBy };
  const lease = new LeaseKeeper({
    repo: deps.state.connectionSyncs,
    key,
    lease: taken,
    clock: deps.clock,
    leaseMs: config.leaseMs,
    checkEveryMs: config.leaseCheckMs,
    ...(deps.timers ? { timers: deps.timers } : {}),
  });
  const state = leased.state;
  if (leased.previous && leased.previous.runId !== runId) await endAbandonedRun(deps, key, leased.previous.runId);

  // A failure to open the credentials (KMS, a tampered item) must not leave the lease behind.
  const connection = await deps.state.connections.getWithCredentials(key.providerConfigKey, key.connectionId).catch(async (error: unknown) => {
    await lease.release().catch(() => undefined);
    throw error;
  });
  if (!connection) {
    await lease.release();
    return { kind: 'SKIPPED', reason: `connection ${key.providerConfigKey}/${key.connectionId} was deleted` };
  }
  const run = await openRun(deps, key, state, runId, request.trigger, now);
  if (run.status !== 'RUNNING') {
    // Cancelled between two invocations: what the earlier ones locked is released here.
    if (run.invocations > 0) await releaseRunLocks(deps, key, runId);
    await lease.release();
    return { kind: 'STOPPED', runId, reason: `run was ${run.status.toLowerCase()} before it started` };
  }
  const resuming = state.checkpoint !== null && state.passId !== null;
  const session = new RunSession({
    sync,
    connection,
    key,
    run,
    lease,
    config,
    checkpoint: state.checkpoint,
    passId: resuming ? state.passId! : runId,
    deadline: request.deadline ?? null,
    useSnapshots: sync.syncType === 'full' || run.type === 'INITIAL',
    acceptMassDeletion: request.acceptMassDeletion === true,
    records: deps.records,
    state: deps.state,
    clock: deps.clock,
    logger: deps.logger,
  });

  const stopHeartbeat = lease.startHeartbeat();
  try {
    return await execute(deps, config, { key, sync, integration, connection, run, state, session, stopHeartbeat });
  } finally {
    stopHeartbeat();
  }
}

interface Execution {
  key: ConnectionSyncKey;
  sync: SyncDefinition;
  integration: Integration;
  connection: Connection;
  run: RunRecord;
  state: ConnectionSyncState;
  session: RunSession;
  /** Stopped before the run is finished, so no renewal collides with the finishing transaction. */
  stopHeartbeat: () => void;
}

async function execute(deps: RunnerDeps, config: RunnerConfig, { key, sync, integration, connection, run, state, session, stopHeartbeat }: Execution): Promise<RunOutcome> {
  let status: RunStatus = 'SUCCESS';
  let error: RunError | null = null;
  try {
    checkMetadata(sync, connection);
    if (sync.syncType === 'full') for (const model of Object.keys(sync.models)) await session.trackDeletesStart(model);
    const { http, getCredentials } = connectionClient(deps, session, integration, connection);
    const lastSyncDate = run.type === 'INITIAL' || state.lastSyncDate === null ? undefined : new Date(state.lastSyncDate);
    await sync.exec(createNangoSync({ session, http, integration, getCredentials, ...scriptServices(deps, session), syncName: sync.name, variant: variantOf(key), runId: run.runId, lastSyncDate }));
    if (session.stoppedBy) throw session.stoppedBy;
    // A lease lost during the script's last call is not a success; and a run cancelled since its
    // last lease check (a pause, a reset that then empties the cache) must not write its buffer.
    await session.lease.confirm();
    session.finishing = true;
    await session.writer.drain();
    if (sync.trackDeletes) for (const model of session.tracker.trackedModels()) await session.trackDeletesEnd(model);
  } catch (thrown) {
    session.finishing = true;
    if (hasCause(thrown, InfrastructureError)) return releaseLeaseAndRethrow(session, thrown);
    if (hasCause(thrown, LeaseLostError)) {
      // Cancelled, paused or taken over: the run has ended, so its locks go.
      await session.releaseLocksAtRunEnd();
      return { kind: 'STOPPED', runId: run.runId, reason: (thrown as Error).message };
    }
    if (hasCause(thrown, DeadlineReachedError)) {
      // What the script saved counts as progress once it is written.
      await session.writer.drain().catch((e: unknown) => releaseLeaseAndRethrow(session, e));
      const stalled = continuationRefusal(run, session, config);
      if (!stalled) return handOver(deps, session, run);
      status = 'ERROR';
      error = stalled;
    } else {
      status = 'ERROR';
      error = describeScriptError(thrown);
      if (hasCause(thrown, DeletionRefusedError)) (deps.metrics ?? noMetrics).count('DeletionRefusals', 1, { integration: key.providerConfigKey, sync: key.syncName });
      await markAuthError(deps, run, thrown);
    }
    session.writeLog('error', `run failed: ${error.message}`);
    // Records already accepted stay saved; no deletion happens after a failure.
    try {
      await session.writer.drain();
    } catch (drainError) {
      if (hasCause(drainError, InfrastructureError)) return releaseLeaseAndRethrow(session, drainError);
    }
  }

  session.records.summarize();
  await session.releaseLocksAtRunEnd();
  await session.log.close();
  const results = await countResults(deps, session, sync, run);
  const checkpoints = session.checkpointRange();
  const finished: RunRecord = { ...run, status, error, results, finishedAt: deps.clock.now(), ...(checkpoints ? { checkpoints } : {}) };
  const success = status === 'SUCCESS';
  stopHeartbeat();
  await deps.state.runs.finish(
    finished,
    {
      lastSyncDate: success ? run.startedAt : state.lastSyncDate,
      // A full sync's checkpoint only resumes an unfinished pass; an incremental one carries on.
      checkpoint: success && sync.syncType === 'full' ? null : session.checkpoint,
      passId: success && sync.syncType === 'full' ? null : session.passId,
      recordCountDelta: Object.fromEntries(Object.entries(results).map(([model, c]) => [model, c.added - c.deleted])),
    },
    session.lease.lease,
  );
  recordFinishedRun(deps.metrics ?? noMetrics, key, finished, session.records.rejected);
  return { kind: 'FINISHED', run: finished };
}

/**
 * The metrics of a finished run: its status, duration (from the first invocation's start, so
 * a continued run counts whole) and record counts summed over its models. Per-integration
 * detail goes by integration and sync; the connection never becomes a dimension.
 */
function recordFinishedRun(metrics: Metrics, key: ConnectionSyncKey, run: RunRecord, rejected: ReadonlyMap<string, number>): void {
  const detail = { integration: key.providerConfigKey, sync: key.syncName };
  metrics.count('RunsFinished', 1, { ...detail, status: run.status });
  metrics.count(run.status === 'SUCCESS' ? 'RunsSucceeded' : 'RunsFailed', 1, detail);
  metrics.duration('RunDuration', (run.finishedAt ?? run.startedAt) - run.startedAt, detail);
  const counts = Object.values(run.results);
  metrics.count('RecordsAdded', sum(counts.map((c) => c.added)), detail);
  metrics.count('RecordsUpdated', sum(counts.map((c) => c.updated)), detail);
  metrics.count('RecordsDeleted', sum(counts.map((c) => c.deleted)), detail);
  metrics.count('RecordsRejected', sum([...rejected.values()]), detail);
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** The deadline stopped the script: keep what it did, give the lease back, let a continuation go on. */
async function handOver(deps: RunnerDeps, session: RunSession, run: RunRecord): Promise<RunOutcome> {
  await session.persistProgress(session.checkpoint).catch((e: unknown) => releaseLeaseAndRethrow(session, e));
  await deps.state.runs.recordHandOver(run, run.runId, !session.madeProgress()).catch((e: unknown) => releaseLeaseAndRethrow(session, e));
  await session.log.close();
  // Kept for the continuation: no other run starts in between, and a cancel or pause still finds this one.
  await session.lease.handOver();
  return { kind: 'CONTINUE', runId: session.ctx.runId };
}

/**
 * Why a run at its deadline must not continue, or null when it may. A continuation restarts the
 * script from its checkpoint: if neither the checkpoint, the records nor the metadata moved
 * during two invocations in a row, the next one would do the same work again, for ever. (One
 * stalled invocation is allowed: it may have spent its time waiting out a provider's rate limit.)
 */
function continuationRefusal(run: RunRecord, session: RunSession, config: RunnerConfig): RunError | null {
  if (!session.madeProgress() && run.stalledHandOvers >= 1) {
    return {
      type: 'continuation_stalled',
      message: `invocations ${run.invocations - 1} and ${run.invocations} reached their deadline without progress (no new checkpoint, no record or metadata changed): a continuation would repeat them; save a checkpoint as the script advances`,
    };
  }
  if (run.invocations >= config.maxInvocations) {
    return { type: 'continuation_limit', message: `the run did not finish within ${config.maxInvocations} invocations` };
  }
  return null;
}

/** An infrastructure failure: give the lease back so the redelivered message can resume at once, then let the queue retry. */
async function releaseLeaseAndRethrow(session: RunSession, error: unknown): Promise<never> {
  await session.lease.release().catch(() => undefined);
  throw error;
}

/** A run id derived from a scheduled time, so a repeated fan-out of one tick names the same run. */
export function scheduledRunId(key: ConnectionSyncKey, scheduledAt: string): string {
  // A variant's runs get ids of their own: a full refresh's seen ids are kept under its run id.
  const variant = isBaseVariant(key.variant) ? '' : `\n${key.variant}`;
  const digest = createHash('sha256').update(`${key.providerConfigKey}\n${key.connectionId}\n${key.syncName}\n${scheduledAt}${variant}`).digest('hex').slice(0, 12);
  return `${scheduledAt.replace(/[^0-9]/g, '').slice(0, 14)}-${digest}`;
}
