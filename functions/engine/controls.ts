/**
 * Sync controls and status: start, pause, trigger (reset, emptyCache), cancel, per-connection
 * frequency, sync variants, and the status of a connection-sync. The HTTP API only maps
 * requests onto these. Every control takes connection-sync keys, so it acts on one variant of a
 * sync (the base one unless a key names another).
 */
import { ConflictError, NotFoundError } from './errors.js';
import { FrequencyTooShortError, formatFrequency, parseFrequency, toRateExpression } from './frequency.js';
import type { ChangeCounts, Checkpoint, ConnectionSyncKey, ConnectionSyncState, RunStatus, RunType } from './ports.js';
import { resolveConnectionSyncs } from './resolve-syncs.js';
import { scheduleName, scheduleTarget } from './schedules.js';
import { isBaseVariant, syncRefText, variantOf } from './state-ports.js';
import type { SyncDefinition } from './sync-definition.js';
import { connectionSyncId, normalizeKey, recordPartition, type SyncRef } from './sync-keys.js';
import { type CreateVariantOutcome, createSyncVariant, type DeleteVariantOutcome, deleteSyncVariant, type VariantDeps } from './sync-variants.js';

/** What the controls act through: the same as variants need (they create and delete them). */
export type ControlsDeps = VariantDeps;

export type SyncStatusName = 'RUNNING' | 'PAUSED' | 'STOPPED' | 'SUCCESS' | 'ERROR';

/** One entry of `GET /sync/status`, in Nango's field names. */
export interface SyncStatus {
  id: string;
  connection_id: string;
  name: string;
  /** The sync variant (`base` unless one was created through the API). */
  variant: string;
  status: SyncStatusName;
  type: RunType | null;
  finishedAt: string | null;
  nextScheduledSyncAt: string | null;
  frequency: string;
  latestResult: Record<string, ChangeCounts> | null;
  latestExecutionStatus: SyncStatusName | null;
  recordCount: Record<string, number>;
  checkpoint: Checkpoint | null;
  /** Syncline extra: the schedule as it is in EventBridge, including a person's console changes. */
  schedule: { name: string; enabled: boolean; rateExpression: string; changedInConsole: boolean } | null;
}

export interface TriggerOptions {
  reset?: boolean;
  emptyCache?: boolean;
  /** Lets this one run's deletion detection through the mass-deletion guard. */
  acceptMassDeletion?: boolean;
}

/** Cancels a reset tries before it gives up on a sync whose runs keep starting under it. */
const RESET_CANCEL_ATTEMPTS = 3;

export class SyncControls {
  constructor(private readonly deps: ControlsDeps) {}

  /** The connection-syncs a request names: see `resolveConnectionSyncs`. */
  resolve(providerConfigKey: string, syncs: readonly (string | SyncRef)[] | '*', connectionId?: string): Promise<ConnectionSyncKey[]> {
    return resolveConnectionSyncs(this.deps, providerConfigKey, syncs, connectionId);
  }

  /**
   * Resumes the schedule and, as Nango documents, runs the sync at once (unless a run is still
   * going). A sync already started is left as it is. Returns the run ids queued.
   */
  async start(keys: ConnectionSyncKey[]): Promise<string[]> {
    const runIds: string[] = [];
    for (const key of keys) {
      const state = await this.ensure(key);
      if (state.enabled) continue;
      await this.deps.state.connectionSyncs.update(key, { enabled: true });
      if (this.isRunning(state)) continue;
      runIds.push(await this.queueRun(key));
    }
    return runIds;
  }

  /** Pauses future runs and stops a queued or running one. */
  async pause(keys: ConnectionSyncKey[]): Promise<void> {
    for (const key of keys) {
      const state = await this.ensure(key);
      await this.deps.state.connectionSyncs.update(key, { enabled: false });
      // A queued run is skipped by the executor once the sync is paused; a running one is cancelled.
      if (state.lease) await this.deps.state.runs.cancel(key, state.lease.runId, 'paused', this.deps.clock.now());
    }
  }

  /**
   * Queues a run now; `reset` first forgets lastSyncDate and checkpoint, `emptyCache` also
   * deletes the records. A reset of a running sync cancels the running execution first, as
   * Nango's full resync does: the cancel drops its lease, so nothing it still tries to save
   * (checkpoint, result, lastSyncDate) lands over the reset — each of those writes is
   * conditioned on the lease — and the new run is queued only after the cancel.
   */
  async trigger(keys: ConnectionSyncKey[], options: TriggerOptions = {}): Promise<string[]> {
    const runIds: string[] = [];
    for (const key of keys) {
      const state = await this.ensure(key);
      if (!state.enabled) throw new ConflictError(`sync "${syncRefText(key.syncName, key.variant)}" is paused for connection "${key.connectionId}": start it first`);
      // The acceptance is for one run; queued behind a running one, its message would be dropped as busy.
      if (options.acceptMassDeletion && this.isRunning(state)) {
        throw new ConflictError(`sync "${syncRefText(key.syncName, key.variant)}" is running for connection "${key.connectionId}": accept its deletions once it has finished`);
      }
      if (options.reset || options.emptyCache) await this.cancelForReset(key, state);
      if (options.emptyCache) {
        const models = Object.keys(this.sync(key).models);
        for (const model of models) await this.deps.records.deleteAll(recordPartition(key, model));
        await this.deps.state.connectionSyncs.update(key, { reset: true, zeroCounts: models });
      } else if (options.reset) {
        await this.deps.state.connectionSyncs.update(key, { reset: true });
      }
      runIds.push(await this.queueRun(key, options.acceptMassDeletion === true));
    }
    return runIds;
  }

  /** Cancels the running execution; false when nothing was running. */
  async cancel(key: ConnectionSyncKey): Promise<{ cancelled: string | null }> {
    const state = await this.deps.state.connectionSyncs.get(key);
    if (!state?.lease) return { cancelled: null };
    const done = await this.deps.state.runs.cancel(key, state.lease.runId, 'cancelled by request', this.deps.clock.now());
    return { cancelled: done ? state.lease.runId : null };
  }

  /**
   * Gives one connection (one variant of the sync on it) its own frequency and schedule, or
   * removes it with null. The floor is one minute, EventBridge Scheduler's finest rate.
   */
  async setFrequency(key: ConnectionSyncKey, frequency: string | null): Promise<{ frequency: string }> {
    const sync = this.sync(key);
    await this.ensure(key);
    const name = scheduleName(key.providerConfigKey, key.syncName, key.connectionId, key.variant);
    if (frequency === null) {
      await this.deps.state.connectionSyncs.update(key, { frequencyOverrideMs: null, frequencyOverride: null });
      await this.deps.scheduler.delete(name);
      return { frequency: sync.frequency };
    }
    const ms = parseOverride(frequency, key);
    await this.deps.state.connectionSyncs.update(key, { frequencyOverrideMs: ms, frequencyOverride: frequency });
    const spec = { name, rateExpression: toRateExpression(ms), target: scheduleTarget(key.providerConfigKey, key.syncName, key.connectionId, key.variant) };
    if (await this.deps.scheduler.get(name)) await this.deps.scheduler.updateRate(spec);
    else await this.deps.scheduler.create(spec);
    return { frequency };
  }

  async status(key: ConnectionSyncKey): Promise<SyncStatus> {
    const sync = this.sync(key);
    const state = await this.deps.state.connectionSyncs.get(key);
    const now = this.deps.clock.now();
    const frequencyMs = state?.frequencyOverrideMs ?? sync.frequencyMs;
    const name = state?.frequencyOverrideMs ? scheduleName(key.providerConfigKey, key.syncName, key.connectionId, key.variant) : scheduleName(key.providerConfigKey, key.syncName);
    const schedule = await this.deps.scheduler.get(name);
    const lastRun = state?.lastRun ?? null;
    const running = state ? this.isRunning(state) : false;
    const lastStatus = lastRun ? runStatusName(lastRun.status) : null;
    const status: SyncStatusName = running ? 'RUNNING' : !state?.enabled ? 'PAUSED' : (lastStatus ?? 'STOPPED');
    const scheduleOn = schedule?.enabled ?? false;
    const next = state?.enabled && scheduleOn ? Math.max(now, (lastRun?.startedAt ?? now) + frequencyMs) : null;
    return {
      id: connectionSyncId(key),
      connection_id: key.connectionId,
      name: key.syncName,
      variant: variantOf(key),
      status,
      type: lastRun?.type ?? null,
      finishedAt: lastRun?.finishedAt ? new Date(lastRun.finishedAt).toISOString() : null,
      nextScheduledSyncAt: next === null ? null : new Date(next).toISOString(),
      frequency: schedule && schedule.rateExpression !== schedule.managedRateExpression ? schedule.rateExpression : frequencyText(sync, state),
      latestResult: lastRun?.results ?? null,
      latestExecutionStatus: running ? 'RUNNING' : lastStatus,
      recordCount: state?.recordCounts ?? {},
      checkpoint: state?.checkpoint ?? null,
      schedule: schedule
        ? { name: schedule.name, enabled: schedule.enabled, rateExpression: schedule.rateExpression, changedInConsole: schedule.rateExpression !== schedule.managedRateExpression }
        : null,
    };
  }

  /** `POST /sync/{name}/variant/{variant}`: see `createSyncVariant`. */
  createVariant(key: ConnectionSyncKey): Promise<CreateVariantOutcome> {
    return createSyncVariant(this.deps, key);
  }

  /** `DELETE /sync/{name}/variant/{variant}`: see `deleteSyncVariant`. */
  deleteVariant(key: ConnectionSyncKey): Promise<DeleteVariantOutcome> {
    return deleteSyncVariant(this.deps, key);
  }

  /**
   * Stops the running execution before a reset. Read again after each cancel: a run that ended
   * meanwhile needs none, and one that started in between is cancelled too.
   */
  private async cancelForReset(key: ConnectionSyncKey, state: ConnectionSyncState): Promise<void> {
    let current: ConnectionSyncState | null = state;
    for (let attempt = 0; attempt < RESET_CANCEL_ATTEMPTS && current?.lease && this.isRunning(current); attempt++) {
      await this.deps.state.runs.cancel(key, current.lease.runId, 'cancelled by a reset', this.deps.clock.now());
      current = await this.deps.state.connectionSyncs.get(key);
    }
    if (current && this.isRunning(current)) throw new ConflictError(`sync "${syncRefText(key.syncName, key.variant)}" kept running for connection "${key.connectionId}": try the reset again`);
  }

  private isRunning(state: ConnectionSyncState): boolean {
    return state.lease !== null && state.lease.expiresAt > this.deps.clock.now();
  }

  private async queueRun(key: ConnectionSyncKey, acceptMassDeletion = false): Promise<string> {
    const runId = this.deps.newId();
    await this.deps.queue.send([{ ...key, runId, trigger: 'MANUAL', ...(acceptMassDeletion ? { acceptMassDeletion: true } : {}) }]);
    return runId;
  }

  private sync(key: ConnectionSyncKey): SyncDefinition {
    const sync = this.deps.registry.getSync(key.providerConfigKey, key.syncName);
    if (!sync) throw new NotFoundError(`integration "${key.providerConfigKey}" has no sync "${key.syncName}"`);
    return sync;
  }

  /** The base variant's state is created on first use; another variant only by `createVariant`. */
  private async ensure(key: ConnectionSyncKey): Promise<ConnectionSyncState> {
    const sync = this.sync(key);
    if (isBaseVariant(key.variant)) return this.deps.state.connectionSyncs.ensure(normalizeKey(key), { enabled: sync.autoStart });
    const state = await this.deps.state.connectionSyncs.get(key);
    if (!state) throw new NotFoundError(`sync "${key.syncName}" has no variant "${key.variant}" for connection "${key.connectionId}"`);
    return state;
  }
}

/** A frequency override, with the reason behind the one-minute floor when it is below it. */
function parseOverride(frequency: string, key: ConnectionSyncKey): number {
  try {
    return parseFrequency(frequency, `sync "${syncRefText(key.syncName, key.variant)}"`);
  } catch (error) {
    if (!(error instanceof FrequencyTooShortError)) throw error;
    throw new FrequencyTooShortError(
      `${error.message}: Syncline runs syncs from EventBridge Scheduler schedules, whose finest rate is one minute, so a frequency must be at least "every 1 minute" (Nango's own floor is 30 seconds)`,
    );
  }
}

/** The frequency as Nango reports it: the override as it was given, else the sync's own. */
function frequencyText(sync: SyncDefinition, state: ConnectionSyncState | null): string {
  if (state?.frequencyOverrideMs) return state.frequencyOverride ?? formatFrequency(state.frequencyOverrideMs);
  return sync.frequency;
}

function runStatusName(status: RunStatus): SyncStatusName {
  if (status === 'CANCELLED') return 'STOPPED';
  return status;
}
