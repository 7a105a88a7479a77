/**
 * 1. Ingest (and 4. executor memory): an initial sync of N records from the sandbox API through
 * the real executor handler, each in a fresh child process (peak RSS and heap come from there),
 * then two raw ceilings: the very items the engine wrote, put straight into an identical table
 * with one conditional PutItem each (the single-item ceiling, at the concurrency the engine had
 * with single puts) and with BatchWriteItem (at the engine's batch concurrency).
 */
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { batchWriteAll } from '../../functions/adapters/dynamodb/batch-write.js';
import { recordPartitionKey } from '../../functions/adapters/dynamodb/record-store.js';
import { itemSize, decodePayload, type RecordItem } from '../../functions/adapters/dynamodb/record-codec.js';
import { mapWithConcurrency } from '../../functions/engine/concurrency.js';
import { DEFAULT_RUNNER_CONFIG } from '../../functions/engine/runner/runner-config.js';
import type { Sandbox } from '../../integrations/demo-crm/sandbox/server.js';
import { unitsFor, type CapacityTotals } from '../lib/capacity.js';
import { RAW_TABLES, STORE_WRITE_CONCURRENCY, TABLES } from '../lib/common.js';
import { addConnection, type BenchEnv } from '../lib/env.js';
import { runExecutorProcess } from '../lib/executor-process.js';
import { FULL } from '../lib/integrations.js';
import { perSecond, ratio, round } from '../lib/stats.js';

/**
 * The ceiling's PutItem calls in flight: flushConcurrency × writeConcurrency, the most the
 * engine keeps in flight when every write is a conditional put. (New records now go out in
 * BatchWriteItem calls of 25; the ceiling stays the single-put one the issue compares with.)
 */
export const ENGINE_WRITE_CONCURRENCY = DEFAULT_RUNNER_CONFIG.flushConcurrency * STORE_WRITE_CONCURRENCY;
/** The engine's BatchWriteItem calls in flight at most: flushConcurrency × (batchSize / 25). */
const ENGINE_BATCH_CONCURRENCY = DEFAULT_RUNNER_CONFIG.flushConcurrency * Math.ceil(DEFAULT_RUNNER_CONFIG.batchSize / 25);

export interface IngestPoint {
  records: number;
  connectionId: string;
  engine: { ms: number; recordsPerSecond: number };
  /** Conditional PutItem per record, ENGINE_WRITE_CONCURRENCY in flight: the target is 1.5× this. */
  ceiling: { ms: number; recordsPerSecond: number; concurrency: number };
  ratio: number;
  /** BatchWriteItem of 25, ENGINE_BATCH_CONCURRENCY calls in flight: what batches alone reach. */
  batchCeiling: { ms: number; recordsPerSecond: number; concurrency: number };
  batchRatio: number;
  memory: { baselineRssBytes: number; maxRssBytes: number; baselineHeapBytes: number; peakHeapBytes: number; peakLiveHeapBytes: number };
  capacity: CapacityTotals;
  item: { avgJsonBytes: number; avgItemBytes: number; maxItemBytes: number };
}

export async function measureIngest(env: BenchEnv, records: number, sandbox: Sandbox): Promise<IngestPoint> {
  const connectionId = `ingest-${records}`;
  await addConnection(env, FULL.providerConfigKey, connectionId, sandbox);
  const child = await runExecutorProcess({
    dynamoEndpoint: env.dynamoEndpoint,
    sqsEndpoint: env.sqsEndpoint,
    runQueueUrl: env.runQueueUrl,
    providerConfigKey: FULL.providerConfigKey,
    connectionId,
    syncName: FULL.syncName,
  });
  const added = child.results[FULL.model]?.added ?? 0;
  if (added !== records) throw new Error(`ingest of ${records} added ${added} records`);

  const items = await readPartition(env, recordPartitionKey({ providerConfigKey: FULL.providerConfigKey, connectionId, model: FULL.model }));
  // The ceiling: one conditional PutItem per record, as the engine wrote them before batches.
  let started = performance.now();
  await mapWithConcurrency(items, ENGINE_WRITE_CONCURRENCY, (item) =>
    env.dynamo.doc.send(new PutCommand({ TableName: RAW_TABLES.records, Item: item, ConditionExpression: 'attribute_not_exists(pk)' })),
  );
  const ceilingMs = performance.now() - started;
  // And the most batches can do: the same items in BatchWriteItem calls, as many in flight as the engine keeps.
  started = performance.now();
  const batched = items.map((item) => ({ ...item, pk: `batch|${item.pk}` }));
  await batchWriteAll(
    env.dynamo.doc,
    RAW_TABLES.records,
    batched.map((Item) => ({ PutRequest: { Item } })),
    'the batch ceiling',
    { concurrency: ENGINE_BATCH_CONCURRENCY },
  );
  const batchCeilingMs = performance.now() - started;

  const sizes = items.map(itemSize);
  const engine = { ms: round(child.ms, 0), recordsPerSecond: perSecond(records, child.ms) };
  const ceiling = { ms: round(ceilingMs, 0), recordsPerSecond: perSecond(records, ceilingMs), concurrency: ENGINE_WRITE_CONCURRENCY };
  const batchCeiling = { ms: round(batchCeilingMs, 0), recordsPerSecond: perSecond(records, batchCeilingMs), concurrency: ENGINE_BATCH_CONCURRENCY };
  return {
    records,
    connectionId,
    engine,
    ceiling,
    ratio: ratio(engine.recordsPerSecond, ceiling.recordsPerSecond),
    batchCeiling,
    batchRatio: ratio(engine.recordsPerSecond, batchCeiling.recordsPerSecond),
    memory: {
      baselineRssBytes: child.baseline.rssBytes,
      maxRssBytes: child.peak.maxRssBytes,
      baselineHeapBytes: child.baseline.heapUsedBytes,
      peakHeapBytes: child.peak.heapUsedBytes,
      peakLiveHeapBytes: child.peak.liveHeapAfterMajorGcBytes,
    },
    capacity: child.capacity,
    item: {
      avgJsonBytes: Math.round(items.reduce((s, i) => s + JSON.stringify(decodePayload(i.d)).length, 0) / items.length),
      avgItemBytes: Math.round(sizes.reduce((a, b) => a + b, 0) / sizes.length),
      maxItemBytes: Math.max(...sizes),
    },
  };
}

/** Capacity of the records table (and its index) per record, from a run's totals. */
export function recordsUnits(capacity: CapacityTotals): { rcu: number; wcu: number; indexWcu: number } {
  return {
    rcu: unitsFor(capacity.read, TABLES.records),
    wcu: unitsFor(capacity.write, TABLES.records),
    indexWcu: unitsFor(capacity.write, `${TABLES.records}/byCursor`),
  };
}

export async function readPartition(env: BenchEnv, pk: string): Promise<RecordItem[]> {
  const items: RecordItem[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await env.dynamo.doc.send(new QueryCommand({ TableName: TABLES.records, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk }, ExclusiveStartKey: startKey }));
    items.push(...((page.Items ?? []) as RecordItem[]));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}
