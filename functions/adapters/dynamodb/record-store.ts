/**
 * The records cache on DynamoDB (the `RecordStore` port).
 *
 * Save = one eventually consistent BatchGetItem for the batch (0.5 RCU per item), then a
 * conditional PutItem only for new or changed records. An unchanged record therefore costs
 * no write at all — a failed conditional write would still be billed — and produces no
 * stream event. Each put is conditioned on the version read, so a concurrent writer's newer
 * version is never overwritten: the loser re-reads and re-decides.
 *
 * A writer opened with a partition snapshot and a lease fence (initial runs, full refreshes)
 * writes the records the snapshot shows absent with BatchWriteItem instead — 25 puts per call,
 * no read, no condition; see `writeKnownNew` for why that is safe.
 *
 * Prune (`record-prune.ts`) empties payloads in place (cursor key untouched); a pruned record keeps
 * its content hash, so a save with the same content restores it without counting as a change.
 *
 * Over the usual 300 lines on purpose: save, snapshot, list and delete share the item codec, the
 * write-skew re-stamping and the capacity accounting, which belong to this one table.
 */
import { ConditionalCheckFailedException, type ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  type BatchWriteCommandOutput,
  paginateQuery,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { asInfrastructureError, InvalidCursorError, LeaseLostError } from '../../engine/errors.js';
import type {
  ChangeCounts,
  Clock,
  DeleteOutcome,
  ListQuery,
  OpenWriterOptions,
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
  WriteFence,
} from '../../engine/ports.js';
import { isBaseVariant } from '../../engine/state-ports.js';
import { scanningWriter } from '../../engine/records/scanning-writer.js';
import { mapWithConcurrency } from '../../engine/concurrency.js';
import { hashFingerprint, idFingerprint } from '../../engine/records/content-hash.js';
import { FingerprintSet } from '../../engine/records/fingerprint-set.js';
import { keepsStoredVersion } from '../../engine/records/merging.js';
import {
  cursorFloor,
  cursorKey,
  decodeCursor,
  encodePayload,
  EXISTING_PROJECTION,
  type ExistingItem,
  itemSize,
  MAX_CONFLICT_RETRIES,
  MAX_ITEM_BYTES,
  type RecordItem,
  timeOfCursorKey,
  toStoredRecord,
  unmarshallExisting,
} from './record-codec.js';
import { PackedSnapshot } from './partition-snapshot.js';
import { type PruneContext, pruneRecords } from './record-prune.js';
import { RECORDS_KEYS } from './table-schema.js';
import { batchWriteAll } from './batch-write.js';
import { queryPages } from './dynamo-calls.js';

export interface DynamoRecordStoreOptions {
  doc: DynamoDBDocumentClient;
  tableName: string;
  clock: Clock;
  /** Concurrent PutItem calls per batch. */
  writeConcurrency?: number;
  /**
   * A write whose response comes back later than this after its timestamp is re-stamped, so
   * a reader that trails the clock by `visibilityLagMs` ≥ 2× this can never pass it unseen.
   */
  maxWriteSkewMs?: number;
  /** Receives consumed capacity of every call (benchmarks, tests). */
  onCapacity?: (operation: string, capacity: ConsumedCapacity[]) => void;
  /**
   * Unconditional batch writes of known-new records go out only this soon after the lease was
   * confirmed; later (a slow confirmation, unprocessed items after backoff) they become
   * conditional puts. Default 1 s.
   */
  fenceWindowMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** What a snapshot writer knows beside its snapshot. */
interface WriterState {
  snapshot: PackedSnapshot;
  /** Records this writer deleted: the snapshot no longer vouches for them. */
  deletedHere: Set<number>;
  /** Records this writer wrote without a condition: a later save of one must read it first (lossy: a false "written" only costs that read). */
  writtenHere: FingerprintSet;
  fence: WriteFence | undefined;
}

/** The DynamoDB limit on requests per BatchWriteItem call. */
const BATCH_WRITE_LIMIT = 25;
const BATCH_WRITE_ATTEMPTS = 6;
/** Items per page when a whole partition (or a run's changes) is read; see `pages`. */
const SCAN_PAGE_ITEMS = 2_000;

export function recordPartitionKey(p: RecordPartition): string {
  // providerConfigKey and model cannot contain "|"; the connection id, which can, goes last. A
  // variant ([A-Za-z0-9_-]) rides on the model, so base-variant keys are those stored before variants.
  const model = isBaseVariant(p.variant) ? p.model : `${p.model}::${p.variant}`;
  return `${p.providerConfigKey}|${model}|${p.connectionId}`;
}

export class DynamoRecordStore implements RecordStore {
  private readonly writeConcurrency: number;
  private readonly maxWriteSkewMs: number;
  private readonly pruneContext: PruneContext;
  private readonly fenceWindowMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: DynamoRecordStoreOptions) {
    this.writeConcurrency = options.writeConcurrency ?? 25;
    this.maxWriteSkewMs = options.maxWriteSkewMs ?? 1_000;
    this.fenceWindowMs = options.fenceWindowMs ?? 1_000;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.pruneContext = {
      doc: options.doc,
      tableName: options.tableName,
      clock: options.clock,
      writeConcurrency: this.writeConcurrency,
      returnCapacity: this.capacityMode(),
      query: <T>(input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>, what: string) => this.pages<T>(input, what),
      report: (operation, capacity) => this.report(operation, capacity),
    };
  }

  saveBatch(partition: RecordPartition, records: RecordInput[], ctx: WriteContext, options: SaveOptions = {}): Promise<SaveOutcome[]> {
    return this.save(partition, records, ctx, options);
  }

  async openWriter(partition: RecordPartition, ctx: WriteContext, options: OpenWriterOptions): Promise<PartitionWriter> {
    if (!options.snapshot) return scanningWriter(this, partition, ctx);
    // The snapshot is this writer's own: taken once, read by its saves and by `countUnseen`. The
    // writer's own deletions are kept beside it, so the snapshot never vouches for a record this
    // run deleted (a save of it is read and revived; the deletion count does not include it).
    const state: WriterState = { snapshot: await this.snapshot(partition), deletedHere: new Set(), writtenHere: new FingerprintSet([], 'lossy'), fence: options.fence };
    const { snapshot, deletedHere } = state;
    return {
      partition,
      save: async (records, saveOptions = {}) => {
        const outcomes = await this.save(partition, records, ctx, saveOptions, state);
        for (const outcome of outcomes) if (outcome.result === 'ADDED' || outcome.result === 'UPDATED') deletedHere.delete(idFingerprint(outcome.id));
        return outcomes;
      },
      delete: async (ids) => {
        const outcomes = await this.deleteBatch(partition, ids, ctx);
        for (const outcome of outcomes) if (outcome.result === 'DELETED') deletedHere.add(idFingerprint(outcome.id));
        return outcomes;
      },
      countUnseen: async (isSeen) => {
        let live = 0;
        let unseen = 0;
        for (const fingerprint of snapshot.liveIdFingerprints()) {
          if (deletedHere.has(fingerprint)) continue;
          live++;
          if (!isSeen(fingerprint)) unseen++;
        }
        return { live, unseen };
      },
    };
  }

  private async save(partition: RecordPartition, records: RecordInput[], ctx: WriteContext, options: SaveOptions, writer?: WriterState): Promise<SaveOutcome[]> {
    const pk = recordPartitionKey(partition);
    try {
      // A snapshot answers for records it shows unchanged (no read) or absent (written as new,
      // in batches when the writer has a fence); only records it shows changed or deleted, and
      // those this writer already wrote or deleted, need their current version read.
      const unchanged = new Set<string>();
      const toRead: string[] = [];
      const knownNew: RecordInput[] = [];
      for (const record of records) {
        if (!writer) {
          toRead.push(record.id);
          continue;
        }
        // Ids are unique within a batch (`PartitionWriter.save`), so an id marked written is from an earlier batch.
        const fingerprint = idFingerprint(record.id);
        if (writer.deletedHere.has(fingerprint) || writer.writtenHere.has(fingerprint)) {
          toRead.push(record.id);
          continue;
        }
        const known = writer.snapshot.lookup(record.id);
        if (!known) {
          if (writer.fence) knownNew.push(record);
        } else if (!known.deleted && known.hashFingerprint === hashFingerprint(record.hash)) unchanged.add(record.id);
        else toRead.push(record.id);
      }
      const batching = writer?.fence !== undefined && knownNew.length > 0;
      const batchedIds = new Set(batching ? knownNew.map((record) => record.id) : []);
      const batched = batching ? this.writeKnownNew(pk, knownNew, ctx, options, writer!) : Promise.resolve(new Map<string, SaveOutcome>());
      const conditional = this.readExisting(pk, toRead).then((existing) =>
        mapWithConcurrency(
          records.filter((record) => !batchedIds.has(record.id)),
          this.writeConcurrency,
          async (record): Promise<SaveOutcome> => (unchanged.has(record.id) ? { id: record.id, result: 'UNCHANGED' } : this.saveOne(pk, record, existing.get(record.id) ?? null, ctx, options)),
        ),
      );
      // Both settle before the save answers: a failure of one never leaves the other writing behind it.
      const [fromBatches, rest] = await Promise.allSettled([batched, conditional]);
      if (fromBatches.status === 'rejected' || rest.status === 'rejected') {
        const errors = [fromBatches, rest].flatMap((settled) => (settled.status === 'rejected' ? [settled.reason as unknown] : []));
        throw errors.find((error) => error instanceof LeaseLostError) ?? errors[0];
      }
      const outcomes = new Map(rest.value.map((outcome) => [outcome.id, outcome]));
      for (const [id, outcome] of fromBatches.value) outcomes.set(id, outcome);
      return records.map((record) => outcomes.get(record.id)!);
    } catch (error) {
      if (error instanceof LeaseLostError) throw error; // the fence: the run stops, as at its next lease check
      throw asInfrastructureError(error, 'saving records');
    }
  }

  /**
   * Writes records the snapshot shows absent with BatchWriteItem: 25 puts per call, no read,
   * no condition — the same items `saveOne` would put for a new record (version 1, ADDED by
   * this run), at the same cost (1 WCU per KB plus the index), in a quarter of the calls.
   *
   * Why no condition is needed: a put can only overwrite a record someone wrote after the
   * snapshot was read. This writer's own earlier writes are in `writtenHere` and its deletions
   * in `deletedHere`, so their ids take the conditional path. Another writer of the same
   * partition must be another run of the same sync, and only the lease holder writes: a run
   * that took over an expired lease read its own snapshot after taking it, and a run cancelled
   * or paused loses its lease at once. So every batch is sent only right after `fence.confirm()`
   * (a conditional renewal of the lease) succeeded, within `fenceWindowMs`; whatever cannot be
   * sent in that window (a slow confirmation, items DynamoDB handed back unprocessed and still
   * pending after a backoff) falls back to a conditional put, which decides against whatever is
   * there; a call still running when the window ends is aborted (the SDK's retries with it) and
   * its items take the same path, since nobody can tell whether they were written. The gap left is a cancel and a new run's first write of the same id landing inside
   * that window, between the confirmation and this batch.
   *
   * Crash-safe like the single puts: a batch half-written before a crash is in the next
   * invocation's snapshot, which re-decides those records with conditional writes, and a run's
   * counts come from its records (`countRunChanges`) whenever it spans invocations.
   */
  private async writeKnownNew(pk: string, records: RecordInput[], ctx: WriteContext, options: SaveOptions, writer: WriterState): Promise<Map<string, SaveOutcome>> {
    const outcomes = new Map<string, SaveOutcome>();
    const pending: { record: RecordInput; payload: Uint8Array }[] = [];
    for (const record of records) {
      const payload = encodePayload(record.payload);
      // Marked before the write: a later save of the id is read and decided, never blind.
      writer.writtenHere.add(idFingerprint(record.id));
      const size = itemSize(this.newItem(pk, record, payload, this.options.clock.now(), ctx));
      if (size > MAX_ITEM_BYTES) outcomes.set(record.id, tooLarge(record.id, size));
      else pending.push({ record, payload });
    }
    const chunks: (typeof pending)[] = [];
    for (let start = 0; start < pending.length; start += BATCH_WRITE_LIMIT) chunks.push(pending.slice(start, start + BATCH_WRITE_LIMIT));
    // The lease was proven somewhere inside `confirm`: the window counts from before the call.
    const confirmedAt = this.options.clock.now();
    await writer.fence!.confirm();
    const fallback: RecordInput[] = [];
    await mapWithConcurrency(chunks, this.writeConcurrency, async (chunk) => {
      let left = chunk;
      for (let attempt = 1; left.length > 0; attempt++) {
        if (this.options.clock.now() - confirmedAt > this.fenceWindowMs || attempt > BATCH_WRITE_ATTEMPTS) {
          fallback.push(...left.map((entry) => entry.record));
          return;
        }
        const stampedAt = this.options.clock.now();
        const items = left.map(({ record, payload }) => this.newItem(pk, record, payload, stampedAt, ctx));
        // The SDK's own retries (throttling, a 5xx) happen inside this call: the abort ends them,
        // and the call itself, when the window does.
        const window = AbortSignal.timeout(Math.max(1, confirmedAt + this.fenceWindowMs - stampedAt));
        let response: BatchWriteCommandOutput;
        try {
          response = await this.options.doc.send(
            new BatchWriteCommand({
              RequestItems: { [this.options.tableName]: items.map((Item) => ({ PutRequest: { Item } })) },
              ReturnConsumedCapacity: this.capacityMode(),
            }),
            { abortSignal: window },
          );
        } catch (error) {
          if (!window.aborted) throw error;
          // Written or not, nobody can say: the conditional path reads and decides each one.
          fallback.push(...left.map((entry) => entry.record));
          return;
        }
        this.report('BatchWriteItem', response.ConsumedCapacity);
        const unprocessed = new Set((response.UnprocessedItems?.[this.options.tableName] ?? []).map((request) => request.PutRequest?.Item?.['sk'] as string));
        const written = items.filter((item) => !unprocessed.has(item.sk));
        // A slow call re-stamps its items together, not one round trip after another.
        await Promise.all(written.map((item) => this.restampIfSlow(item, stampedAt)));
        for (const item of written) outcomes.set(item.sk, { id: item.sk, result: 'ADDED' });
        left = left.filter((entry) => unprocessed.has(entry.record.id));
        if (left.length > 0) await this.sleep(Math.floor(Math.random() * Math.min(2_000, 50 * 2 ** (attempt - 1))));
      }
    });
    // Past the fence's window: each one a conditional put against whatever is there now.
    const fallbackIds = fallback.map((record) => record.id);
    const existing = await this.readExisting(pk, fallbackIds, true);
    await mapWithConcurrency(fallback, this.writeConcurrency, async (record) => outcomes.set(record.id, await this.saveOne(pk, record, existing.get(record.id) ?? null, ctx, options)));
    return outcomes;
  }

  /** A record's first version, stamped `now`, written by this run. */
  private newItem(pk: string, record: RecordInput, payload: Uint8Array, now: number, ctx: WriteContext): RecordItem {
    return { pk, sk: record.id, cu: cursorKey(now, record.id), h: record.hash, v: 1, d: payload, fs: now, a: 'A', r: ctx.runId };
  }

  /**
   * Reads the whole partition once into a packed snapshot, strongly consistent (billed by size,
   * ~0.11 RCU per 1 KB record): a record the run's previous invocation wrote a moment ago must
   * not look absent, or it would be batch-written over as new.
   */
  private async snapshot(partition: RecordPartition): Promise<PackedSnapshot> {
    const entries = { idFp: [] as number[], hashFp: [] as number[], deleted: [] as number[] };
    for await (const items of this.partitionPages<Pick<RecordItem, 'sk' | 'h' | 'a' | 'pa'>>(partition, 'sk, h, a, pa', 'reading a partition snapshot', true)) {
      for (const item of items) {
        entries.idFp.push(idFingerprint(item.sk));
        // A pruned record matches no hash (NaN equals nothing), so its save reads it and restores the payload.
        entries.hashFp.push(item.pa === undefined ? hashFingerprint(item.h) : Number.NaN);
        entries.deleted.push(item.a === 'D' ? 1 : 0);
      }
    }
    return PackedSnapshot.build(entries);
  }

  /**
   * Every put is conditioned on the version it decided against (or on there being none), so the
   * decisions made here — unchanged, skipped by the merging strategy, added or updated — hold
   * at the moment of the write: a concurrent change fails the condition and is decided again.
   */
  private async saveOne(pk: string, record: RecordInput, current: ExistingItem | null, ctx: WriteContext, options: SaveOptions): Promise<SaveOutcome> {
    const payload = encodePayload(record.payload);
    for (let attempt = 0; ; attempt++) {
      if (current && current.a !== 'D' && current.h === record.hash) {
        if (current.pa === undefined) return { id: record.id, result: 'UNCHANGED' };
        const conflict = await this.restorePruned(pk, current, payload);
        if (conflict === undefined) return { id: record.id, result: 'UNCHANGED' };
        if (attempt >= MAX_CONFLICT_RETRIES) throw new Error(`record ${record.id}: gave up restoring its payload after ${attempt} conflicting writes`);
        current = conflict;
        continue;
      }
      if (current && keepsStoredVersion(options.merging, { lastModifiedAt: timeOfCursorKey(current.cu), modifiedBy: current.r }, ctx)) return { id: record.id, result: 'SKIPPED' };
      const now = this.options.clock.now();
      // Within one run a record first added stays ADDED: readers have not seen it before.
      const action: RecordItem['a'] = !current || current.a === 'D' || (current.a === 'A' && current.r === ctx.runId) ? 'A' : 'U';
      const item: RecordItem = {
        pk,
        sk: record.id,
        cu: cursorKey(now, record.id),
        h: record.hash,
        v: (current?.v ?? 0) + 1,
        d: payload,
        fs: current?.fs ?? now,
        a: action,
        r: ctx.runId,
      };
      const size = itemSize(item);
      if (size > MAX_ITEM_BYTES) return tooLarge(record.id, size);
      try {
        const response = await this.options.doc.send(
          new PutCommand({
            TableName: this.options.tableName,
            Item: item,
            ConditionExpression: current ? 'v = :v' : 'attribute_not_exists(pk)',
            ExpressionAttributeValues: current ? { ':v': current.v } : undefined,
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            ReturnConsumedCapacity: this.capacityMode(),
          }),
        );
        this.report('PutItem', response.ConsumedCapacity);
        await this.restampIfSlow(item, now);
        return { id: record.id, result: current && current.a !== 'D' ? 'UPDATED' : 'ADDED' };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException) || attempt >= MAX_CONFLICT_RETRIES) throw error;
        // A concurrent writer got there first: decide again against what it wrote.
        current = (error.Item ? unmarshallExisting(error.Item) : null) ?? (await this.readExisting(pk, [record.id], true)).get(record.id) ?? null;
      }
    }
  }

  /**
   * A pruned record saved again with the content it had: its payload goes back, nothing else
   * changes — not its cursor, last action or last writer — so readers and the run's change counts
   * (hence webhooks) see no modification, as on Nango, where the restore keeps `updated_at` and
   * counts the record as unchanged. Conditioned on the version like every write: undefined when
   * restored, else the record as a concurrent writer left it, to decide again on.
   */
  private async restorePruned(pk: string, current: ExistingItem, payload: Uint8Array): Promise<ExistingItem | null | undefined> {
    try {
      const response = await this.options.doc.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { pk, sk: current.sk },
          UpdateExpression: 'SET d = :d, v = :next REMOVE pa',
          ConditionExpression: 'v = :v',
          ExpressionAttributeValues: { ':d': payload, ':next': current.v + 1, ':v': current.v },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          ReturnConsumedCapacity: this.capacityMode(),
        }),
      );
      this.report('UpdateItem', response.ConsumedCapacity);
      return undefined;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return error.Item ? unmarshallExisting(error.Item) : null;
    }
  }

  /**
   * Readers list only records older than their visibility lag. If this write took long enough
   * that a reader may already have moved past its timestamp, give it a fresh one.
   */
  private async restampIfSlow(item: RecordItem, stampedAt: number): Promise<void> {
    const now = this.options.clock.now();
    if (now - stampedAt <= this.maxWriteSkewMs) return;
    await this.options.doc
      .send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { pk: item.pk, sk: item.sk },
          UpdateExpression: 'SET cu = :cu',
          ConditionExpression: 'v = :v',
          ExpressionAttributeValues: { ':cu': cursorKey(now, item.sk), ':v': item.v },
        }),
      )
      .catch((error: unknown) => {
        // A newer version already carries a newer timestamp.
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      });
  }

  async deleteBatch(partition: RecordPartition, ids: string[], ctx: WriteContext): Promise<DeleteOutcome[]> {
    const pk = recordPartitionKey(partition);
    try {
      // Strongly consistent, or a record saved a moment ago could look absent and stay live.
      const existing = await this.readExisting(pk, ids, true);
      return await mapWithConcurrency(ids, this.writeConcurrency, async (id): Promise<DeleteOutcome> => {
        let current = existing.get(id) ?? null;
        for (let attempt = 0; ; attempt++) {
          if (!current || current.a === 'D') return { id, result: 'UNCHANGED' };
          const now = this.options.clock.now();
          try {
            const response = await this.options.doc.send(
              new UpdateCommand({
                TableName: this.options.tableName,
                Key: { pk, sk: id },
                UpdateExpression: 'SET a = :d, da = :now, cu = :cu, v = :next, r = :run',
                ConditionExpression: 'v = :v',
                ExpressionAttributeValues: { ':d': 'D', ':now': now, ':cu': cursorKey(now, id), ':next': current.v + 1, ':v': current.v, ':run': ctx.runId },
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
                ReturnConsumedCapacity: this.capacityMode(),
              }),
            );
            this.report('UpdateItem', response.ConsumedCapacity);
            await this.restampIfSlow({ pk, sk: id, v: current.v + 1 } as RecordItem, now);
            return { id, result: 'DELETED' };
          } catch (error) {
            if (!(error instanceof ConditionalCheckFailedException) || attempt >= MAX_CONFLICT_RETRIES) throw error;
            current = error.Item ? unmarshallExisting(error.Item) : null;
          }
        }
      });
    } catch (error) {
      throw asInfrastructureError(error, 'deleting records');
    }
  }

  async getByIds(partition: RecordPartition, ids: string[]): Promise<Map<string, StoredRecord>> {
    const pk = recordPartitionKey(partition);
    try {
      // Strongly consistent: a script reading (or merging into) what it has just saved sees it.
      const items = await this.batchGet<RecordItem>(pk, ids, undefined, true);
      return new Map(items.map((item) => [item.sk, toStoredRecord(item)]));
    } catch (error) {
      throw asInfrastructureError(error, 'reading records');
    }
  }

  async list(partition: RecordPartition, query: ListQuery): Promise<RecordPage> {
    const pk = recordPartitionKey(partition);
    const after = query.cursor === undefined ? null : decodeCursor(query.cursor);
    if (query.cursor !== undefined && after === null) throw new InvalidCursorError();
    const lower = query.modifiedAfter === undefined ? cursorFloor(0) : cursorFloor(query.modifiedAfter);
    // Everything modified before the visibility bound; U+10FFFF sorts after any id character.
    const upper = query.visibleBefore === undefined ? '\u{10ffff}' : `${cursorFloor(query.visibleBefore - 1)}\u{10ffff}`;
    const actions = query.filter?.map((f) => ({ added: 'A', updated: 'U', deleted: 'D' })[f]);
    // Nothing is visible yet past the bound (a future modified_after, or a cursor from a clock a
    // little ahead); DynamoDB would refuse the empty key range or a start key outside it.
    if (lower > upper || (after !== null && after >= upper)) return { records: [], nextCursor: null };
    try {
      if (query.ids) return await this.listByIds(pk, query, after, lower, upper, actions);
      const records: StoredRecord[] = [];
      let more = true;
      const pages = paginateQuery(
        {
          client: this.options.doc,
          // Each page asks only for what is still missing (one more without a filter, to learn
          // whether a next page exists); a fixed pageSize would read past the page on every call.
          withCommand: (command) => new QueryCommand({ ...(command.input as QueryCommandInput), Limit: query.limit - records.length + (actions ? 0 : 1) }),
        },
        {
          TableName: this.options.tableName,
          IndexName: RECORDS_KEYS.cursorIndex,
          KeyConditionExpression: 'pk = :pk AND cu BETWEEN :lo AND :hi',
          FilterExpression: actions ? `a IN (${actions.map((_, i) => `:a${i}`).join(', ')})` : undefined,
          ExpressionAttributeValues: { ':pk': pk, ':lo': lower, ':hi': upper, ...Object.fromEntries((actions ?? []).map((a, i) => [`:a${i}`, a])) },
          ExclusiveStartKey: after && after >= lower ? { pk, sk: after.slice(9), cu: after } : undefined,
          ReturnConsumedCapacity: this.capacityMode(),
        },
      );
      for await (const response of pages) {
        this.report('Query', response.ConsumedCapacity);
        for (const item of (response.Items ?? []) as RecordItem[]) records.push(toStoredRecord(item));
        more = response.LastEvaluatedKey !== undefined;
        if (records.length >= query.limit) break;
      }
      // One extra item was asked for without a filter, to know whether a next page exists.
      const page = records.slice(0, query.limit);
      const hasMore = records.length > query.limit || (more && page.length === query.limit);
      return { records: page, nextCursor: hasMore ? page[page.length - 1]!.cursor : null };
    } catch (error) {
      if (error instanceof InvalidCursorError) throw error;
      throw asInfrastructureError(error, 'listing records');
    }
  }

  private async listByIds(pk: string, query: ListQuery, after: string | null, lower: string, upper: string, actions: string[] | undefined): Promise<RecordPage> {
    const items = await this.batchGet<RecordItem>(pk, [...new Set(query.ids)], undefined, false);
    const matching = items.filter((item) => item.cu >= lower && item.cu <= upper && (!after || item.cu > after) && (!actions || actions.includes(item.a))).sort((x, y) => (x.cu < y.cu ? -1 : 1));
    const page = matching.slice(0, query.limit).map(toStoredRecord);
    return { records: page, nextCursor: matching.length > query.limit ? page[page.length - 1]!.cursor : null };
  }

  async *liveIds(partition: RecordPartition): AsyncIterable<string[]> {
    for await (const items of this.partitionPages<Pick<RecordItem, 'sk' | 'a'>>(partition, 'sk, a', 'listing record ids')) {
      const ids = items.filter((i) => i.a !== 'D').map((i) => i.sk);
      if (ids.length > 0) yield ids;
    }
  }

  async countRunChanges(partition: RecordPartition, ctx: WriteContext): Promise<ChangeCounts> {
    const counts: ChangeCounts = { added: 0, updated: 0, deleted: 0 };
    // Only records modified since the run began can carry its id; the slack covers clock skew
    // between invocations. (Wider slack re-reads the previous run's changes on every run.)
    const query = {
      IndexName: RECORDS_KEYS.cursorIndex,
      KeyConditionExpression: 'pk = :pk AND cu >= :from',
      FilterExpression: 'r = :run',
      ProjectionExpression: 'a, fs',
      ExpressionAttributeValues: { ':pk': recordPartitionKey(partition), ':from': cursorFloor(ctx.runStartedAt - 2_000), ':run': ctx.runId },
    };
    for await (const items of this.pages<Pick<RecordItem, 'a' | 'fs'>>(query, 'counting run changes')) {
      for (const item of items) {
        if (item.a === 'A') counts.added++;
        else if (item.a === 'U') counts.updated++;
        else if (item.fs < ctx.runStartedAt) counts.deleted++; // added and deleted within the run: no net change
      }
    }
    return counts;
  }

  /** See `record-prune.ts`. */
  prune(partition: RecordPartition, query: PruneQuery): Promise<PruneResult> {
    return pruneRecords(this.pruneContext, recordPartitionKey(partition), query);
  }

  async deleteAll(partition: RecordPartition): Promise<number> {
    let removed = 0;
    for await (const keys of this.partitionPages<{ pk: string; sk: string }>(partition, 'pk, sk', 'emptying records')) {
      await batchWriteAll(
        this.options.doc,
        this.options.tableName,
        keys.map((key) => ({ DeleteRequest: { Key: key } })),
        'emptying records',
        { concurrency: 4 },
      );
      removed += keys.length;
    }
    return removed;
  }

  /** Every item of a partition on the table, page by page, with only the attributes named. */
  private partitionPages<T>(partition: RecordPartition, projection: string, what: string, consistent = false): AsyncIterable<T[]> {
    return this.pages<T>(
      { KeyConditionExpression: 'pk = :pk', ProjectionExpression: projection, ExpressionAttributeValues: { ':pk': recordPartitionKey(partition) }, ConsistentRead: consistent },
      what,
    );
  }

  /**
   * Runs a Query to its end, yielding each page; failures become infrastructure errors. Pages
   * hold at most `SCAN_PAGE_ITEMS` items: DynamoDB stops a page at 1 MB read anyway (~2,000
   * records of ~500 bytes, before projection), so this costs it no extra calls, while DynamoDB
   * Local re-reads the rest of the partition for every page without a `Limit` — quadratic, a
   * minute per page in a million-record partition.
   */
  private async *pages<T>(query: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>, what: string): AsyncIterable<T[]> {
    const input = { Limit: SCAN_PAGE_ITEMS, ...query, TableName: this.options.tableName, ReturnConsumedCapacity: this.capacityMode() };
    for await (const response of queryPages(this.options.doc, input, what)) {
      this.report('Query', response.ConsumedCapacity);
      if ((response.Items ?? []).length > 0) yield response.Items as T[];
    }
  }

  private readExisting(pk: string, ids: string[], consistent = false): Promise<Map<string, ExistingItem>> {
    return this.batchGet<ExistingItem>(pk, ids, EXISTING_PROJECTION, consistent).then((items) => new Map(items.map((item) => [item.sk, item])));
  }

  /** BatchGetItem in chunks of 100, retrying unprocessed keys with backoff. */
  private async batchGet<T>(pk: string, ids: string[], projection: string | undefined, consistent: boolean): Promise<T[]> {
    const found: T[] = [];
    for (let start = 0; start < ids.length; start += 100) {
      let keys: Record<string, unknown>[] = ids.slice(start, start + 100).map((sk) => ({ pk, sk }));
      for (let attempt = 0; keys.length > 0; attempt++) {
        if (attempt > 0) await backoff(attempt);
        const response = await this.options.doc.send(
          new BatchGetCommand({
            RequestItems: { [this.options.tableName]: { Keys: keys, ProjectionExpression: projection, ConsistentRead: consistent } },
            ReturnConsumedCapacity: this.capacityMode(),
          }),
        );
        this.report('BatchGetItem', response.ConsumedCapacity);
        found.push(...((response.Responses?.[this.options.tableName] ?? []) as T[]));
        keys = response.UnprocessedKeys?.[this.options.tableName]?.Keys ?? [];
        if (attempt > 8 && keys.length > 0) throw new Error(`${keys.length} reads stayed unprocessed after retries`);
      }
    }
    return found;
  }

  private capacityMode(): 'INDEXES' | undefined {
    return this.options.onCapacity ? 'INDEXES' : undefined;
  }

  private report(operation: string, capacity: ConsumedCapacity | ConsumedCapacity[] | undefined): void {
    if (!this.options.onCapacity || !capacity) return;
    this.options.onCapacity(operation, Array.isArray(capacity) ? capacity : [capacity]);
  }
}

function tooLarge(id: string, size: number): SaveOutcome {
  return { id, result: 'REJECTED', reason: `record is ${Math.ceil(size / 1024)} KB after compression; DynamoDB items are limited to 400 KB` };
}

function backoff(attempt: number): Promise<void> {
  const delay = Math.random() * Math.min(2_000, 25 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, delay));
}
