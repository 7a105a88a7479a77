/**
 * Stores for a dry run: every read goes to the real stores, every write stays in memory, so a
 * sync runs exactly as it would and reports what it would add, update and delete — without
 * saving a record, a checkpoint, metadata or a run.
 */
import { contentHash } from '../engine/records/content-hash.js';
import type {
  ChangeCounts, Checkpoint, ConnectionSyncChange, ConnectionSyncKey, ConnectionSyncState, DeleteOutcome, FinishUpdate, Lease, LeaseOutcome,
  ListQuery, PartitionSnapshot, RecordInput, RecordPage, RecordPartition, RecordStore, RunLogLine, RunRecord, SaveOutcome, StateStore, StoredRecord,
} from '../engine/ports.js';
import type { Connection } from '../engine/connection.js';

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
    const current = await this.getByIds(partition, records.map((r) => r.id));
    const changes = this.model(partition);
    return records.map((record) => {
      const existing = current.get(record.id);
      if (existing && existing.deletedAt === null && contentHash(existing.payload) === record.hash) return { id: record.id, result: 'UNCHANGED' };
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
        id, payload: change.payload, payloadJson: JSON.stringify(change.payload), firstSeenAt: base?.firstSeenAt ?? Date.now(), lastModifiedAt: Date.now(), lastAction: change.action,
        deletedAt: change.action === 'DELETED' ? Date.now() : null, version: (base?.version ?? 0) + 1, cursor: base?.cursor ?? '',
      });
    }
    return found;
  }

  list(partition: RecordPartition, query: ListQuery): Promise<RecordPage> {
    return this.real.list(partition, query);
  }

  /** The real partition; saves here ignore it and read through `getByIds`, which sees the dry changes. */
  snapshot(partition: RecordPartition): Promise<PartitionSnapshot> {
    return this.real.snapshot(partition);
  }

  async *liveIds(partition: RecordPartition): AsyncIterable<string[]> {
    const changes = this.changes.get(partition.model) ?? new Map<string, Change>();
    const known = new Set<string>();
    for await (const ids of this.real.liveIds(partition)) {
      ids.forEach((id) => known.add(id));
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
}

/** Reads real state; leases, checkpoints, runs, logs, metadata and seen ids stay in memory. */
export class DryRunStateStore implements StateStore {
  readonly logs: RunLogLine[] = [];
  private readonly runs = new Map<string, RunRecord>();
  private readonly seen = new Map<string, number[]>();
  finished: { run: RunRecord; update: FinishUpdate } | null = null;

  constructor(private readonly real: StateStore) {}

  getConnection(providerConfigKey: string, connectionId: string): Promise<Connection | null> {
    return this.real.getConnection(providerConfigKey, connectionId);
  }
  async putConnection(): Promise<void> {}
  async updateConnectionMetadata(): Promise<void> {}
  listConnections(providerConfigKey: string): AsyncIterable<Connection[]> {
    return this.real.listConnections(providerConfigKey);
  }
  async deleteConnection(): Promise<void> {}
  getConnectionSync(key: ConnectionSyncKey): Promise<ConnectionSyncState | null> {
    return this.real.getConnectionSync(key);
  }
  listConnectionSyncs(providerConfigKey: string, syncName: string): AsyncIterable<ConnectionSyncState[]> {
    return this.real.listConnectionSyncs(providerConfigKey, syncName);
  }
  async updateConnectionSync(key: ConnectionSyncKey, _change: ConnectionSyncChange): Promise<ConnectionSyncState> {
    return this.ensureConnectionSync(key);
  }
  async deleteConnectionSync(): Promise<void> {}
  async ensureConnectionSync(key: ConnectionSyncKey): Promise<ConnectionSyncState> {
    const state = await this.real.getConnectionSync(key);
    return state ?? { ...key, enabled: true, frequencyOverrideMs: null, lastSyncDate: null, checkpoint: null, passId: null, lease: null, releasedAt: null, lastRun: null, recordCounts: {}, updatedAt: 0 };
  }
  async cancelRun(): Promise<boolean> {
    return false;
  }
  async listRuns(): Promise<RunRecord[]> {
    return [...this.runs.values()];
  }
  /** A dry run reads alongside a real one without taking its lease. */
  async acquireLease(key: ConnectionSyncKey, lease: Lease): Promise<LeaseOutcome> {
    const state = await this.ensureConnectionSync(key);
    return { acquired: true, state: { ...state, lease }, previous: null };
  }
  async renewLease(): Promise<boolean> {
    return true;
  }
  async releaseLease(): Promise<void> {}
  async saveCheckpoint(_key: ConnectionSyncKey, _lease: Lease, _checkpoint: Checkpoint | null): Promise<void> {}
  async createRun(run: RunRecord): Promise<void> {
    this.runs.set(run.runId, run);
  }
  async getRun(_key: ConnectionSyncKey, runId: string): Promise<RunRecord | null> {
    return this.runs.get(runId) ?? null;
  }
  async finishRun(run: RunRecord, update: FinishUpdate): Promise<void> {
    this.finished = { run, update };
  }
  async appendRunLogs(_key: ConnectionSyncKey, _runId: string, lines: RunLogLine[]): Promise<void> {
    this.logs.push(...lines);
  }
  async listRunLogs(): Promise<RunLogLine[]> {
    return this.logs;
  }
  async appendSeenIds(passId: string, model: string, fingerprints: number[]): Promise<void> {
    this.seen.set(`${passId}/${model}`, [...(this.seen.get(`${passId}/${model}`) ?? []), ...fingerprints]);
  }
  /** A pass resumed from the real checkpoint keeps the ids the real runs saw. */
  async loadSeenIds(passId: string, model: string): Promise<number[]> {
    return this.seen.get(`${passId}/${model}`) ?? this.real.loadSeenIds(passId, model);
  }
}
