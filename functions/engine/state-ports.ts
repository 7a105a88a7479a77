/**
 * The state table's ports, one per aggregate: connections, connection-syncs (with the lease),
 * runs, run logs, seen ids and scripts' locks. A caller takes only the repositories it needs
 * (`Pick<StateRepos, …>`); the DynamoDB adapters live in `adapters/dynamodb/state/`.
 */
import * as z from 'zod';
import type { ConnectSessionRepo } from './connect/connect-session.js';
import type { Connection, ConnectionAuthError, Credentials } from './connection.js';
import type { RunRecord, RunSummary } from './model/run.js';
import type { LogLevel } from './ports.js';

export type Checkpoint = Record<string, string | number | boolean>;

/** The variant every connection-sync has; Nango's protected name for the default partition of a sync. */
export const BASE_VARIANT = 'base';

/** Nango's rule for a variant name (`variantSchema` in its server's validation helpers). */
export const VARIANT_PATTERN = /^[A-Za-z0-9_-]+$/;
export const MAX_VARIANT_LENGTH = 255;

/**
 * A variant name wherever one comes in: the API (paths, bodies, queries, `name::variant`), run
 * messages, fan-out events, the dry run. Adapters rely on it: a variant rides on key segments
 * (`<model>::<variant>`, `<connection>#<variant>`), where it can hold none of their separators,
 * and 255 ASCII characters keep every key within DynamoDB's limits.
 */
export const VariantNameSchema = z.string().min(1).max(MAX_VARIANT_LENGTH).regex(VARIANT_PATTERN, `a variant is 1–${MAX_VARIANT_LENGTH} letters, digits, "_" or "-"`);

/** Whether a variant name is well formed (the protected `base` is). */
export function isValidVariantName(variant: string): boolean {
  return VariantNameSchema.safeParse(variant).success;
}

/** Whether a key names the base variant: no variant at all, or `base` spelled out. */
export function isBaseVariant(variant: string | undefined): variant is typeof BASE_VARIANT | undefined {
  return variant === undefined || variant === BASE_VARIANT;
}

/** `name`, or Nango's `name::variant` for a variant other than `base` (status ids, messages, logs). */
export function syncRefText(syncName: string, variant: string | undefined): string {
  return isBaseVariant(variant) ? syncName : `${syncName}::${variant}`;
}

/** Identifies one sync (one variant of it) on one connection. */
export interface ConnectionSyncKey {
  providerConfigKey: string;
  connectionId: string;
  syncName: string;
  /**
   * Nango's sync variant (one sync partitioned per mailbox, channel…): absent means `base`,
   * so every key written before variants existed still names the base variant.
   */
  variant?: string;
}

/** The variant a key names, `base` when it names none. */
export function variantOf(key: Pick<ConnectionSyncKey, 'variant'>): string {
  return key.variant ?? BASE_VARIANT;
}

export interface Lease {
  runId: string;
  owner: string;
  expiresAt: number;
  /** Set while the run waits for its continuation: the next invocation of the run takes it over. */
  handedOver?: boolean;
}

/** The per-connection state of one sync. */
export interface ConnectionSyncState extends ConnectionSyncKey {
  /** Whether the schedule runs it; paused syncs run only when triggered after `start`. */
  enabled: boolean;
  frequencyOverrideMs: number | null;
  /** The override as it was given (`every 2 hours`), which the status API reports as Nango does; absent on older items. */
  frequencyOverride?: string | null;
  /** Start time of the last successful run, ms. */
  lastSyncDate: number | null;
  checkpoint: Checkpoint | null;
  /** Full-refresh pass the checkpoint belongs to: seen ids of a resumed pass carry over. */
  passId: string | null;
  lease: Lease | null;
  /** When a run last gave its lease back without finishing (a hand-over to a continuation, a failure). */
  releasedAt: number | null;
  lastRun: RunSummary | null;
  recordCounts: Record<string, number>;
  updatedAt: number;
}

export interface RunLogLine {
  at: number;
  level: LogLevel;
  message: string;
}

export type LeaseOutcome = { acquired: true; state: ConnectionSyncState; previous: Lease | null } | { acquired: false; heldBy: Lease | null; reason: string };

/** A connection as listed and checked: everything but its credentials, which stay sealed. */
export type ConnectionInfo = Omit<Connection, 'credentials'> & {
  /** The kind of credentials it holds; null for items stored before the type was kept beside them. */
  credentialsType: Credentials['type'] | null;
};

/** Connections. Credentials are opened (decrypted) only by `getWithCredentials`. */
export interface ConnectionRepo {
  find(providerConfigKey: string, connectionId: string): Promise<ConnectionInfo | null>;
  /** For a run or a token refresh: the one read that decrypts. */
  getWithCredentials(providerConfigKey: string, connectionId: string): Promise<Connection | null>;
  put(connection: Connection): Promise<void>;
  updateMetadata(providerConfigKey: string, connectionId: string, metadata: Record<string, unknown>): Promise<void>;
  /** Replaces the connection's tags (validated and lower-cased by the caller); `{}` removes them all. */
  updateTags(providerConfigKey: string, connectionId: string, tags: Record<string, string>): Promise<void>;
  list(providerConfigKey: string): AsyncIterable<ConnectionInfo[]>;
  delete(providerConfigKey: string, connectionId: string): Promise<void>;
  /**
   * Takes the connection's token-refresh lock until `until` unless another holder's lock is
   * still live at `now`: one refresh at a time across processes. Saving the connection (`put`)
   * releases it.
   */
  lockRefresh(providerConfigKey: string, connectionId: string, until: number, now: number): Promise<boolean>;
  /** Gives the refresh lock back after a failed refresh; only the holder's own lock (`until`) is removed. */
  unlockRefresh(providerConfigKey: string, connectionId: string, until: number): Promise<void>;
  /**
   * Saves refreshed tokens and the config fields kept from the token response, touching nothing
   * else on the connection (metadata written meanwhile stays); clears an auth error and the lock.
   */
  saveRefreshedCredentials(providerConfigKey: string, connectionId: string, change: { credentials: Credentials; connectionConfig: Record<string, unknown>; updatedAt: string }): Promise<void>;
  /**
   * Marks the connection as needing authorization again — unless it changed since `ifUpdatedAt`
   * (another process refreshed it, new credentials were imported). Saving credentials clears it.
   */
  recordAuthError(providerConfigKey: string, connectionId: string, error: ConnectionAuthError, ifUpdatedAt: string): Promise<void>;
}

/** The per-connection state of each sync, with the lease that keeps its runs one at a time. */
export interface ConnectionSyncRepo {
  get(key: ConnectionSyncKey): Promise<ConnectionSyncState | null>;
  /** The connection-syncs of one sync, every variant of every connection, page by page (what the fan-out walks). */
  list(providerConfigKey: string, syncName: string): AsyncIterable<ConnectionSyncState[]>;
  /** The variants other than `base` of one sync on one connection. */
  listVariants(providerConfigKey: string, syncName: string, connectionId: string): Promise<ConnectionSyncState[]>;
  /** Changes control fields; `reset` clears lastSyncDate, checkpoint and the pass. */
  update(key: ConnectionSyncKey, change: ConnectionSyncChange): Promise<ConnectionSyncState>;
  delete(key: ConnectionSyncKey): Promise<void>;
  /** Creates the connection-sync if it does not exist yet; returns the stored state. */
  ensure(key: ConnectionSyncKey, defaults: { enabled: boolean }): Promise<ConnectionSyncState>;
  /** Creates the connection-sync; null when it exists already (a variant created twice at once). */
  create(key: ConnectionSyncKey, defaults: { enabled: boolean }): Promise<ConnectionSyncState | null>;
  /** Takes the lease unless another live holder has it. Expired leases are taken over. */
  acquireLease(key: ConnectionSyncKey, lease: Lease, now: number): Promise<LeaseOutcome>;
  /** Extends the lease; false when it was lost (taken over, cancelled). */
  renewLease(key: ConnectionSyncKey, lease: Lease): Promise<boolean>;
  releaseLease(key: ConnectionSyncKey, lease: Lease): Promise<void>;
  /**
   * Hands the lease over to the run's continuation: it stays with the run (until `until`) but
   * any invocation of that run may take it, so no other run starts in between and a cancel or
   * pause still finds the run. Harmless when the lease was lost already.
   */
  handOverLease(key: ConnectionSyncKey, lease: Lease, until: number): Promise<void>;
  /** Throws `LeaseLostError` when the lease is no longer held. */
  saveCheckpoint(key: ConnectionSyncKey, lease: Lease, checkpoint: Checkpoint | null, passId: string | null): Promise<void>;
}

/**
 * Runs. Every status change is conditional on the status it leaves (see `model/run.ts`), so a
 * final run never changes again and two writers racing cannot undo each other.
 */
export interface RunRepo {
  /** Creates the run (RUNNING); when a run with its id exists already, returns that one unchanged. */
  create(run: RunRecord): Promise<RunRecord>;
  /** RUNNING → RUNNING with one more invocation. Returns the stored run: still RUNNING, or final when it ended first; null if unknown. */
  resume(key: ConnectionSyncKey, runId: string): Promise<RunRecord | null>;
  /** Notes a hand-over to a continuation of a RUNNING run: counts stalled ones in a row, resets on progress. */
  recordHandOver(key: ConnectionSyncKey, runId: string, stalled: boolean): Promise<void>;
  /** Ends a RUNNING run whose lease is gone (its executor died); false when it was not RUNNING. */
  endAbandoned(run: RunRecord): Promise<boolean>;
  /**
   * Ends a RUNNING run atomically with its connection-sync: the result, lastSyncDate on success,
   * record counts and checkpoint, and the lease released. `LeaseLostError` when the lease is gone.
   */
  finish(run: RunRecord, update: FinishUpdate, lease: Lease): Promise<void>;
  /**
   * Stops a run from outside (cancel, pause): marks it CANCELLED (creating the item when the run
   * has its lease but no item yet) and drops its lease, so the running invocation stops at its
   * next lease check. False when it was not running.
   */
  cancel(key: ConnectionSyncKey, runId: string, reason: string, now: number): Promise<boolean>;
  get(key: ConnectionSyncKey, runId: string): Promise<RunRecord | null>;
  /** Newest first. */
  list(key: ConnectionSyncKey, limit: number): Promise<RunRecord[]>;
}

export interface RunLogRepo {
  append(key: ConnectionSyncKey, runId: string, lines: RunLogLine[]): Promise<void>;
  list(key: ConnectionSyncKey, runId: string): Promise<RunLogLine[]>;
}

/** Seen-id fingerprints of a full-refresh pass, persisted so a resumed pass keeps them. */
export interface SeenIdRepo {
  append(passId: string, model: string, fingerprints: number[]): Promise<void>;
  load(passId: string, model: string): Promise<number[]>;
}

/** The OAuth app an integration uses, configured at runtime (Nango's integrations API). */
export interface IntegrationCredentials {
  type: 'OAUTH2' | 'OAUTH2_CC';
  clientId: string;
  clientSecret: string;
  /** Scopes asked for when a user connects; the provider's defaults when empty. */
  scopes: string[];
}

/** An integration as configured at runtime. Code declares its syncs; this holds its secrets. */
export interface IntegrationConfig {
  uniqueKey: string;
  /** The catalog provider's name. */
  provider: string;
  displayName: string | null;
  credentials: IntegrationCredentials | null;
  createdAt: string;
  updatedAt: string;
}

/** An integration's configuration as listed: the client id, never the client secret. */
export type IntegrationConfigInfo = Omit<IntegrationConfig, 'credentials'> & { credentials: Omit<IntegrationCredentials, 'clientSecret'> | null };

/** Runtime integration configuration; the client secret is sealed and opened only by `getWithSecrets`. */
export interface IntegrationConfigRepo {
  find(uniqueKey: string): Promise<IntegrationConfigInfo | null>;
  /** For a token refresh, or a caller allowed to read secrets. */
  getWithSecrets(uniqueKey: string): Promise<IntegrationConfig | null>;
  list(): Promise<IntegrationConfigInfo[]>;
  /** Creates or replaces. */
  put(config: IntegrationConfig): Promise<void>;
  delete(uniqueKey: string): Promise<boolean>;
}

/** Where a script's named locks live: one connection, whichever of its syncs takes them. */
export interface LockScope {
  providerConfigKey: string;
  connectionId: string;
}

/**
 * Named locks that scripts take (`nango.tryAcquireLock`), scoped to a connection and held by
 * one owner (a run id) until released or expired. Every change is one conditional write, so two
 * owners racing for a key cannot both win, and an owner only ever removes its own lock.
 */
export interface LockRepo {
  /**
   * Takes the lock until `expiresAt`, or extends it when `owner` holds it already; false while
   * another owner's lock is live at `now` (a lock is live until its `expiresAt`, exclusive).
   */
  tryAcquire(scope: LockScope, key: string, owner: string, expiresAt: number, now: number): Promise<boolean>;
  /** Removes `owner`'s lock on `key`; true when it was still live at `now` (an expired one is removed too, but reported false). */
  release(scope: LockScope, key: string, owner: string, now: number): Promise<boolean>;
  /** Removes every lock `owner` holds in the scope, live or expired; returns how many. */
  releaseAll(scope: LockScope, owner: string): Promise<number>;
}

/** The state table's aggregates, as the composition root hands them out. */
export interface StateRepos {
  connections: ConnectionRepo;
  connectionSyncs: ConnectionSyncRepo;
  runs: RunRepo;
  runLogs: RunLogRepo;
  seenIds: SeenIdRepo;
  integrations: IntegrationConfigRepo;
  /** Connect sessions (the end-user connect flow), keyed by token hash. */
  connectSessions: ConnectSessionRepo;
  /**
   * Scripts' named locks. Absent only where a run shares nothing with real ones (a dry run,
   * which takes no lease either): its locks are then kept for the run alone, in memory.
   */
  locks?: LockRepo;
}

export interface ConnectionSyncChange {
  enabled?: boolean;
  frequencyOverrideMs?: number | null;
  /** The override's text, kept with `frequencyOverrideMs` (and removed with it). */
  frequencyOverride?: string | null;
  reset?: boolean;
  /** Sets these models' record counts to zero (emptyCache). */
  zeroCounts?: string[];
}

export interface FinishUpdate {
  lastSyncDate: number | null;
  checkpoint: Checkpoint | null;
  passId: string | null;
  recordCountDelta: Record<string, number>;
}
