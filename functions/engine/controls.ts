/**
 * Sync controls and status: start, pause, trigger (reset, emptyCache),
 * cancel, per-connection frequency, and the status of a connection-sync. The HTTP API only
 * maps requests onto these.
 */
import { ConflictError, NotFoundError } from './errors.js';
import { formatFrequency, parseFrequency, toRateExpression } from './frequency.js';
import type { IntegrationRegistry } from './integration.js';
import type { ChangeCounts, Checkpoint, Clock, ConnectionSyncKey, ConnectionSyncState, RecordStore, RunQueue, RunStatus, RunType, Scheduler, StateRepos } from './ports.js';
import { scheduleName } from './schedules.js';
import type { SyncDefinition } from './sync-definition.js';

export interface ControlsDeps {
  registry: IntegrationRegistry;
  state: Pick<StateRepos, 'connections' | 'connectionSyncs' | 'runs'>;
  records: RecordStore;
  queue: RunQueue;
  scheduler: Scheduler;
  clock: Clock;
  newId: () => string;
}

export type SyncStatusName = 'RUNNING' | 'PAUSED' | 'STOPPED' | 'SUCCESS' | 'ERROR';

/** One entry of `GET /sync/status`, in Nango's field names. */
export interface SyncStatus {
  id: string;
  connection_id: string;
  name: string;
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

export class SyncControls {
  constructor(private readonly deps: ControlsDeps) {}

  /** The syncs and connections a request names; every sync of the integration for `*`. */
  async resolve(providerConfigKey: string, syncs: string[] | '*', connectionId?: string): Promise<ConnectionSyncKey[]> {
    const integration = this.deps.registry.get(providerConfigKey);
    if (!integration) throw new NotFoundError(`unknown integration "${providerConfigKey}"`);
    const names = syncs === '*' ? [...integration.syncs.keys()] : syncs;
    for (const name of names) if (!integration.syncs.has(name)) throw new NotFoundError(`integration "${providerConfigKey}" has no sync "${name}"`);
    if (connectionId !== undefined) {
      if (!(await this.deps.state.connections.find(providerConfigKey, connectionId))) throw new NotFoundError(`unknown connection "${connectionId}" for integration "${providerConfigKey}"`);
      return names.map((syncName) => ({ providerConfigKey, connectionId, syncName }));
    }
    const keys: ConnectionSyncKey[] = [];
    for (const syncName of names) {
      for await (const page of this.deps.state.connectionSyncs.list(providerConfigKey, syncName)) {
        for (const cs of page) keys.push({ providerConfigKey, connectionId: cs.connectionId, syncName });
      }
    }
    return keys;
  }

  async start(keys: ConnectionSyncKey[]): Promise<void> {
    for (const key of keys) {
      await this.ensure(key);
      await this.deps.state.connectionSyncs.update(key, { enabled: true });
    }
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

  /** Queues a run now; `reset` first forgets lastSyncDate and checkpoint, `emptyCache` also deletes the records. */
  async trigger(keys: ConnectionSyncKey[], options: TriggerOptions = {}): Promise<string[]> {
    const runIds: string[] = [];
    for (const key of keys) {
      const state = await this.ensure(key);
      if (!state.enabled) throw new ConflictError(`sync "${key.syncName}" is paused for connection "${key.connectionId}": start it first`);
      const running = state.lease !== null && state.lease.expiresAt > this.deps.clock.now();
      if ((options.reset || options.emptyCache) && running) {
        throw new ConflictError(`sync "${key.syncName}" is running for connection "${key.connectionId}": cancel it before a reset`);
      }
      // The acceptance is for one run; queued behind a running one, its message would be dropped as busy.
      if (options.acceptMassDeletion && running) {
        throw new ConflictError(`sync "${key.syncName}" is running for connection "${key.connectionId}": accept its deletions once it has finished`);
      }
      if (options.emptyCache) {
        const models = Object.keys(this.sync(key).models);
        for (const model of models) await this.deps.records.deleteAll({ providerConfigKey: key.providerConfigKey, connectionId: key.connectionId, model });
        await this.deps.state.connectionSyncs.update(key, { reset: true, zeroCounts: models });
      } else if (options.reset) {
        await this.deps.state.connectionSyncs.update(key, { reset: true });
      }
      const runId = this.deps.newId();
      await this.deps.queue.send([{ ...key, runId, trigger: 'MANUAL', ...(options.acceptMassDeletion ? { acceptMassDeletion: true } : {}) }]);
      runIds.push(runId);
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

  /** Gives one connection its own frequency (and schedule), or removes it with null. */
  async setFrequency(key: ConnectionSyncKey, frequency: string | null): Promise<{ frequency: string }> {
    const sync = this.sync(key);
    await this.ensure(key);
    const name = scheduleName(key.providerConfigKey, key.syncName, key.connectionId);
    if (frequency === null) {
      await this.deps.state.connectionSyncs.update(key, { frequencyOverrideMs: null });
      await this.deps.scheduler.delete(name);
      return { frequency: sync.frequency };
    }
    const ms = parseFrequency(frequency, `sync "${key.syncName}"`);
    await this.deps.state.connectionSyncs.update(key, { frequencyOverrideMs: ms });
    const spec = { name, rateExpression: toRateExpression(ms), target: { integration: key.providerConfigKey, sync: key.syncName, connection: key.connectionId } };
    if (await this.deps.scheduler.get(name)) await this.deps.scheduler.updateRate(spec);
    else await this.deps.scheduler.create(spec);
    return { frequency };
  }

  async status(key: ConnectionSyncKey): Promise<SyncStatus> {
    const sync = this.sync(key);
    const state = await this.deps.state.connectionSyncs.get(key);
    const now = this.deps.clock.now();
    const frequencyMs = state?.frequencyOverrideMs ?? sync.frequencyMs;
    const name = scheduleName(key.providerConfigKey, key.syncName, state?.frequencyOverrideMs ? key.connectionId : undefined);
    const schedule = await this.deps.scheduler.get(name);
    const lastRun = state?.lastRun ?? null;
    const running = state?.lease !== null && state?.lease !== undefined && state.lease.expiresAt > now;
    const lastStatus = lastRun ? runStatusName(lastRun.status) : null;
    const status: SyncStatusName = running ? 'RUNNING' : !state?.enabled ? 'PAUSED' : (lastStatus ?? 'STOPPED');
    const scheduleOn = schedule?.enabled ?? false;
    const next = state?.enabled && scheduleOn ? Math.max(now, (lastRun?.startedAt ?? now) + frequencyMs) : null;
    return {
      id: `${key.providerConfigKey}:${key.syncName}:${key.connectionId}`,
      connection_id: key.connectionId,
      name: key.syncName,
      status,
      type: lastRun?.type ?? null,
      finishedAt: lastRun?.finishedAt ? new Date(lastRun.finishedAt).toISOString() : null,
      nextScheduledSyncAt: next === null ? null : new Date(next).toISOString(),
      frequency: schedule && schedule.rateExpression !== schedule.managedRateExpression ? schedule.rateExpression : formatFrequency(frequencyMs),
      latestResult: lastRun?.results ?? null,
      latestExecutionStatus: running ? 'RUNNING' : lastStatus,
      recordCount: state?.recordCounts ?? {},
      checkpoint: state?.checkpoint ?? null,
      schedule: schedule
        ? { name: schedule.name, enabled: schedule.enabled, rateExpression: schedule.rateExpression, changedInConsole: schedule.rateExpression !== schedule.managedRateExpression }
        : null,
    };
  }

  private sync(key: ConnectionSyncKey): SyncDefinition {
    const sync = this.deps.registry.getSync(key.providerConfigKey, key.syncName);
    if (!sync) throw new NotFoundError(`integration "${key.providerConfigKey}" has no sync "${key.syncName}"`);
    return sync;
  }

  private ensure(key: ConnectionSyncKey): Promise<ConnectionSyncState> {
    return this.deps.state.connectionSyncs.ensure(key, { enabled: this.sync(key).autoStart });
  }
}

function runStatusName(status: RunStatus): SyncStatusName {
  if (status === 'CANCELLED') return 'STOPPED';
  return status;
}
