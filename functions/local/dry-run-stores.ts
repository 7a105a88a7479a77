/**
 * Stores for a dry run: every read goes to the real stores, every write stays in memory, so a
 * sync runs exactly as it would and reports what it would add, update and delete — without
 * saving a record, a checkpoint, metadata or a run.
 */
import type { ConnectSessionRepo } from '../engine/connect/connect-session.js';
import { contentHash } from '../engine/records/content-hash.js';
import type {
  ChangeCounts,
  ConnectionRepo,
  IntegrationConfigRepo,
  ConnectionSyncKey,
  ConnectionSyncRepo,
  ConnectionSyncState,
  DeleteOutcome,
  FinishUpdate,
  ListQuery,
  PartitionWriter,
  PruneResult,
  RecordInput,
  RecordPage,
  RecordPartition,
  RecordStore,
  RunLogLine,
  RunLogRepo,
  RunRecord,
  RunRepo,
  SaveOutcome,
  SeenIdRepo,
  StateRepos,
  StoredRecord,
  WriteContext,
} from '../engine/ports.js';
import { scanningWriter } from '../engine/records/scanning-writer.js';

type Change = { action: 'ADDED' | 'UPDATED' | 'DELETED'; payload: Record<string, unknown> };

export class DryRunRecordStore implements RecordStore {
  /** What the run would change, per model, by id (last change wins). */
  readonly changes = new Map<string, Map<string, Change>>();

  constructor(private readonly real: RecordStore) {}

  private model(partition: RecordPartition): Map<string, Change> {
    let changes = this.changes.get(partition.model);
    if (!changes) this.changes.set(partition.model, (changes = new Map()));
    return changes;
  }

  async saveBatch(partition: RecordPartition, records: RecordInput[]): Promise<SaveOutcome[]> {
    const current = await this.getByIds(
      partition,
      records.map((r) => r.id),
    );
    const changes = this.model(partition);
    return records.map((record) => {
      const existing = current.get(record.id);
      // The stored hash survives pruning (the payload does not): a pruned record saved with its
      // content again is UNCHANGED, as the real store restores it without counting a change.
      if (existing && existing.deletedAt === null && (existing.hash ?? contentHash(existing.payload)) === record.hash) return { id: record.id, result: 'UNCHANGED' };
      const added = !existing || existing.deletedAt !== null || changes.get(record.id)?.action === 'ADDED';
      changes.set(record.id, { action: added ? 'ADDED' : 'UPDATED', payload: record.payload });
      return { id: record.id, result: added ? 'ADDED' : 'UPDATED' };
    });
  }

  async deleteBatch(partition: RecordPartition, ids: string[]): Promise<DeleteOutcome[]> {
    const current = await this.getByIds(partition, ids);
    const changes = this.model(partition);
    return ids.map((id) => {
      const existing = current.get(id);
      if (!existing || existing.deletedAt !== null) return { id, result: 'UNCHANGED' };
      changes.set(id, { action: 'DELETED', payload: existing.payload });
      return { id, result: 'DELETED' };
    });
  }

  async getByIds(partition: RecordPartition, ids: string[]): Promise<Map<string, StoredRecord>> {
    const found = await this.real.getByIds(partition, ids);
    for (const id of ids) {
      const change = this.changes.get(partition.model)?.get(id);
      if (!change) continue;
      const base = found.get(id);
      found.set(id, {
        id,
        payload: change.payload,
        payloadJson: JSON.stringify(change.payload),
        firstSeenAt: base?.firstSeenAt ?? Date.now(),
        lastModifiedAt: Date.now(),
        lastAction: change.action,
        deletedAt: change.action === 'DELETED' ? Date.now() : null,
        prunedAt: change.action === 'DELETED' ? (base?.prunedAt ?? null) : null,
        hash: change.action === 'DELETED' ? base?.hash : contentHash(change.payload),
        version: (base?.version ?? 0) + 1,
        cursor: base?.cursor ?? '',
      });
    }
    return found;
  }

  list(partition: RecordPartition, query: ListQuery): Promise<RecordPage> {
    return this.real.list(partition, query);
  }

  /** No snapshot: saves read through `getByIds`, which sees the dry changes. */
  async openWriter(partition: RecordPartition, ctx: WriteContext): Promise<PartitionWriter> {
    return scanningWriter(this, partition, ctx);
  }

  async *liveIds(partition: RecordPartition): AsyncIterable<string[]> {
    const changes = this.changes.get(partition.model) ?? new Map<string, Change>();
    const known = new Set<string>();
    for await (const ids of this.real.liveIds(partition)) {
      for (const id of ids) known.add(id);
      const live = ids.filter((id) => changes.get(id)?.action !== 'DELETED');
      if (live.length > 0) yield live;
    }
    const added = [...changes].filter(([id, c]) => c.action !== 'DELETED' && !known.has(id)).map(([id]) => id);
    if (added.length > 0) yield added;
  }

  async countRunChanges(partition: RecordPartition): Promise<ChangeCounts> {
    const counts: ChangeCounts = { added: 0, updated: 0, deleted: 0 };
    for (const change of this.changes.get(partition.model)?.values() ?? []) {
      if (change.action === 'ADDED') counts.added++;
      else if (change.action === 'UPDATED') counts.updated++;
      else counts.deleted++;
    }
    return counts;
  }

  async deleteAll(): Promise<number> {
    return 0;
  }

  /** Pruning is an API call, never a sync's: a dry run prunes nothing and writes nothing. */
  async prune(): Promise<PruneResult> {
    return { count: 0, hasMore: false };
  }
}

function notInDryRun(): never {
  throw new Error('connect sessions are not available in a dry run (it runs scripts on existing connections only)');
}

/** Reads real state; leases, checkpoints, runs, logs, metadata and seen ids stay in memory. */
export class DryRunState implements StateRepos {
  readonly logs: RunLogLine[] = [];
  finished: { run: RunRecord; update: FinishUpdate } | null = null;
  readonly connections: ConnectionRepo;
  readonly connectionSyncs: ConnectionSyncRepo;
  readonly runs: RunRepo;
  readonly runLogs: RunLogRepo;
  readonly seenIds: SeenIdRepo;
  /** Read as they are: a dry run may need the OAuth client to refresh a token. */
  readonly integrations: IntegrationConfigRepo;
  /** A dry run runs scripts on existing connections; it never serves the connect flow. */
  readonly connectSessions: ConnectSessionRepo = {
    put: notInDryRun,
    findByTokenHash: notInDryRun,
    deleteByTokenHash: notInDryRun,
  };

  constructor(real: StateRepos) {
    const runs = new Map<string, RunRecord>();
    const seen = new Map<string, number[]>();
    const ensure = async (key: ConnectionSyncKey): Promise<ConnectionSyncState> =>
      (await real.connectionSyncs.get(key)) ?? {
        ...key,
        enabled: true,
        frequencyOverrideMs: null,
        lastSyncDate: null,
        checkpoint: null,
        passId: null,
        lease: null,
        releasedAt: null,
        lastRun: null,
        recordCounts: {},
        updatedAt: 0,
      };
    this.connections = {
      find: (pck, id) => real.connections.find(pck, id),
      getWithCredentials: (pck, id) => real.connections.getWithCredentials(pck, id),
      list: (pck) => real.connections.list(pck),
      // A token refresh is saved for real: a provider that rotates refresh tokens has already
      // invalidated the old one, so dropping the new tokens would strand the real connection.
      put: (connection) => real.connections.put(connection),
      lockRefresh: (pck, id, until, now) => real.connections.lockRefresh(pck, id, until, now),
      unlockRefresh: (pck, id, until) => real.connections.unlockRefresh(pck, id, until),
      saveRefreshedCredentials: (pck, id, change) => real.connections.saveRefreshedCredentials(pck, id, change),
      updateMetadata: async () => undefined,
      updateTags: async () => undefined,
      recordAuthError: async () => undefined,
      delete: async () => undefined,
    };
    this.connectionSyncs = {
      get: (key) => real.connectionSyncs.get(key),
      list: (pck, sync) => real.connectionSyncs.list(pck, sync),
      listVariants: (pck, sync, connectionId) => real.connectionSyncs.listVariants(pck, sync, connectionId),
      update: (key) => ensure(key),
      ensure: (key) => ensure(key),
      // Nothing is created for real: a variant that does not exist yet is a fresh in-memory state.
      create: async (key) => ((await real.connectionSyncs.get(key)) ? null : ensure(key)),
      delete: async () => undefined,
      // A dry run reads alongside a real one without taking its lease.
      acquireLease: async (key, lease) => ({ acquired: true, state: { ...(await ensure(key)), lease }, previous: null }),
      renewLease: async () => true,
      releaseLease: async () => undefined,
      handOverLease: async () => undefined,
      saveCheckpoint: async () => undefined,
    };
    this.runs = {
      create: async (run) => {
        if (!runs.has(run.runId)) runs.set(run.runId, run);
        return runs.get(run.runId)!;
      },
      resume: async (_key, runId) => runs.get(runId) ?? null,
      recordHandOver: async () => undefined,
      endAbandoned: async () => false,
      finish: async (run, update) => {
        this.finished = { run, update };
      },
      cancel: async () => false,
      get: async (_key, runId) => runs.get(runId) ?? null,
      list: async () => [...runs.values()],
    };
    this.runLogs = {
      append: async (_key, _runId, lines) => void this.logs.push(...lines),
      list: async () => this.logs,
    };
    this.integrations = real.integrations;
    this.seenIds = {
      append: async (passId, model, fingerprints) => void seen.set(`${passId}/${model}`, [...(seen.get(`${passId}/${model}`) ?? []), ...fingerprints]),
      // A pass resumed from the real checkpoint keeps the ids the real runs saw.
      load: async (passId, model) => seen.get(`${passId}/${model}`) ?? real.seenIds.load(passId, model),
    };
  }
}
