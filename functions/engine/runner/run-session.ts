/**
 * The state of one run inside one invocation, and the data side of the script SDK: every
 * `nango.*` call that touches records, checkpoints, metadata or logs lands here. Its parts have
 * their own owners: the lease (`LeaseKeeper`), buffered writes (`RecordWriter`, over the record
 * store's per-partition writers), seen ids (`DeletionTracker`), the deletion guard
 * (`decideDeletion`), log lines (`RunLog`).
 */
import type { Connection } from '../connection.js';
import { DeadlineReachedError, DeletionRefusedError, SdkUsageError } from '../errors.js';
import { canonicalJson } from '../records/content-hash.js';
import { deepMerge, isPlainObject } from '../records/deep-merge.js';
import { normalizeId, validateRecord } from '../records/validate-record.js';
import type { Checkpoint, Clock, ConnectionSyncKey, LogLevel, Logger, PartitionWriter, RecordInput, RecordPartition, RecordStore, RunRecord, StateRepos, WriteContext } from '../ports.js';
import type { SyncDefinition } from '../sync-definition.js';
import { decideDeletion } from './deletion-decision.js';
import { DeletionTracker } from './deletion-tracker.js';
import type { LeaseKeeper } from './lease-keeper.js';
import { RecordWriter } from './record-writer.js';
import { RunLog } from './run-log.js';
import type { RunnerConfig } from './runner-config.js';

export interface SessionArgs {
  sync: SyncDefinition;
  connection: Connection;
  key: ConnectionSyncKey;
  run: RunRecord;
  lease: LeaseKeeper;
  checkpoint: Checkpoint | null;
  passId: string;
  deadline: number | null;
  /** Open partition writers with a snapshot (full refreshes, initial runs); see `OpenWriterOptions`. */
  useSnapshots: boolean;
  /** The operator accepted this run's deletions past the mass-deletion guard. */
  acceptMassDeletion: boolean;
  records: RecordStore;
  state: Pick<StateRepos, 'connections' | 'connectionSyncs' | 'runLogs' | 'seenIds'>;
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
  private readonly partitionWriters = new Map<string, Promise<PartitionWriter>>();
  private readonly checkpointAtStart: string;
  checkpoint: Checkpoint | null;
  connection: Connection;
  /** Set once the script has stopped: the deadline no longer stops the writes that wrap up. */
  finishing = false;
  private metadataChanged = false;
  /** Set when the deadline stopped the script, even if the script swallowed the error. */
  stoppedBy: DeadlineReachedError | null = null;

  constructor(private readonly args: SessionArgs) {
    this.checkpoint = args.checkpoint;
    this.checkpointAtStart = canonicalJson(args.checkpoint);
    this.connection = args.connection;
    this.ctx = { runId: args.run.runId, runStartedAt: args.run.startedAt };
    this.log = new RunLog(args.state.runLogs, args.key, args.run.runId, args.logger, () => args.clock.now());
    this.writer = new RecordWriter({
      writerFor: (model) => this.partitionWriter(model),
      batchSize: args.config.batchSize,
      concurrency: args.config.flushConcurrency,
      onRejected: (model, id, reason) => this.reject(model, id, reason),
      beforeFlush: () => this.guard(),
    });
  }

  get passId(): string {
    return this.args.passId;
  }

  get lease(): LeaseKeeper {
    return this.args.lease;
  }

  partition(model: string): RecordPartition {
    return { providerConfigKey: this.args.key.providerConfigKey, connectionId: this.args.key.connectionId, model };
  }

  /** Opened once per model, on first use; with a snapshot it is read before the run's first write. */
  private partitionWriter(model: string): Promise<PartitionWriter> {
    let writer = this.partitionWriters.get(model);
    if (!writer) {
      writer = this.args.records.openWriter(this.partition(model), this.ctx, { snapshot: this.args.useSnapshots });
      // A failed open is not cached: the next call tries again (or the run fails on it).
      writer.catch(() => this.partitionWriters.delete(model));
      this.partitionWriters.set(model, writer);
    }
    return writer;
  }

  /**
   * True when this invocation moved the run forward: a new checkpoint, records changed, or new
   * connection metadata (older Nango scripts keep their cursor there).
   */
  madeProgress(): boolean {
    return canonicalJson(this.checkpoint) !== this.checkpointAtStart || this.writer.changedAnything || this.metadataChanged;
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
    await this.args.lease.keep();
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
    this.tracker.markSeen(
      model,
      valid.map((record) => record.id),
    );
    await this.writer.save(model, valid);
    return true;
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
    this.tracker.markSeen(
      model,
      merged.map((record) => record.id),
    );
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
    const target = await this.partitionWriter(model);
    const all = [...ids];
    for (let start = 0; start < all.length; start += this.args.config.batchSize) {
      await this.guard();
      this.writer.countDeleted(model, await target.delete(all.slice(start, start + this.args.config.batchSize)));
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
    for (const [model, fingerprints] of this.tracker.takeUnsaved()) await this.args.state.seenIds.append(this.passId, model, fingerprints);
    await this.args.state.connectionSyncs.saveCheckpoint(this.args.key, this.args.lease.lease, checkpoint, this.passId);
    this.checkpoint = checkpoint;
  }

  async setMetadata(metadata: unknown, merge: boolean): Promise<void> {
    await this.guard();
    if (!isPlainObject(metadata)) throw new SdkUsageError('metadata must be an object');
    const next = merge ? { ...this.connection.metadata, ...metadata } : metadata;
    await this.args.state.connections.updateMetadata(this.args.key.providerConfigKey, this.args.key.connectionId, next);
    this.connection = { ...this.connection, metadata: next };
    this.metadataChanged = true;
  }

  async trackDeletesStart(model: string): Promise<void> {
    await this.guard();
    this.modelSchema(model);
    if (this.tracker.isTracking(model)) return;
    this.tracker.start(model, await this.args.state.seenIds.load(this.passId, model));
    await this.partitionWriter(model);
  }

  /**
   * Marks live records the pass did not see as DELETED, unless `decideDeletion` refuses (a
   * broken listing looks like a mass deletion). Counts first, deletes in a second pass, so
   * memory does not grow with the deletions.
   */
  async trackDeletesEnd(model: string): Promise<void> {
    await this.guard();
    this.modelSchema(model);
    if (!this.tracker.isTracking(model)) throw new SdkUsageError(`trackDeletesEnd("${model}") without trackDeletesStart("${model}")`);
    await this.writer.drain(model);
    const target = await this.partitionWriter(model);
    const { live, unseen } = await target.countUnseen((fingerprint) => this.tracker.hasSeenFingerprint(model, fingerprint));
    const decision = decideDeletion({ model, live, unseen, seen: this.tracker.seenCount(model), accepted: this.args.acceptMassDeletion }, this.args.config);
    if (!decision.delete) throw new DeletionRefusedError(decision.reason);
    if (unseen > 0) {
      for await (const ids of this.args.records.liveIds(target.partition)) {
        const gone = ids.filter((id) => !this.tracker.hasSeen(model, id));
        if (gone.length === 0) continue;
        await this.guard();
        this.writer.countDeleted(model, await target.delete(gone));
      }
      const accepted = this.args.acceptMassDeletion ? ' (deletions accepted by the operator for this run)' : '';
      this.log.write('info', `deletion detection: ${unseen} of ${live} ${model} records were not seen and are marked deleted${accepted}`);
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
