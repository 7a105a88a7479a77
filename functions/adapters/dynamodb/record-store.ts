/**
 * The records cache on DynamoDB (the `RecordStore` port).
 *
 * Save = one eventually consistent BatchGetItem for the batch (0.5 RCU per item), then a
 * conditional PutItem only for new or changed records. An unchanged record therefore costs
 * no write at all — a failed conditional write would still be billed — and produces no
 * stream event. Each put is conditioned on the version read, so a concurrent writer's newer
 * version is never overwritten: the loser re-reads and re-decides.
 *
 * Prune (`record-prune.ts`) empties payloads in place (cursor key untouched); a pruned record keeps
 * its content hash, so a save with the same content restores it without counting as a change.
 *
 * Over the usual 300 lines on purpose: save, snapshot, list and delete share the item codec, the
 * write-skew re-stamping and the capacity accounting, which belong to this one table.
 */
import { ConditionalCheckFailedException, type ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, paginateQuery, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { asInfrastructureError, InvalidCursorError } from '../../engine/errors.js';
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
} from '../../engine/ports.js';
import { isBaseVariant } from '../../engine/state-ports.js';
import { scanningWriter } from '../../engine/records/scanning-writer.js';
import { mapWithConcurrency } from '../../engine/concurrency.js';
import { hashFingerprint, idFingerprint } from '../../engine/records/content-hash.js';
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
}

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

  constructor(private readonly options: DynamoRecordStoreOptions) {
    this.writeConcurrency = options.writeConcurrency ?? 25;
    this.maxWriteSkewMs = options.maxWriteSkewMs ?? 1_000;
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
    const snapshot = await this.snapshot(partition);
    const deletedHere = new Set<number>();
    return {
      partition,
      save: async (records, saveOptions = {}) => {
        const outcomes = await this.save(partition, records, ctx, saveOptions, snapshot, deletedHere);
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

  private async save(partition: RecordPartition, records: RecordInput[], ctx: WriteContext, options: SaveOptions, snapshot?: PackedSnapshot, deletedHere?: Set<number>): Promise<SaveOutcome[]> {
    const pk = recordPartitionKey(partition);
    try {
      // A snapshot answers for records it shows unchanged (no read) or absent (written as new);
      // only records it shows changed or deleted need their current version read.
      const unchanged = new Set<string>();
      const toRead: string[] = [];
      for (const record of records) {
        if (deletedHere?.has(idFingerprint(record.id))) {
          toRead.push(record.id);
          continue;
        }
        const known = snapshot?.lookup(record.id);
        if (snapshot && !known) continue;
        if (known && !known.deleted && known.hashFingerprint === hashFingerprint(record.hash)) unchanged.add(record.id);
        else toRead.push(record.id);
      }
      const existing = await this.readExisting(pk, toRead);
      return await mapWithConcurrency(
        records,
        this.writeConcurrency,
        async (record): Promise<SaveOutcome> => (unchanged.has(record.id) ? { id: record.id, result: 'UNCHANGED' } : this.saveOne(pk, record, existing.get(record.id) ?? null, ctx, options)),
      );
    } catch (error) {
      throw asInfrastructureError(error, 'saving records');
    }
  }

  /** Reads the whole partition once (billed by size, ~0.06 RCU per 1 KB record) into a packed snapshot. */
  private async snapshot(partition: RecordPartition): Promise<PackedSnapshot> {
    const entries = { idFp: [] as number[], hashFp: [] as number[], deleted: [] as number[] };
    for await (const items of this.partitionPages<Pick<RecordItem, 'sk' | 'h' | 'a' | 'pa'>>(partition, 'sk, h, a, pa', 'reading a partition snapshot')) {
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
      if (size > MAX_ITEM_BYTES) {
        return { id: record.id, result: 'REJECTED', reason: `record is ${Math.ceil(size / 1024)} KB after compression; DynamoDB items are limited to 400 KB` };
      }
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
  private partitionPages<T>(partition: RecordPartition, projection: string, what: string): AsyncIterable<T[]> {
    return this.pages<T>({ KeyConditionExpression: 'pk = :pk', ProjectionExpression: projection, ExpressionAttributeValues: { ':pk': recordPartitionKey(partition) } }, what);
  }

  /** Runs a Query to its end, yielding each page; failures become infrastructure errors. */
  private async *pages<T>(query: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>, what: string): AsyncIterable<T[]> {
    for await (const response of queryPages(this.options.doc, { ...query, TableName: this.options.tableName, ReturnConsumedCapacity: this.capacityMode() }, what)) {
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

function backoff(attempt: number): Promise<void> {
  const delay = Math.random() * Math.min(2_000, 25 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, delay));
}
