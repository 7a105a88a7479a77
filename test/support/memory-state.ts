/**
 * In-memory implementations of the state repositories, with the same rules the DynamoDB ones
 * enforce by conditional writes: one lease holder, writes of a run conditioned on its lease,
 * every run status change conditioned on the status it leaves, one owner per script lock. Runner rules get fast, pure
 * tests against these; the DynamoDB adapters are tested against DynamoDB Local.
 *
 * `hooks.afterRead` runs after a repository read returns and before the caller goes on, so a
 * test can land a concurrent write (a cancel, say) exactly between a runner's read and its write.
 */
import { LeaseLostError, NotFoundError } from '../../functions/engine/errors.js';
import { canTransition, summarizeRun, type RunRecord, type RunStatus } from '../../functions/engine/model/run.js';
import type { Connection, ConnectionAuthError } from '../../functions/engine/connection.js';
import { type AuthFailure, type AuthFailureRepo, AuthFailureSchema } from '../../functions/engine/connect/auth-failure.js';
import type { ConnectSession, ConnectSessionRepo } from '../../functions/engine/connect/connect-session.js';
import { LocalLockRepo } from '../../functions/engine/runner/local-locks.js';
import type {
  Clock,
  IntegrationConfig,
  IntegrationConfigInfo,
  IntegrationConfigRepo,
  ConnectionInfo,
  ConnectionRepo,
  ConnectionSyncChange,
  ConnectionSyncKey,
  ConnectionSyncRepo,
  ConnectionSyncState,
  FinishUpdate,
  Lease,
  LeaseOutcome,
  RunLogLine,
  RunLogRepo,
  RunRepo,
  SeenIdRepo,
  StateRepos,
} from '../../functions/engine/ports.js';

export interface MemoryHooks {
  afterRead?: (what: string) => Promise<void>;
}

/** The base variant is keyed as before variants; another one adds itself (so runs and logs follow it), after a NUL so no base key is its prefix. */
const csKey = (k: ConnectionSyncKey) => `${k.providerConfigKey}\n${k.syncName}\n${k.connectionId}${k.variant === undefined || k.variant === 'base' ? '' : `\u0000${k.variant}`}`;
const clone = <T>(value: T): T => structuredClone(value);

class MemoryConnections implements ConnectionRepo {
  readonly items = new Map<string, Connection>();
  /** How many times credentials were opened: what a KMS decrypt would cost. */
  opened = 0;

  async find(pck: string, id: string): Promise<ConnectionInfo | null> {
    const found = this.items.get(`${pck}\n${id}`);
    return found ? info(found) : null;
  }
  async getWithCredentials(pck: string, id: string): Promise<Connection | null> {
    const found = this.items.get(`${pck}\n${id}`);
    if (!found) return null;
    this.opened++;
    return clone(found);
  }
  async put(connection: Connection): Promise<void> {
    this.items.set(`${connection.providerConfigKey}\n${connection.connectionId}`, clone(connection));
    this.refreshLocks.delete(`${connection.providerConfigKey}\n${connection.connectionId}`);
  }
  async updateMetadata(pck: string, id: string, metadata: Record<string, unknown>): Promise<void> {
    const found = this.items.get(`${pck}\n${id}`);
    if (!found) throw new NotFoundError(`unknown connection ${id}`);
    found.metadata = clone(metadata);
  }
  async updateTags(pck: string, id: string, tags: Record<string, string>): Promise<void> {
    const found = this.items.get(`${pck}\n${id}`);
    if (!found) throw new NotFoundError(`unknown connection ${id}`);
    found.tags = { ...tags };
  }
  async *list(pck: string): AsyncIterable<ConnectionInfo[]> {
    yield [...this.items.values()].filter((c) => c.providerConfigKey === pck).map(info);
  }
  async delete(pck: string, id: string): Promise<void> {
    this.items.delete(`${pck}\n${id}`);
  }
  async recordAuthError(pck: string, id: string, error: ConnectionAuthError, ifUpdatedAt: string): Promise<void> {
    const found = this.items.get(`${pck}\n${id}`);
    if (found && found.updatedAt === ifUpdatedAt) found.authError = clone(error);
  }
  async unlockRefresh(pck: string, id: string, until: number): Promise<void> {
    if (this.refreshLocks.get(`${pck}\n${id}`) === until) this.refreshLocks.delete(`${pck}\n${id}`);
  }
  async saveRefreshedCredentials(pck: string, id: string, change: { credentials: Connection['credentials']; connectionConfig: Record<string, unknown>; updatedAt: string }): Promise<void> {
    const found = this.items.get(`${pck}\n${id}`);
    if (!found) return;
    Object.assign(found, clone(change));
    delete found.authError;
    this.refreshLocks.delete(`${pck}\n${id}`);
  }
  readonly refreshLocks = new Map<string, number>();
  async lockRefresh(pck: string, id: string, until: number, now: number): Promise<boolean> {
    const held = this.refreshLocks.get(`${pck}\n${id}`);
    if (!this.items.has(`${pck}\n${id}`) || (held !== undefined && held >= now)) return false;
    this.refreshLocks.set(`${pck}\n${id}`, until);
    return true;
  }
}

function info(connection: Connection): ConnectionInfo {
  const { credentials, ...rest } = clone(connection);
  return { ...rest, credentialsType: credentials.type };
}

class MemoryConnectionSyncs implements ConnectionSyncRepo {
  readonly items = new Map<string, ConnectionSyncState>();
  constructor(private readonly clock: Clock) {}

  async get(key: ConnectionSyncKey): Promise<ConnectionSyncState | null> {
    const found = this.items.get(csKey(key));
    return found ? clone(found) : null;
  }
  async *list(pck: string, syncName: string): AsyncIterable<ConnectionSyncState[]> {
    yield [...this.items.values()].filter((s) => s.providerConfigKey === pck && s.syncName === syncName).map(clone);
  }
  async listVariants(pck: string, syncName: string, connectionId: string): Promise<ConnectionSyncState[]> {
    return [...this.items.values()].filter((s) => s.providerConfigKey === pck && s.syncName === syncName && s.connectionId === connectionId && s.variant !== undefined).map(clone);
  }
  async create(key: ConnectionSyncKey, defaults: { enabled: boolean }): Promise<ConnectionSyncState | null> {
    if (this.items.has(csKey(key))) return null;
    return this.ensure(key, defaults);
  }
  async update(key: ConnectionSyncKey, change: ConnectionSyncChange): Promise<ConnectionSyncState> {
    const found = this.items.get(csKey(key));
    if (!found) throw new NotFoundError(`sync "${key.syncName}" has no state for connection "${key.connectionId}"`);
    if (change.enabled !== undefined) found.enabled = change.enabled;
    if (change.frequencyOverrideMs !== undefined) found.frequencyOverrideMs = change.frequencyOverrideMs;
    if (change.frequencyOverrideMs === null) found.frequencyOverride = null;
    else if (change.frequencyOverride !== undefined) found.frequencyOverride = change.frequencyOverride;
    if (change.reset) Object.assign(found, { lastSyncDate: null, checkpoint: null, passId: null });
    for (const model of change.zeroCounts ?? []) found.recordCounts[model] = 0;
    found.updatedAt = this.clock.now();
    return clone(found);
  }
  async delete(key: ConnectionSyncKey): Promise<void> {
    this.items.delete(csKey(key));
  }
  async ensure(key: ConnectionSyncKey, defaults: { enabled: boolean }): Promise<ConnectionSyncState> {
    if (!this.items.has(csKey(key))) {
      const { variant, ...baseKey } = key;
      this.items.set(csKey(key), {
        ...baseKey,
        ...(variant === undefined || variant === 'base' ? {} : { variant }),
        enabled: defaults.enabled,
        frequencyOverrideMs: null,
        lastSyncDate: null,
        checkpoint: null,
        passId: null,
        lease: null,
        releasedAt: null,
        lastRun: null,
        recordCounts: {},
        updatedAt: this.clock.now(),
      });
    }
    return clone(this.items.get(csKey(key))!);
  }
  async acquireLease(key: ConnectionSyncKey, lease: Lease, now: number): Promise<LeaseOutcome> {
    const found = this.items.get(csKey(key));
    if (!found) return { acquired: false, heldBy: null, reason: 'the connection-sync does not exist' };
    const held = found.lease;
    if (held && held.expiresAt >= now && !(held.runId === lease.runId && (held.owner === lease.owner || held.handedOver === true))) {
      return { acquired: false, heldBy: clone(held), reason: `run ${held.runId} holds the lease` };
    }
    const previous = held ? clone(held) : null;
    found.lease = clone(lease);
    found.updatedAt = now;
    return { acquired: true, state: clone(found), previous };
  }
  holds(key: ConnectionSyncKey, lease: Lease): ConnectionSyncState | null {
    const found = this.items.get(csKey(key));
    return found?.lease && found.lease.runId === lease.runId && found.lease.owner === lease.owner ? found : null;
  }
  async renewLease(key: ConnectionSyncKey, lease: Lease): Promise<boolean> {
    const found = this.holds(key, lease);
    if (found) found.lease!.expiresAt = lease.expiresAt;
    return found !== null;
  }
  async releaseLease(key: ConnectionSyncKey, lease: Lease): Promise<void> {
    const found = this.holds(key, lease);
    if (found) Object.assign(found, { lease: null, releasedAt: this.clock.now() });
  }
  async handOverLease(key: ConnectionSyncKey, lease: Lease, until: number): Promise<void> {
    const found = this.holds(key, lease);
    if (found) Object.assign(found, { lease: { ...found.lease!, handedOver: true, expiresAt: until }, releasedAt: this.clock.now() });
  }
  async saveCheckpoint(key: ConnectionSyncKey, lease: Lease, checkpoint: ConnectionSyncState['checkpoint'], passId: string | null): Promise<void> {
    const found = this.holds(key, lease);
    if (!found) throw new LeaseLostError('the checkpoint was not saved: the run no longer holds its lease');
    Object.assign(found, { checkpoint: clone(checkpoint), passId });
  }
}

class MemoryRuns implements RunRepo {
  readonly items = new Map<string, RunRecord>();
  constructor(
    private readonly syncs: MemoryConnectionSyncs,
    private readonly hooks: MemoryHooks,
  ) {}

  private key(k: ConnectionSyncKey, runId: string): string {
    return `${csKey(k)}\n${runId}`;
  }
  /** The conditional write: applies only when the stored status is `expected` (null: no item). */
  private write(run: RunRecord, expected: RunStatus | null): boolean {
    if (!canTransition(expected, run.status)) throw new Error(`a run cannot go from ${expected ?? 'nothing'} to ${run.status}`);
    const stored = this.items.get(this.key(run, run.runId));
    if ((stored?.status ?? null) !== expected) return false;
    this.items.set(this.key(run, run.runId), clone(run));
    return true;
  }

  async create(run: RunRecord): Promise<RunRecord> {
    return this.write(run, null) ? clone(run) : clone(this.items.get(this.key(run, run.runId))!);
  }
  async resume(key: ConnectionSyncKey, runId: string): Promise<RunRecord | null> {
    const stored = this.items.get(this.key(key, runId));
    if (!stored) return null;
    if (stored.status === 'RUNNING') stored.invocations++;
    return clone(stored);
  }
  async recordHandOver(key: ConnectionSyncKey, runId: string, stalled: boolean): Promise<void> {
    const stored = this.items.get(this.key(key, runId));
    if (stored?.status === 'RUNNING') stored.stalledHandOvers = stalled ? stored.stalledHandOvers + 1 : 0;
  }
  async endAbandoned(run: RunRecord): Promise<boolean> {
    return this.write(run, 'RUNNING');
  }
  async finish(run: RunRecord, update: FinishUpdate, lease: Lease): Promise<void> {
    const state = this.syncs.holds(run, lease);
    if (!state) throw new LeaseLostError('the run result was not saved: the run no longer holds its lease');
    if (!this.write(run, 'RUNNING')) throw new LeaseLostError('the run result was not saved: the run had already ended');
    Object.assign(state, { lastSyncDate: update.lastSyncDate, checkpoint: clone(update.checkpoint), passId: update.passId, lastRun: summarizeRun(run), lease: null });
    for (const [model, delta] of Object.entries(update.recordCountDelta)) state.recordCounts[model] = (state.recordCounts[model] ?? 0) + delta;
  }
  async cancel(key: ConnectionSyncKey, runId: string, reason: string, now: number): Promise<boolean> {
    const run = await this.get(key, runId);
    if (run && run.status !== 'RUNNING') return false;
    const state = this.syncs.items.get(csKey(key));
    if (state?.lease && state.lease.runId !== runId) return false;
    const cancelled: RunRecord = {
      ...(run ?? { ...key, runId, trigger: 'MANUAL', type: 'INCREMENTAL', startedAt: now, results: {}, invocations: 0, stalledHandOvers: 0 }),
      status: 'CANCELLED',
      finishedAt: now,
      error: { type: 'cancelled', message: reason },
    };
    if (!this.write(cancelled, run?.status ?? null)) return false;
    if (state) Object.assign(state, { lease: null, lastRun: summarizeRun(cancelled), updatedAt: now });
    return true;
  }
  async get(key: ConnectionSyncKey, runId: string): Promise<RunRecord | null> {
    const found = this.items.get(this.key(key, runId));
    const result = found ? clone(found) : null;
    await this.hooks.afterRead?.(`runs.get ${runId}`);
    return result;
  }
  async list(key: ConnectionSyncKey, limit: number): Promise<RunRecord[]> {
    const prefix = `${csKey(key)}\n`;
    return [...this.items]
      .filter(([k]) => k.startsWith(prefix))
      .map(([, run]) => clone(run))
      .sort((a, b) => b.runId.localeCompare(a.runId))
      .slice(0, limit);
  }
}

class MemoryRunLogs implements RunLogRepo {
  readonly lines = new Map<string, RunLogLine[]>();
  async append(key: ConnectionSyncKey, runId: string, lines: RunLogLine[]): Promise<void> {
    const k = `${csKey(key)}\n${runId}`;
    this.lines.set(k, [...(this.lines.get(k) ?? []), ...clone(lines)]);
  }
  async list(key: ConnectionSyncKey, runId: string): Promise<RunLogLine[]> {
    return clone(this.lines.get(`${csKey(key)}\n${runId}`) ?? []);
  }
}

class MemorySeenIds implements SeenIdRepo {
  readonly items = new Map<string, number[]>();
  async append(passId: string, model: string, fingerprints: number[]): Promise<void> {
    this.items.set(`${passId}\n${model}`, [...(this.items.get(`${passId}\n${model}`) ?? []), ...fingerprints]);
  }
  async load(passId: string, model: string): Promise<number[]> {
    return [...(this.items.get(`${passId}\n${model}`) ?? [])];
  }
}

class MemoryIntegrations implements IntegrationConfigRepo {
  readonly items = new Map<string, IntegrationConfig>();
  async find(uniqueKey: string): Promise<IntegrationConfigInfo | null> {
    const found = this.items.get(uniqueKey);
    return found ? withoutSecret(found) : null;
  }
  async getWithSecrets(uniqueKey: string): Promise<IntegrationConfig | null> {
    const found = this.items.get(uniqueKey);
    return found ? clone(found) : null;
  }
  async list(): Promise<IntegrationConfigInfo[]> {
    return [...this.items.values()].map(withoutSecret);
  }
  async put(config: IntegrationConfig): Promise<void> {
    this.items.set(config.uniqueKey, clone(config));
  }
  async delete(uniqueKey: string): Promise<boolean> {
    return this.items.delete(uniqueKey);
  }
}

function withoutSecret(config: IntegrationConfig): IntegrationConfigInfo {
  const { credentials, ...rest } = clone(config);
  if (!credentials) return { ...rest, credentials: null };
  const { clientSecret: _secret, ...publicPart } = credentials;
  return { ...rest, credentials: publicPart };
}

/** Failed connects, in the order written (the DynamoDB version only feeds the stream). */
export class MemoryAuthFailures implements AuthFailureRepo {
  readonly items: AuthFailure[] = [];

  async record(failure: AuthFailure): Promise<void> {
    const parsed = AuthFailureSchema.parse(failure);
    if (this.items.some((i) => i.id === parsed.id)) throw new Error(`failed connect ${parsed.id} already recorded`);
    this.items.push(parsed);
  }
}

export class MemoryConnectSessions implements ConnectSessionRepo {
  readonly items = new Map<string, ConnectSession>();
  async put(session: ConnectSession): Promise<void> {
    this.items.set(session.tokenHash, clone(session));
  }
  async findByTokenHash(tokenHash: string, now: number): Promise<ConnectSession | null> {
    const session = this.items.get(tokenHash);
    return session && session.expiresAt > now ? clone(session) : null;
  }
  async deleteByTokenHash(tokenHash: string): Promise<void> {
    this.items.delete(tokenHash);
  }
}

export type MemoryState = StateRepos & {
  connections: MemoryConnections;
  connectionSyncs: MemoryConnectionSyncs;
  runs: MemoryRuns;
  runLogs: MemoryRunLogs;
  seenIds: MemorySeenIds;
  integrations: MemoryIntegrations;
  connectSessions: MemoryConnectSessions;
  locks: LocalLockRepo;
};

export function makeMemoryState(clock: Clock, hooks: MemoryHooks = {}): MemoryState {
  const connectionSyncs = new MemoryConnectionSyncs(clock);
  return {
    connections: new MemoryConnections(),
    connectionSyncs,
    runs: new MemoryRuns(connectionSyncs, hooks),
    runLogs: new MemoryRunLogs(),
    seenIds: new MemorySeenIds(),
    integrations: new MemoryIntegrations(),
    connectSessions: new MemoryConnectSessions(),
    locks: new LocalLockRepo(),
  };
}
