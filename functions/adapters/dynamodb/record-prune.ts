/**
 * `RecordStore.prune` on DynamoDB (`PATCH /records/prune`): payloads emptied in place up to a
 * cursor, oldest first. One Query on the cursor index from the oldest record up to the cursor,
 * skipping pruned ones, for `limit` + 1 records (the one more says whether any remain); then a
 * conditional UpdateItem each, `writeConcurrency` at a time. The cursor key is not touched, so
 * pages and cursors a reader holds stay valid, and a pruned record keeps its content hash, so a
 * save with the same content restores it without counting as a change. A record whose version
 * moved meanwhile is decided again on what the failed condition returned: pruned if it is still
 * at or before the cursor and unpruned, left alone if a sync rewrote it (it then sorts after the
 * cursor).
 */
import { ConditionalCheckFailedException, type ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { mapWithConcurrency } from '../../engine/concurrency.js';
import { asInfrastructureError, InvalidCursorError } from '../../engine/errors.js';
import type { Clock, PruneQuery, PruneResult } from '../../engine/ports.js';
import { prunedPayload } from '../../engine/records/nango-record.js';
import { decodeCursor, encodePayload, EXISTING_PROJECTION, type ExistingItem, MAX_CONFLICT_RETRIES, unmarshallExisting } from './record-codec.js';
import { RECORDS_KEYS } from './table-schema.js';

/** What pruning takes from the record store: its table and clock, and its Query and capacity accounting. */
export interface PruneContext {
  doc: DynamoDBDocumentClient;
  tableName: string;
  clock: Clock;
  writeConcurrency: number;
  /** `ReturnConsumedCapacity` of every call: set when the store reports capacity. */
  returnCapacity: 'INDEXES' | undefined;
  /** Runs a Query on the table to its end, a page at a time. */
  query<T>(input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>, what: string): AsyncIterable<T[]>;
  report(operation: string, capacity: ConsumedCapacity | undefined): void;
}

/** Prunes the records of partition `pk` up to and including `query.untilCursor`, at most `query.limit`. */
export async function pruneRecords(ctx: PruneContext, pk: string, query: PruneQuery): Promise<PruneResult> {
  const upTo = decodeCursor(query.untilCursor);
  if (upTo === null) throw new InvalidCursorError();
  try {
    const candidates: ExistingItem[] = [];
    const input = {
      IndexName: RECORDS_KEYS.cursorIndex,
      KeyConditionExpression: 'pk = :pk AND cu <= :upTo',
      FilterExpression: 'attribute_not_exists(pa)',
      ProjectionExpression: EXISTING_PROJECTION,
      ExpressionAttributeValues: { ':pk': pk, ':upTo': upTo },
      Limit: query.limit + 1,
    };
    for await (const items of ctx.query<ExistingItem>(input, 'finding records to prune')) {
      candidates.push(...items);
      if (candidates.length > query.limit) break;
    }
    const now = ctx.clock.now();
    const pruned = await mapWithConcurrency(candidates.slice(0, query.limit), ctx.writeConcurrency, (item) => pruneOne(ctx, pk, item, upTo, now));
    return { count: pruned.filter(Boolean).length, hasMore: candidates.length > query.limit };
  } catch (error) {
    throw asInfrastructureError(error, 'pruning records');
  }
}

async function pruneOne(ctx: PruneContext, pk: string, item: ExistingItem, upTo: string, now: number): Promise<boolean> {
  let current: ExistingItem | null = item;
  for (let attempt = 0; current && current.pa === undefined && current.cu <= upTo; attempt++) {
    try {
      const response = await ctx.doc.send(
        new UpdateCommand({
          TableName: ctx.tableName,
          Key: { pk, sk: current.sk },
          UpdateExpression: 'SET d = :d, pa = :now, v = :next',
          ConditionExpression: 'v = :v',
          ExpressionAttributeValues: { ':d': encodePayload(prunedPayload(current.sk)), ':now': now, ':next': current.v + 1, ':v': current.v },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          ReturnConsumedCapacity: ctx.returnCapacity,
        }),
      );
      ctx.report('UpdateItem', response.ConsumedCapacity);
      return true;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException) || attempt >= MAX_CONFLICT_RETRIES) throw error;
      // The index lagged or a writer got there first: decide again on the item as it is.
      current = error.Item ? unmarshallExisting(error.Item) : null;
    }
  }
  return false;
}
