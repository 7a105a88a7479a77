/**
 * The record calls of the script SDK for one run: saves and updates (checked against the model
 * in the sync's validation mode, buffered by the `RecordWriter`, written with the model's
 * merging strategy), deletes, reads by id and listing. Counts what did not go in as given, for
 * the run's closing log lines.
 */
import { InvalidCursorError, SdkUsageError } from '../errors.js';
import type { MergingStrategy, PartitionWriter, RecordInput, RecordPartition, RecordStore } from '../ports.js';
import { deepMerge, isPlainObject } from '../records/deep-merge.js';
import { toNangoRecord, type NangoRecordMetadata } from '../records/nango-record.js';
import { normalizeId, validateRecord } from '../records/validate-record.js';
import type { RecordValidation, SyncDefinition } from '../sync-definition.js';
import type { DeletionTracker } from './deletion-tracker.js';
import { RecordWriter } from './record-writer.js';
import type { RunLog } from './run-log.js';
import type { RunnerConfig } from './runner-config.js';

export interface SessionRecordsArgs {
  sync: SyncDefinition;
  store: RecordStore;
  tracker: DeletionTracker;
  log: RunLog;
  config: RunnerConfig;
  partition: (model: string) => RecordPartition;
  /** The run's writer for a model's partition, opened once per model. */
  partitionWriter: (model: string) => Promise<PartitionWriter>;
  /** Runs before each SDK call and each store call; throws to stop the run. */
  guard: () => Promise<void>;
}

/** A stored record as `listRecords` yields it: the payload plus `_nango_metadata`, as the records API returns it. */
export type ListedRecord = Record<string, unknown> & { _nango_metadata: NangoRecordMetadata };

const MERGING_STRATEGIES: readonly MergingStrategy[] = ['override', 'ignore_if_modified_after'];

export class SessionRecords {
  readonly writer: RecordWriter;
  /** Records kept out, per model: no usable id, not matching the model in `reject` mode, too large. */
  readonly rejected = new Map<string, number>();
  /** Records stored although they do not match their model (`warn` mode), per model. */
  readonly mismatched = new Map<string, number>();
  /** Records left as stored by `ignore_if_modified_after`, per model. */
  readonly skipped = new Map<string, number>();
  /** Effective mode: the sync's own, else the runner's default. */
  readonly validation: RecordValidation;
  private readonly merging = new Map<string, MergingStrategy>();

  constructor(private readonly args: SessionRecordsArgs) {
    this.validation = args.sync.validation ?? args.config.recordValidation;
    this.writer = new RecordWriter({
      writerFor: args.partitionWriter,
      batchSize: args.config.batchSize,
      concurrency: args.config.flushConcurrency,
      onRejected: (model, id, reason) => this.reject(model, id, reason),
      onSkipped: (model, ids) => this.skip(model, ids),
      saveOptions: (model) => ({ merging: this.mergingStrategy(model) }),
      beforeFlush: args.guard,
    });
  }

  modelSchema(model: string) {
    const schema = this.args.sync.models[model];
    if (!schema) {
      throw new SdkUsageError(`model "${model}" is not declared by sync "${this.args.sync.name}" (declared: ${Object.keys(this.args.sync.models).join(', ')})`);
    }
    return schema;
  }

  mergingStrategy(model: string): MergingStrategy {
    return this.merging.get(model) ?? 'override';
  }

  async batchSave(records: unknown[], model: string): Promise<boolean> {
    await this.args.guard();
    const schema = this.modelSchema(model);
    if (!Array.isArray(records)) throw new SdkUsageError('batchSave expects an array of records');
    const valid: RecordInput[] = [];
    for (const raw of records) {
      const checked = validateRecord(raw, schema, this.validation);
      if (checked.ok) {
        valid.push(checked.record);
        if (checked.mismatch !== null) this.warnMismatch(model, checked.record.id, checked.mismatch);
      } else {
        this.reject(model, checked.id, checked.reason);
        // An invalid record still exists at the provider: keep it from being detected as deleted.
        if (checked.id !== null) this.args.tracker.markSeen(model, [checked.id]);
      }
    }
    this.args.tracker.markSeen(
      model,
      valid.map((record) => record.id),
    );
    await this.writer.save(model, valid);
    return true;
  }

  async batchUpdate(partials: unknown[], model: string): Promise<boolean> {
    await this.args.guard();
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
    const stored = await this.args.store.getByIds(this.args.partition(model), [...byId.keys()]);
    const merged: RecordInput[] = [];
    for (const [id, patch] of byId) {
      const current = stored.get(id);
      if (!current || current.deletedAt !== null) continue; // unknown ids are ignored, as in Nango
      const checked = validateRecord(deepMerge(current.payload, patch), schema, this.validation);
      if (!checked.ok) this.reject(model, id, checked.reason);
      else {
        merged.push(checked.record);
        if (checked.mismatch !== null) this.warnMismatch(model, id, checked.mismatch);
      }
    }
    this.args.tracker.markSeen(
      model,
      merged.map((record) => record.id),
    );
    await this.writer.save(model, merged);
    await this.writer.drain(model);
    return true;
  }

  async batchDelete(records: unknown[], model: string): Promise<boolean> {
    await this.args.guard();
    this.modelSchema(model);
    if (!Array.isArray(records)) throw new SdkUsageError('batchDelete expects an array of records');
    const ids = new Set<string>();
    for (const raw of records) {
      const id = isPlainObject(raw) ? normalizeId(raw['id']) : { reason: 'record is not an object' };
      if (typeof id === 'string') ids.add(id);
      else this.reject(model, null, id.reason);
    }
    await this.writer.drain(model);
    const target = await this.args.partitionWriter(model);
    const all = [...ids];
    for (let start = 0; start < all.length; start += this.args.config.batchSize) {
      await this.args.guard();
      this.writer.countDeleted(model, await target.delete(all.slice(start, start + this.args.config.batchSize)));
    }
    return true;
  }

  async getRecordsByIds(ids: unknown[], model: string): Promise<Map<string, Record<string, unknown>>> {
    await this.args.guard();
    this.modelSchema(model);
    if (!Array.isArray(ids)) throw new SdkUsageError('getRecordsByIds expects an array of ids');
    await this.writer.drain(model);
    const wanted = ids.map((id) => normalizeId(id)).filter((id): id is string => typeof id === 'string');
    const found = new Map<string, Record<string, unknown>>();
    for (let start = 0; start < wanted.length; start += 100) {
      const page = await this.args.store.getByIds(this.args.partition(model), wanted.slice(start, start + 100));
      for (const [id, record] of page) if (record.deletedAt === null) found.set(id, record.payload);
    }
    return found;
  }

  /**
   * The model's live records of this connection in modification order, a page at a time, from
   * `cursor` (a `next_cursor` or `_nango_metadata.cursor` of the records API) when given. What
   * this run saved before the call is written first, so it is listed. A record changed while
   * the listing goes on moves to the end of the order and may be listed again there.
   */
  async *listRecords(model: string, options: { cursor?: string } = {}): AsyncGenerator<ListedRecord, void, undefined> {
    await this.args.guard();
    this.modelSchema(model);
    if (!isPlainObject(options)) throw new SdkUsageError('listRecords: options must be an object such as { cursor }');
    const { cursor } = options;
    if (cursor !== undefined && (typeof cursor !== 'string' || cursor.length === 0)) {
      throw new SdkUsageError('listRecords: cursor must be a non-empty string, a next_cursor or _nango_metadata.cursor as received');
    }
    await this.writer.drain(model);
    let after = cursor;
    do {
      await this.args.guard();
      const page = await this.args.store
        .list(this.args.partition(model), { limit: this.args.config.batchSize, filter: ['added', 'updated'], ...(after === undefined ? {} : { cursor: after }) })
        .catch((error: unknown) => {
          throw error instanceof InvalidCursorError ? new SdkUsageError(`listRecords("${model}"): ${error.message}`, { cause: error }) : error;
        });
      for (const record of page.records) yield toNangoRecord(record);
      after = page.nextCursor ?? undefined;
    } while (after !== undefined);
  }

  /**
   * Nango's `setMergingStrategy`: the first strategy set for a model holds for the rest of the
   * run (a later call is logged and ignored, as on Nango). Saves already buffered are written
   * first, under the strategy they were made with.
   */
  async setMergingStrategy(merging: unknown, model: string): Promise<void> {
    await this.args.guard();
    this.modelSchema(model);
    const strategy = isPlainObject(merging) ? merging['strategy'] : undefined;
    if (!MERGING_STRATEGIES.includes(strategy as MergingStrategy)) {
      throw new SdkUsageError(`setMergingStrategy expects { strategy: ${MERGING_STRATEGIES.map((s) => `'${s}'`).join(' | ')} }, got ${safeJson(merging)}`);
    }
    if (this.merging.has(model)) {
      this.args.log.write('warn', `merging strategy for model ${model} is already set to '${this.merging.get(model)}'; '${String(strategy)}' is ignored`);
      return;
    }
    await this.writer.drain(model);
    this.merging.set(model, strategy as MergingStrategy);
    this.args.log.write('info', `merging strategy set to '${String(strategy)}' for model ${model}`);
  }

  /** Closing log lines: what did not go in as the script gave it, per model. */
  summarize(): void {
    for (const [model, count] of this.rejected) this.args.log.write('warn', `${count} invalid ${model} records were rejected`);
    for (const [model, count] of this.mismatched) this.args.log.write('warn', `${count} ${model} records did not match the model and were stored anyway`);
    for (const [model, count] of this.skipped) {
      this.args.log.write('debug', `${count} ${model} records were left as stored: modified since the run started by another writer (ignore_if_modified_after)`);
    }
  }

  private reject(model: string, id: string | null, reason: string): void {
    count(this.rejected, model, 1);
    this.args.log.write('warn', `invalid ${model} record${id === null ? '' : ` "${id}"`} not saved: ${reason}`);
  }

  private warnMismatch(model: string, id: string, mismatch: string): void {
    count(this.mismatched, model, 1);
    this.args.log.write('warn', `${model} "${id}" does not match the model (stored anyway): ${mismatch}`);
  }

  private skip(model: string, ids: string[]): void {
    count(this.skipped, model, ids.length);
    const shown = ids.slice(0, 5).map((id) => `"${id}"`);
    const more = ids.length > shown.length ? ` and ${ids.length - shown.length} more` : '';
    this.args.log.write('debug', `${model} ${shown.join(', ')}${more} not saved: modified since the run started by another writer (ignore_if_modified_after)`);
  }
}

function count(counts: Map<string, number>, model: string, by: number): void {
  counts.set(model, (counts.get(model) ?? 0) + by);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
