/**
 * The state of one run inside one invocation, and the data side of the script SDK: every
 * `nango.*` call that touches records, checkpoints, metadata or logs lands here.
 */
import type { Connection } from '../connection.js';
import { DeadlineReachedError, DeletionRefusedError, LeaseLostError, SdkUsageError } from '../errors.js';
import { deepMerge, isPlainObject } from '../records/deep-merge.js';
import { normalizeId, validateRecord } from '../records/validate-record.js';
import type { Checkpoint, Clock, ConnectionSyncKey, Lease, LogLevel, Logger, PartitionSnapshot, RecordInput, RecordPartition, RecordStore, RunRecord, StateStore, WriteContext } from '../ports.js';
import type { SyncDefinition } from '../sync-definition.js';
import { DeletionTracker } from './deletion-tracker.js';
import { RecordWriter } from './record-writer.js';
import { RunLog } from './run-log.js';

export interface RunnerConfig {
  /** Records per store write call. */
  batchSize: number;
  /** Store write calls in flight at once per run. */
  flushConcurrency: number;
  /** How long a lease lasts without renewal; longer than the longest gap between SDK calls. */
  leaseMs: number;
  /** How often a running script checks (and renews) its lease, so a cancel or pause stops it promptly. */
  leaseCheckMs: number;
  /**
   * A run spread over several invocations is counted from the cursor index, which DynamoDB
   * updates shortly after each write (usually well under a second): wait this long first.
   */
  indexSettleMs: number;
  /** Stop this long before the invocation's deadline, to save state and hand over. */
  deadlineMarginMs: number;
  /** A full-refresh deletion above this share of the live records is refused. */
  maxDeleteShare: number;
}

export const DEFAULT_RUNNER_CONFIG: RunnerConfig = {
  batchSize: 100,
  flushConcurrency: 4,
  leaseMs: 5 * 60_000,
  leaseCheckMs: 5_000,
  indexSettleMs: 1_500,
  deadlineMarginMs: 60_000,
  maxDeleteShare: 0.5,
};

export interface SessionArgs {
  sync: SyncDefinition;
  connection: Connection;
  key: ConnectionSyncKey;
  run: RunRecord;
  lease: Lease;
  checkpoint: Checkpoint | null;
  passId: string;
  deadline: number | null;
  /**
   * Read each model's partition once up front (full refreshes, initial runs): unchanged records
   * then cost no read per record, new ones skip the read entirely, and deletions are counted
   * without a scan. Not for incremental runs, which touch a small part of a large partition.
   */
  useSnapshots: boolean;
  records: RecordStore;
  state: StateStore;
  clock: Clock;
  logger: Logger;
  config: RunnerConfig;
}

export class RunSession {
  readonly log: RunLog;
  readonly tracker = new DeletionTracker();
  readonly writer: RecordWriter;
  readonly ctx: WriteContext;
  readonly rejected = new Map<string, number>();
  private readonly snapshots = new Map<string, PartitionSnapshot>();
  checkpoint: Checkpoint | null;
  connection: Connection;
  /** Set once the script has stopped: the deadline no longer stops the writes that wrap up. */
  finishing = false;
  private lastRenewal: number;
  private leaseLost = false;
  /** Set when the deadline stopped the script, even if the script swallowed the error. */
  stoppedBy: DeadlineReachedError | null = null;

  constructor(private readonly args: SessionArgs) {
    this.checkpoint = args.checkpoint;
    this.connection = args.connection;
    this.lastRenewal = args.clock.now();
    this.ctx = { runId: args.run.runId, runStartedAt: args.run.startedAt };
    this.log = new RunLog(args.state, args.key, args.run.runId, args.logger, () => args.clock.now());
    this.writer = new RecordWriter({
      store: args.records,
      partitionFor: (model) => this.partition(model),
      ctx: this.ctx,
      batchSize: args.config.batchSize,
      concurrency: args.config.flushConcurrency,
      onRejected: (model, id, reason) => this.reject(model, id, reason),
      beforeFlush: () => this.guard(),
      snapshotFor: (model) => this.snapshots.get(model),
    });
  }

  get passId(): string {
    return this.args.passId;
  }

  partition(model: string): RecordPartition {
    return { providerConfigKey: this.args.key.providerConfigKey, connectionId: this.args.key.connectionId, model };
  }

  /**
   * Runs before every SDK call and store write: stops the script near the deadline and keeps
   * the lease alive (or stops the script when the lease was lost to a cancel or takeover).
   */
  async guard(): Promise<void> {
    const now = this.args.clock.now();
    if (!this.finishing && this.args.deadline !== null && now >= this.args.deadline - this.args.config.deadlineMarginMs) {
      // Remembered: a script that catches it and returns must not finish a partial pass as SUCCESS.
      throw (this.stoppedBy ??= new DeadlineReachedError());
    }
    this.assertLeaseHeld();
    if (now - this.lastRenewal >= Math.min(this.args.config.leaseCheckMs, this.args.config.leaseMs / 3)) await this.renewLease();
  }

  assertLeaseHeld(): void {
    if (this.leaseLost) throw new LeaseLostError('the run lost its lease: it was cancelled, paused or taken over');
  }

  private async renewLease(): Promise<void> {
    const now = this.args.clock.now();
    const renewed = { ...this.args.lease, expiresAt: now + this.args.config.leaseMs };
    this.lastRenewal = now;
    if (!(await this.args.state.renewLease(this.args.key, renewed))) {
      this.leaseLost = true;
      throw new LeaseLostError('the run lost its lease: it was cancelled, paused or taken over');
    }
    this.args.lease.expiresAt = renewed.expiresAt;
  }

  /**
   * Keeps the lease alive while the script is inside one long call (a provider request waiting
   * out a Retry-After, say) and makes no SDK call that would renew it. Without this, a slow call
   * could let the lease expire and a second execution start beside this one.
   */
  startHeartbeat(): () => void {
    const timer = setInterval(() => {
      if (this.args.clock.now() - this.lastRenewal < this.args.config.leaseMs / 3) return;
      this.renewLease().catch(() => undefined); // a lost lease is seen by the next guard
    }, Math.max(1_000, this.args.config.leaseMs / 6));
    timer.unref();
    return () => clearInterval(timer);
  }

  modelSchema(model: string) {
    const schema = this.args.sync.models[model];
    if (!schema) {
      throw new SdkUsageError(`model "${model}" is not declared by sync "${this.args.sync.name}" (declared: ${Object.keys(this.args.sync.models).join(', ')})`);
    }
    return schema;
  }

  async batchSave(records: unknown[], model: string): Promise<boolean> {
    await this.guard();
    const schema = this.modelSchema(model);
    if (!Array.isArray(records)) throw new SdkUsageError('batchSave expects an array of records');
    const valid: RecordInput[] = [];
    for (const raw of records) {
      const checked = validateRecord(raw, schema);
      if (checked.ok) valid.push(checked.record);
      else {
        this.reject(model, checked.id, checked.reason);
        // An invalid record still exists at the provider: keep it from being detected as deleted.
        if (checked.id !== null) this.tracker.markSeen(model, [checked.id]);
      }
    }
    this.tracker.markSeen(model, valid.map((record) => record.id));
    await this.loadSnapshot(model);
    await this.writer.save(model, valid);
    return true;
  }

  private async loadSnapshot(model: string): Promise<void> {
    if (this.args.useSnapshots && !this.snapshots.has(model)) this.snapshots.set(model, await this.args.records.snapshot(this.partition(model)));
  }

  async batchUpdate(partials: unknown[], model: string): Promise<boolean> {
    await this.guard();
    const schema = this.modelSchema(model);
    if (!Array.isArray(partials)) throw new SdkUsageError('batchUpdate expects an array of records');
    // Updates apply on top of saves still buffered for this model.
    await this.writer.drain(model);
    const byId = new Map<string, Record<string, unknown>>();
    for (const raw of partials) {
      const id = isPlainObject(raw) ? normalizeId(raw['id']) : { reason: 'record is not an object' };
      if (typeof id !== 'string') this.reject(model, null, id.reason);
      else byId.set(id, { ...(byId.get(id) ?? {}), ...(raw as Record<string, unknown>), id });
    }
    const stored = await this.args.records.getByIds(this.partition(model), [...byId.keys()]);
    const merged: RecordInput[] = [];
    for (const [id, patch] of byId) {
      const current = stored.get(id);
      if (!current || current.deletedAt !== null) continue; // unknown ids are ignored, as in Nango
      const checked = validateRecord(deepMerge(current.payload, patch), schema);
      if (checked.ok) merged.push(checked.record);
      else this.reject(model, id, checked.reason);
    }
    this.tracker.markSeen(model, merged.map((record) => record.id));
    await this.writer.save(model, merged);
    await this.writer.drain(model);
    return true;
  }

  async batchDelete(records: unknown[], model: string): Promise<boolean> {
    await this.guard();
    this.modelSchema(model);
    if (!Array.isArray(records)) throw new SdkUsageError('batchDelete expects an array of records');
    const ids = new Set<string>();
    for (const raw of records) {
      const id = isPlainObject(raw) ? normalizeId(raw['id']) : { reason: 'record is not an object' };
      if (typeof id === 'string') ids.add(id);
      else this.reject(model, null, id.reason);
    }
    await this.writer.drain(model);
    const all = [...ids];
    for (let start = 0; start < all.length; start += this.args.config.batchSize) {
      await this.guard();
      this.writer.countDeleted(model, await this.args.records.deleteBatch(this.partition(model), all.slice(start, start + this.args.config.batchSize), this.ctx));
    }
    return true;
  }

  async getRecordsByIds(ids: unknown[], model: string): Promise<Map<string, Record<string, unknown>>> {
    await this.guard();
    this.modelSchema(model);
    await this.writer.drain(model);
    const wanted = ids.map((id) => normalizeId(id)).filter((id): id is string => typeof id === 'string');
    const found = new Map<string, Record<string, unknown>>();
    for (let start = 0; start < wanted.length; start += 100) {
      const page = await this.args.records.getByIds(this.partition(model), wanted.slice(start, start + 100));
      for (const [id, record] of page) if (record.deletedAt === null) found.set(id, record.payload);
    }
    return found;
  }

  async saveCheckpoint(checkpoint: unknown): Promise<void> {
    await this.guard();
    if (!isPlainObject(checkpoint) || !Object.values(checkpoint).every((v) => ['string', 'number', 'boolean'].includes(typeof v))) {
      throw new SdkUsageError('a checkpoint must be a flat object of string, number or boolean values');
    }
    if (this.args.sync.checkpoint) {
      const parsed = this.args.sync.checkpoint.safeParse(checkpoint);
      if (!parsed.success) throw new SdkUsageError(`checkpoint does not match the sync's checkpoint schema: ${parsed.error.issues[0]?.message}`);
    }
    await this.persistProgress(checkpoint as Checkpoint);
  }

  async clearCheckpoint(): Promise<void> {
    await this.guard();
    await this.persistProgress(null);
  }

  /**
   * A checkpoint is the point a resumed run restarts from, so everything before it must be
   * durable first: buffered records, then the seen ids of the pass, then the checkpoint.
   */
  async persistProgress(checkpoint: Checkpoint | null): Promise<void> {
    await this.writer.drain();
    await this.persistSeenIds();
    await this.args.state.saveCheckpoint(this.args.key, this.args.lease, checkpoint, this.passId);
    this.checkpoint = checkpoint;
  }

  async persistSeenIds(): Promise<void> {
    for (const [model, fingerprints] of this.tracker.takeUnsaved()) {
      await this.args.state.appendSeenIds(this.passId, model, fingerprints);
    }
  }

  async setMetadata(metadata: unknown, merge: boolean): Promise<void> {
    await this.guard();
    if (!isPlainObject(metadata)) throw new SdkUsageError('metadata must be an object');
    const next = merge ? { ...this.connection.metadata, ...metadata } : metadata;
    await this.args.state.updateConnectionMetadata(this.args.key.providerConfigKey, this.args.key.connectionId, next);
    this.connection = { ...this.connection, metadata: next };
  }

  async trackDeletesStart(model: string): Promise<void> {
    await this.guard();
    this.modelSchema(model);
    if (this.tracker.isTracking(model)) return;
    this.tracker.start(model, await this.args.state.loadSeenIds(this.passId, model));
    await this.loadSnapshot(model);
  }

  /**
   * Marks live records the pass did not see as DELETED — unless that looks like a broken
   * listing (nothing seen, or more than `maxDeleteShare` of the live records would go).
   * Counts first, deletes in a second pass, so memory does not grow with the deletions.
   */
  async trackDeletesEnd(model: string): Promise<void> {
    await this.guard();
    this.modelSchema(model);
    if (!this.tracker.isTracking(model)) throw new SdkUsageError(`trackDeletesEnd("${model}") without trackDeletesStart("${model}")`);
    await this.writer.drain(model);
    const partition = this.partition(model);
    let live = 0;
    let missing = 0;
    const snapshot = this.snapshots.get(model);
    if (snapshot) {
      // Counted from the snapshot, without reading the partition again; records this run added
      // are not in it and were seen anyway.
      live = snapshot.liveCount;
      for (const fingerprint of snapshot.liveIdFingerprints()) if (!this.tracker.hasSeenFingerprint(model, fingerprint)) missing++;
    } else {
      for await (const ids of this.args.records.liveIds(partition)) {
        live += ids.length;
        for (const id of ids) if (!this.tracker.hasSeen(model, id)) missing++;
      }
    }
    if (missing > 0) {
      const seen = this.tracker.seenCount(model);
      const share = missing / live;
      if (seen === 0) {
        throw new DeletionRefusedError(`refused to delete all ${live} ${model} records: this run saw none (an empty or failed listing?)`);
      }
      if (share > this.args.config.maxDeleteShare) {
        throw new DeletionRefusedError(
          `refused to delete ${missing} of ${live} ${model} records (${Math.round(share * 100)}%), more than the ${Math.round(this.args.config.maxDeleteShare * 100)}% limit: a partial listing?`,
        );
      }
      for await (const ids of this.args.records.liveIds(partition)) {
        const gone = ids.filter((id) => !this.tracker.hasSeen(model, id));
        if (gone.length === 0) continue;
        await this.guard();
        this.writer.countDeleted(model, await this.args.records.deleteBatch(partition, gone, this.ctx));
      }
      this.log.write('info', `deletion detection: ${missing} of ${live} ${model} records were not seen and are marked deleted`);
    }
    this.tracker.stop(model);
  }

  writeLog(level: LogLevel, message: string): void {
    this.log.write(level, message);
  }

  private reject(model: string, id: string | null, reason: string): void {
    this.rejected.set(model, (this.rejected.get(model) ?? 0) + 1);
    this.log.write('warn', `invalid ${model} record${id === null ? '' : ` "${id}"`} not saved: ${reason}`);
  }
}
