/**
 * One executor run in a fresh process, for the ingest and memory figures: composes the
 * executor as its Lambda entry does (against the parent's DynamoDB Local and SQS emulator),
 * samples the heap while the run goes, and prints one JSON line with the result.
 *
 * argv[2]: JSON of `ChildArgs`. Started by `scenarios/ingest.ts` with `--expose-gc`.
 */
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { makeDynamoClients } from '../../functions/adapters/dynamodb/client.js';
import { makeSyncline } from '../../functions/composition.js';
import { IntegrationRegistry } from '../../functions/engine/integration.js';
import { makeLocalSqsClient } from '../../functions/local/sqs-emulator.js';
import { CapacityMeter } from './capacity.js';
import { makeQuietLogger, TABLES } from './common.js';
import { benchIntegrations } from './integrations.js';
import { runThroughExecutor } from './run-executor.js';

export interface ChildArgs {
  dynamoEndpoint: string;
  sqsEndpoint: string;
  runQueueUrl: string;
  providerConfigKey: string;
  connectionId: string;
  syncName: string;
}

export interface ChildResult {
  ms: number;
  results: Record<string, { added: number; updated: number; deleted: number }>;
  baseline: { rssBytes: number; heapUsedBytes: number };
  peak: { maxRssBytes: number; heapUsedBytes: number; liveHeapAfterMajorGcBytes: number };
  capacity: ReturnType<CapacityMeter['snapshot']>;
  warnings: string[];
}

const args = JSON.parse(process.argv[2] ?? '{}') as ChildArgs;
const dynamo = makeDynamoClients({ endpoint: args.dynamoEndpoint });
const meter = new CapacityMeter();
meter.attach(dynamo.client);
const logger = makeQuietLogger();
const syncline = makeSyncline({
  dynamo,
  sqs: makeLocalSqsClient(args.sqsEndpoint),
  tables: TABLES,
  runQueueUrl: args.runQueueUrl,
  registry: new IntegrationRegistry(benchIntegrations),
  logger,
});

(globalThis as { gc?: () => void }).gc?.();
const baseline = { rssBytes: process.memoryUsage.rss(), heapUsedBytes: process.memoryUsage().heapUsed };
let peakHeap = baseline.heapUsedBytes;
const sampler = setInterval(() => {
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
}, 50);
// heapUsed right after each major GC approximates the live set; the sampled peak includes garbage.
let peakLiveHeap = baseline.heapUsedBytes;
const gcWatch = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if ((entry as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
      peakLiveHeap = Math.max(peakLiveHeap, process.memoryUsage().heapUsed);
    }
  }
});
gcWatch.observe({ entryTypes: ['gc'] });

const { ms, run } = await runThroughExecutor(syncline.executorDeps, { providerConfigKey: args.providerConfigKey, connectionId: args.connectionId, syncName: args.syncName });
clearInterval(sampler);
gcWatch.disconnect();
peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
const result: ChildResult = {
  ms,
  results: run.results,
  baseline,
  peak: { maxRssBytes: process.resourceUsage().maxRSS * 1024, heapUsedBytes: peakHeap, liveHeapAfterMajorGcBytes: peakLiveHeap },
  capacity: meter.snapshot(),
  warnings: logger.errors.slice(0, 20),
};
process.stdout.write(`\n@@result ${JSON.stringify(result)}\n`);
dynamo.client.destroy();
process.exit(0);
