/**
 * An in-memory records cache with the record store's rules (an unchanged record writes nothing,
 * a changed one bumps its version, a deleted one saved again is ADDED, every change is stamped
 * with the run that made it, the merging strategy's skip, pruning and the restore of a pruned
 * record), for pure runner tests. Listing is simple: by modification order, with the action filter.
 */
import type {
  ChangeCounts,
  DeleteOutcome,
  ListQuery,
  PartitionWriter,
  PruneQuery,
  PruneResult,
  RecordInput,
  RecordPage,
  RecordPartition,
  RecordStore,
  SaveOptions,
  SaveOutcome,
  StoredRecord,
  WriteContext,
} from '../../functions/engine/ports.js';
import { InvalidCursorError } from '../../functions/engine/errors.js';
import { keepsStoredVersion } from '../../functions/engine/records/merging.js';
import { prunedPayload } from '../../functions/engine/records/nango-record.js';
import { scanningWriter } from '../../functions/engine/records/scanning-writer.js';

interface Row extends Omit<StoredRecord, 'payload' | 'payloadJson'> {
  payloadJson: string;
  hash: string;
  runId: string;
  seq: number;
}

export class MemoryRecordStore implements RecordStore {
  private readonly partitions = new Map<string, Map<string, Row>>();
  private seq = 0;
  /** Writes that changed something: what DynamoDB would bill as write units. */
  writes = 0;

  constructor(private readonly now: () => number) {}

  private rows(p: RecordPartition): Map<string, Row> {
    const key = `${p.providerConfigKey}\n${p.connectionId}\n${p.model}\n${p.variant ?? 'base'}`;
    let rows = this.partitions.get(key);
    if (!rows) this.partitions.set(key, (rows = new Map()));
    return rows;
  }

  async saveBatch(partition: RecordPartition, records: RecordInput[], ctx: WriteContext, options: SaveOptions = {}): Promise<SaveOutcome[]> {
    const rows = this.rows(partition);
    return records.map((record) => {
      const current = rows.get(record.id);
      if (current && current.deletedAt === null && current.hash === record.hash) {
        // A pruned record gets its payload back in place: same cursor, action and writer, no change counted.
        if (current.prunedAt !== null) {
          this.writes++;
          rows.set(record.id, { ...current, payloadJson: JSON.stringify(record.payload), prunedAt: null, version: current.version + 1 });
        }
        return { id: record.id, result: 'UNCHANGED' };
      }
      if (current && keepsStoredVersion(options.merging, { lastModifiedAt: current.lastModifiedAt, modifiedBy: current.runId }, ctx)) return { id: record.id, result: 'SKIPPED' };
      const live = current !== undefined && current.deletedAt === null;
      const addedThisRun = current?.lastAction === 'ADDED' && current.runId === ctx.runId;
      this.put(
        rows,
        record.id,
        { payloadJson: JSON.stringify(record.payload), hash: record.hash, lastAction: !live || addedThisRun ? 'ADDED' : 'UPDATED', deletedAt: null, prunedAt: null },
        current,
        ctx,
      );
      return { id: record.id, result: live ? 'UPDATED' : 'ADDED' };
    });
  }

  async openWriter(partition: RecordPartition, ctx: WriteContext): Promise<PartitionWriter> {
    return scanningWriter(this, partition, ctx);
  }

  async deleteBatch(partition: RecordPartition, ids: string[], ctx: WriteContext): Promise<DeleteOutcome[]> {
    const rows = this.rows(partition);
    return ids.map((id) => {
      const current = rows.get(id);
      if (!current || current.deletedAt !== null) return { id, result: 'UNCHANGED' };
      this.put(rows, id, { payloadJson: current.payloadJson, hash: current.hash, lastAction: 'DELETED', deletedAt: this.now(), prunedAt: current.prunedAt }, current, ctx);
      return { id, result: 'DELETED' };
    });
  }

  private put(rows: Map<string, Row>, id: string, change: Pick<Row, 'payloadJson' | 'hash' | 'lastAction' | 'deletedAt' | 'prunedAt'>, current: Row | undefined, ctx: WriteContext): void {
    const now = this.now();
    this.writes++;
    this.seq++;
    rows.set(id, {
      id,
      ...change,
      firstSeenAt: current?.firstSeenAt ?? now,
      lastModifiedAt: now,
      version: (current?.version ?? 0) + 1,
      cursor: String(this.seq).padStart(12, '0'),
      runId: ctx.runId,
      seq: this.seq,
    });
  }

  async getByIds(partition: RecordPartition, ids: string[]): Promise<Map<string, StoredRecord>> {
    const rows = this.rows(partition);
    const found = new Map<string, StoredRecord>();
    for (const id of ids) {
      const row = rows.get(id);
      if (row) found.set(id, toStored(row));
    }
    return found;
  }

  async list(partition: RecordPartition, query: ListQuery): Promise<RecordPage> {
    // Cursors are this store's zero-padded sequence numbers; anything else was never issued.
    if (query.cursor !== undefined && !/^\d{12}$/.test(query.cursor)) throw new InvalidCursorError();
    const actions = query.filter?.map((f) => ({ added: 'ADDED', updated: 'UPDATED', deleted: 'DELETED' })[f]);
    const sorted = [...this.rows(partition).values()]
      .sort((a, b) => a.seq - b.seq)
      .filter((row) => (query.cursor === undefined || row.cursor > query.cursor) && (!actions || actions.includes(row.lastAction)));
    const page = sorted.slice(0, query.limit);
    return { records: page.map(toStored), nextCursor: sorted.length > query.limit ? page.at(-1)!.cursor : null };
  }

  async *liveIds(partition: RecordPartition): AsyncIterable<string[]> {
    const ids = [...this.rows(partition).values()].filter((row) => row.deletedAt === null).map((row) => row.id);
    if (ids.length > 0) yield ids;
  }

  async countRunChanges(partition: RecordPartition, ctx: WriteContext): Promise<ChangeCounts> {
    const counts: ChangeCounts = { added: 0, updated: 0, deleted: 0 };
    for (const row of this.rows(partition).values()) {
      if (row.runId !== ctx.runId) continue;
      if (row.lastAction === 'ADDED') counts.added++;
      else if (row.lastAction === 'UPDATED') counts.updated++;
      else if (row.firstSeenAt < ctx.runStartedAt) counts.deleted++; // added and deleted within the run: no net change
    }
    return counts;
  }

  /** Oldest first, as `list` pages; the cursor (sequence) stays, only the payload goes. */
  async prune(partition: RecordPartition, query: PruneQuery): Promise<PruneResult> {
    if (!/^\d{12}$/.test(query.untilCursor)) throw new InvalidCursorError();
    const candidates = [...this.rows(partition).values()].sort((a, b) => a.seq - b.seq).filter((row) => row.cursor <= query.untilCursor && row.prunedAt === null);
    const rows = this.rows(partition);
    for (const row of candidates.slice(0, query.limit)) {
      this.writes++;
      rows.set(row.id, { ...row, payloadJson: JSON.stringify(prunedPayload(row.id)), prunedAt: this.now(), version: row.version + 1 });
    }
    return { count: Math.min(candidates.length, query.limit), hasMore: candidates.length > query.limit };
  }

  async deleteAll(partition: RecordPartition): Promise<number> {
    const rows = this.rows(partition);
    const count = rows.size;
    rows.clear();
    return count;
  }
}

function toStored(row: Row): StoredRecord {
  const { runId: _runId, seq: _seq, ...rest } = row;
  return {
    ...rest,
    get payload() {
      return JSON.parse(row.payloadJson) as Record<string, unknown>;
    },
  };
}
