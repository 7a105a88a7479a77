/**
 * One executor invocation in a fresh process, for the ingest, memory and million figures:
 * composes the executor as its Lambda entry does (against the parent's DynamoDB Local and SQS
 * emulator), samples the heap while the run goes, and prints one JSON line with the result.
 * Without a message it runs a whole new run, which must succeed; with one (a run's first
 * message or its continuation) it runs that one invocation, which may hand over.
 *
 * argv[2]: JSON of `ChildArgs`. Started by `scenarios/ingest.ts` and `lib/executor-process.ts`
 * with `--expose-gc`.
 */
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { makeDynamoClients } from '../../functions/adapters/dynamodb/client.js';
import { makeLocalSqsClient } from '../../functions/local/sqs-emulator.js';
import { CapacityMeter } from './capacity.js';
import { makeQuietLogger } from './common.js';
import type { RunMessage, RunStatus } from '../../functions/engine/ports.js';
import { invokeExecutor, LAMBDA_TIMEOUT_MS, runThroughExecutor } from './run-executor.js';
import { makeBenchSyncline } from './compose.js';

export interface ChildArgs {
  dynamoEndpoint: string;
  sqsEndpoint: string;
  runQueueUrl: string;
  providerConfigKey: string;
  connectionId: string;
  syncName: string;
  /** The message this invocation handles; absent = a new run, in one invocation. */
  message?: RunMessage;
  /** The invocation's remaining time at the start; default Lambda's 15 minutes. */
  invocationMs?: number;
}

export interface ChildResult {
  ms: number;
  runId: string;
  /** RUNNING when the invocation handed the run over to a continuation. */
  status: RunStatus;
  /** Invocations the run has had so far, this one included. */
  invocations: number;
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
const syncline = makeBenchSyncline(dynamo, makeLocalSqsClient(args.sqsEndpoint), args.runQueueUrl, logger);

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

const key = { providerConfigKey: args.providerConfigKey, connectionId: args.connectionId, syncName: args.syncName };
const { ms, run } = args.message ? await invokeExecutor(syncline.executorDeps, args.message, args.invocationMs ?? LAMBDA_TIMEOUT_MS) : await runThroughExecutor(syncline.executorDeps, key);
clearInterval(sampler);
gcWatch.disconnect();
peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
const result: ChildResult = {
  ms,
  runId: run.runId,
  status: run.status,
  invocations: run.invocations,
  results: run.results,
  baseline,
  peak: { maxRssBytes: process.resourceUsage().maxRSS * 1024, heapUsedBytes: peakHeap, liveHeapAfterMajorGcBytes: peakLiveHeap },
  capacity: meter.snapshot(),
  warnings: logger.errors.slice(0, 20),
};
process.stdout.write(`\n@@result ${JSON.stringify(result)}\n`);
dynamo.client.destroy();
process.exit(0);
