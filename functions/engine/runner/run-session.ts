/**
 * The state of one run inside one invocation, and the data side of the script SDK: every
 * `nango.*` call that touches records, checkpoints, metadata, locks or logs lands here. Its
 * parts have their own owners: the lease (`LeaseKeeper`), the record calls (`SessionRecords`,
 * with the buffered writes of its `RecordWriter`), seen ids (`DeletionTracker`), the deletion
 * guard (`decideDeletion`), named locks (`RunLocks`), log lines (`RunLog`).
 */
import type { Connection } from '../connection.js';
import { DeadlineReachedError, DeletionRefusedError, SdkUsageError } from '../errors.js';
import { canonicalJson } from '../records/content-hash.js';
import { isPlainObject } from '../records/deep-merge.js';
import type { CheckpointRange } from '../model/run.js';
import type { Checkpoint, Clock, ConnectionSyncKey, LogLevel, Logger, MergingStrategy, PartitionWriter, RecordPartition, RecordStore, RunRecord, StateRepos, WriteContext } from '../ports.js';
import type { ScriptHost } from '../sdk/script-host.js';
import type { SyncDefinition } from '../sync-definition.js';
import { recordPartition } from '../sync-keys.js';
import { decideDeletion } from './deletion-decision.js';
import { DeletionTracker } from './deletion-tracker.js';
import type { LeaseKeeper } from './lease-keeper.js';
import { LocalLockRepo } from './local-locks.js';
import type { RecordWriter } from './record-writer.js';
import { RunLocks } from './run-locks.js';
import { RunLog } from './run-log.js';
import type { RunnerConfig } from './runner-config.js';
import { SessionRecords, type ListedRecord } from './session-records.js';

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
  state: Pick<StateRepos, 'connections' | 'connectionSyncs' | 'runLogs' | 'seenIds' | 'locks'>;
  clock: Clock;
  logger: Logger;
  config: RunnerConfig;
}

export class RunSession implements ScriptHost {
  readonly log: RunLog;
  readonly tracker = new DeletionTracker();
  readonly records: SessionRecords;
  readonly locks: RunLocks;
  readonly ctx: WriteContext;
  private readonly partitionWriters = new Map<string, Promise<PartitionWriter>>();
  private readonly checkpointAtStart: string;
  checkpoint: Checkpoint | null;
  connection: Connection;
  /** Set once the script has stopped: the deadline no longer stops the writes that wrap up. */
  finishing = false;
  private metadataChanged = false;
  /** Set once the script read, saved or cleared its checkpoint in this invocation (see `checkpointRange`). */
  private checkpointUsed = false;
  /** Set when the deadline stopped the script, even if the script swallowed the error. */
  stoppedBy: DeadlineReachedError | null = null;

  constructor(private readonly args: SessionArgs) {
    this.checkpoint = args.checkpoint;
    this.checkpointAtStart = canonicalJson(args.checkpoint);
    this.connection = args.connection;
    this.ctx = { runId: args.run.runId, runStartedAt: args.run.startedAt };
    this.log = new RunLog(args.state.runLogs, args.key, args.run.runId, args.logger, () => args.clock.now());
    this.records = new SessionRecords({
      sync: args.sync,
      store: args.records,
      tracker: this.tracker,
      log: this.log,
      config: args.config,
      partition: (model) => this.partition(model),
      partitionWriter: (model) => this.partitionWriter(model),
      guard: () => this.guard(),
    });
    // Owned by the run id, so every invocation of the run holds the same locks.
    const scope = { providerConfigKey: args.key.providerConfigKey, connectionId: args.key.connectionId };
    this.locks = new RunLocks(args.state.locks ?? new LocalLockRepo(), scope, args.run.runId, args.clock);
  }

  get passId(): string {
    return this.args.passId;
  }

  get lease(): LeaseKeeper {
    return this.args.lease;
  }

  /** The model's records of this connection, in the run's sync variant. */
  partition(model: string): RecordPartition {
    return recordPartition(this.args.key, model);
  }

  /** Opened once per model, on first use; with a snapshot it is read before the run's first write. */
  private partitionWriter(model: string): Promise<PartitionWriter> {
    let writer = this.partitionWriters.get(model);
    if (!writer) {
      // The fence lets the writer put records its snapshot shows absent in unconditional batches.
      writer = this.args.records.openWriter(this.partition(model), this.ctx, { snapshot: this.args.useSnapshots, fence: { confirm: () => this.args.lease.confirm() } });
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
    return this.records.modelSchema(model);
  }

  /** The buffered writes of the run (held by its `SessionRecords`). */
  get writer(): RecordWriter {
    return this.records.writer;
  }

  batchSave(records: unknown[], model: string): Promise<boolean> {
    return this.records.batchSave(records, model);
  }

  batchUpdate(partials: unknown[], model: string): Promise<boolean> {
    return this.records.batchUpdate(partials, model);
  }

  batchDelete(records: unknown[], model: string): Promise<boolean> {
    return this.records.batchDelete(records, model);
  }

  getRecordsByIds(ids: unknown[], model: string): Promise<Map<string, Record<string, unknown>>> {
    return this.records.getRecordsByIds(ids, model);
  }

  /** See `SessionRecords.listRecords`: live records with `_nango_metadata`, paged, from an optional records-API cursor. */
  listRecords(model: string, options?: { cursor?: string }): AsyncGenerator<ListedRecord, void, undefined> {
    return this.records.listRecords(model, options);
  }

  /** Nango's `setMergingStrategy({ strategy }, model)`; see `SessionRecords.setMergingStrategy`. */
  setMergingStrategy(merging: { strategy: MergingStrategy }, model: string): Promise<void> {
    return this.records.setMergingStrategy(merging, model);
  }

  /** Takes (or extends) a named lock of the connection for this run; false while another run holds it. */
  async tryAcquireLock(options: { key: string; ttlMs: number }): Promise<boolean> {
    await this.guard();
    return this.locks.tryAcquire(options);
  }

  /** Releases a lock this run holds; false when it did not hold it (or it had expired). */
  async releaseLock(options: { key: string }): Promise<boolean> {
    await this.guard();
    return this.locks.release(options);
  }

  async releaseAllLocks(): Promise<void> {
    await this.guard();
    await this.locks.releaseAll();
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
    this.checkpointUsed = true;
  }

  async clearCheckpoint(): Promise<void> {
    await this.guard();
    await this.persistProgress(null);
    this.checkpointUsed = true;
  }

  /** `nango.getCheckpoint()`: a copy, so a script that changes it changes nothing stored. */
  readCheckpoint(): Checkpoint | null {
    this.checkpointUsed = true;
    return this.checkpoint === null ? null : { ...this.checkpoint };
  }

  /**
   * Nango's checkpoint range of the run (what its webhooks report), or null when the script did
   * not use its checkpoint. `from` is the checkpoint the run started from — recorded on the run
   * when it was created, so every invocation of a continued or redelivered run agrees on it —
   * and `to` the current one: the last saved, null once cleared. A checkpoint that moved was
   * used, even if only by an earlier invocation (one that crashed, say); a run that only read it
   * in an earlier invocation and not in its last one is the case this cannot see.
   */
  checkpointRange(): CheckpointRange | null {
    const atStart = this.args.run.checkpointAtStart;
    // Runs created before the start was recorded: the best known is where this invocation began.
    const from = atStart === undefined ? this.args.checkpoint : atStart;
    if (!this.checkpointUsed && canonicalJson(this.checkpoint) === canonicalJson(from)) return null;
    return { from: from === null ? null : { ...from }, to: this.checkpoint === null ? null : { ...this.checkpoint } };
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
  async trackDeletesEnd(model: string): Promise<{ deletedKeys: string[] }> {
    await this.guard();
    this.modelSchema(model);
    if (!this.tracker.isTracking(model)) throw new SdkUsageError(`trackDeletesEnd("${model}") without trackDeletesStart("${model}")`);
    await this.writer.drain(model);
    const target = await this.partitionWriter(model);
    const { live, unseen } = await target.countUnseen((fingerprint) => this.tracker.hasSeenFingerprint(model, fingerprint));
    const decision = decideDeletion({ model, live, unseen, seen: this.tracker.seenCount(model), accepted: this.args.acceptMassDeletion }, this.args.config);
    if (!decision.delete) throw new DeletionRefusedError(decision.reason);
    const deletedKeys: string[] = [];
    if (unseen > 0) {
      for await (const ids of this.args.records.liveIds(target.partition)) {
        const gone = ids.filter((id) => !this.tracker.hasSeen(model, id));
        if (gone.length === 0) continue;
        await this.guard();
        const outcomes = await target.delete(gone);
        this.writer.countDeleted(model, outcomes);
        for (const outcome of outcomes) if (outcome.result === 'DELETED') deletedKeys.push(outcome.id);
      }
      const accepted = this.args.acceptMassDeletion ? ' (deletions accepted by the operator for this run)' : '';
      this.log.write('info', `deletion detection: ${unseen} of ${live} ${model} records were not seen and are marked deleted${accepted}`);
    }
    this.tracker.stop(model);
    return { deletedKeys };
  }

  writeLog(level: LogLevel, message: string): void {
    this.log.write(level, message);
  }

  /**
   * The run has ended (finished, failed or cancelled): its locks go, so the next run need not
   * wait out their ttl. Only looked for when this invocation took one or an earlier invocation
   * of the run may have. Best effort: a lock left behind still expires.
   */
  async releaseLocksAtRunEnd(): Promise<void> {
    if (!this.locks.tookAny && this.args.run.invocations <= 1) return;
    try {
      const released = await this.locks.releaseAll();
      if (released > 0) this.log.write('debug', `released ${released} lock${released === 1 ? '' : 's'} held by the run`);
    } catch (error) {
      this.log.write('warn', `the run's locks could not be released and will expire on their own: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
