/**
 * The local stand-in for Lambda's DynamoDB Streams event source: reads DynamoDB Local's stream
 * of a table and invokes the same handler the Lambda runs, with a real-shaped stream event.
 *
 * Kept from Lambda: the event filter (records not matching are dropped before the handler);
 * records of a shard in order, one batch at a time; `batchItemFailures` → the batch is retried
 * from the failed sequence number, up to `maxRetries` times, then skipped with an error (the
 * on-failure destination in AWS). Shards are found with DescribeStream at start (read from
 * LATEST: what happened before the process started is not replayed) and rediscovered every few
 * seconds (new shards, from TRIM_HORIZON — a new shard's records are all new). A closed shard
 * (no next iterator) is dropped. Every loop is bounded by `stop()`.
 */
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand, type _Record as StreamRecord } from '@aws-sdk/client-dynamodb-streams';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';

export type StreamBatchHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | void>;

export interface StreamPollerOptions {
  dynamo: DynamoDBClient;
  /** DynamoDB Local's endpoint (the streams API is served there too). */
  endpoint: string;
  tableName: string;
  handler: StreamBatchHandler;
  /** The event source's filter; records it rejects never reach the handler. */
  filter?: (record: DynamoDBRecord) => boolean;
  pollIntervalMs?: number;
  batchSize?: number;
  maxRetries?: number;
  onError?(error: unknown): void;
}

export interface StreamPoller {
  stop(): Promise<void>;
}

const SHARD_REFRESH_MS = 5_000;

export async function startStreamPoller(options: StreamPollerOptions): Promise<StreamPoller> {
  const { tableName, handler, pollIntervalMs = 200, batchSize = 100, maxRetries = 3 } = options;
  const report = options.onError ?? ((error: unknown) => console.error('[stream-poller]', error));
  const filter = options.filter ?? (() => true);
  const streams = new DynamoDBStreamsClient({ endpoint: options.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 2 });
  const table = await options.dynamo.send(new DescribeTableCommand({ TableName: tableName }));
  const streamArn = table.Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`table ${tableName} has no stream`);

  /** Shard id → its current iterator (null once closed). */
  const iterators = new Map<string, string | null>();
  const retries = new Map<string, number>();

  const refreshShards = async (initial: boolean) => {
    const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    for (const shard of StreamDescription?.Shards ?? []) {
      const shardId = shard.ShardId!;
      if (iterators.has(shardId)) continue;
      // A closed shard seen at start holds only the past; skip it like LATEST would.
      if (initial && shard.SequenceNumberRange?.EndingSequenceNumber) {
        iterators.set(shardId, null);
        continue;
      }
      const { ShardIterator } = await streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shardId,
          ShardIteratorType: initial ? 'LATEST' : 'TRIM_HORIZON',
        }),
      );
      iterators.set(shardId, ShardIterator ?? null);
    }
  };
  await refreshShards(true);

  const pollShard = async (shardId: string, iterator: string) => {
    const response = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: batchSize }));
    const records = (response.Records ?? []).map((r) => toLambdaRecord(r, streamArn)).filter(filter);
    if (records.length > 0) {
      const result = await handler({ Records: records });
      const failed = result?.batchItemFailures?.[0]?.itemIdentifier;
      if (failed) {
        const count = (retries.get(shardId) ?? 0) + 1;
        if (count <= maxRetries) {
          retries.set(shardId, count);
          const { ShardIterator } = await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER', SequenceNumber: failed }));
          iterators.set(shardId, ShardIterator ?? null);
          return;
        }
        report(new Error(`stream record ${failed} failed ${count} times; skipped (the on-failure destination in AWS)`));
      }
      retries.delete(shardId);
    }
    iterators.set(shardId, response.NextShardIterator ?? null);
  };

  let stopped = false;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    let lastRefresh = Date.now();
    while (!stopped) {
      try {
        // A table with no open shard yet (nothing written) gets its first shard soon: look every turn then.
        const noOpenShard = ![...iterators.values()].some((iterator) => iterator !== null);
        if (noOpenShard || Date.now() - lastRefresh > SHARD_REFRESH_MS) {
          lastRefresh = Date.now();
          await refreshShards(false);
        }
        for (const [shardId, iterator] of iterators) {
          if (stopped) break;
          if (iterator) await pollShard(shardId, iterator);
        }
      } catch (error) {
        if (!stopped) report(error);
      }
      if (!stopped)
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, pollIntervalMs);
        });
    }
  })();

  let stopping: Promise<void> | undefined;
  return {
    stop: () =>
      (stopping ??= (async () => {
        stopped = true;
        wake?.();
        await loop;
        streams.destroy();
      })()),
  };
}

/** The record as Lambda hands it over: the stream record plus event source fields. */
function toLambdaRecord(record: StreamRecord, streamArn: string): DynamoDBRecord {
  const dynamodb = record.dynamodb ?? {};
  return {
    eventID: record.eventID,
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: record.awsRegion ?? 'us-east-1',
    eventSourceARN: streamArn,
    dynamodb: {
      ...(dynamodb.ApproximateCreationDateTime ? { ApproximateCreationDateTime: dynamodb.ApproximateCreationDateTime.getTime() / 1000 } : {}),
      Keys: dynamodb.Keys as never,
      ...(dynamodb.NewImage ? { NewImage: dynamodb.NewImage as never } : {}),
      ...(dynamodb.OldImage ? { OldImage: dynamodb.OldImage as never } : {}),
      SequenceNumber: dynamodb.SequenceNumber,
      SizeBytes: dynamodb.SizeBytes,
      StreamViewType: dynamodb.StreamViewType as never,
    },
  };
}
