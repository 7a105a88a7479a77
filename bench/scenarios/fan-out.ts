/**
 * 5. Fan-out: queue one run per connection for 10,000 connections through `fanOut` with the
 * SQS adapter (paging the connection-syncs, deciding, SendMessageBatch) versus the raw
 * ceiling: the same 10,000 messages sent with SendMessageBatch at the same concurrency.
 */
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { SqsRunQueue } from '../../functions/adapters/sqs/run-queue.js';
import { mapWithConcurrency } from '../../functions/engine/concurrency.js';
import { fanOut } from '../../functions/engine/orchestration/fan-out.js';
import type { RunMessage } from '../../functions/engine/ports.js';
import { scheduledRunId } from '../../functions/engine/runner/run-invocation.js';
import type { BenchEnv } from '../lib/env.js';
import { FANOUT } from '../lib/integrations.js';
import { perSecond, ratio, round } from '../lib/stats.js';

/** fanOut's default flushes in flight (4) × SqsRunQueue's SendMessageBatch calls per flush (4). */
export const FAN_OUT_CONCURRENCY = 4 * 4;

export interface FanOutPoint {
  connections: number;
  engine: { ms: number; messagesPerSecond: number; listingMs: number };
  ceiling: { ms: number; messagesPerSecond: number; concurrency: number };
  ratio: number;
}

export async function measureFanOut(env: BenchEnv, connections: number): Promise<FanOutPoint> {
  const { state } = env.syncline;
  const ids = Array.from({ length: connections }, (_, i) => `conn-${String(i).padStart(6, '0')}`);
  await mapWithConcurrency(ids, 32, (connectionId) => state.connectionSyncs.ensure({ providerConfigKey: FANOUT.providerConfigKey, syncName: FANOUT.syncName, connectionId }, { enabled: true }));
  const engineQueue = await env.makeQueue('bench-fanout-engine');
  const rawQueue = await env.makeQueue('bench-fanout-raw');
  const scheduledAt = new Date().toISOString();

  // How much of the fan-out is paging the state table alone.
  let listed = 0;
  const listStarted = performance.now();
  for await (const page of state.connectionSyncs.list(FANOUT.providerConfigKey, FANOUT.syncName)) listed += page.length;
  const listingMs = performance.now() - listStarted;
  if (listed !== connections) throw new Error(`listed ${listed} connection-syncs, expected ${connections}`);

  const queue = new SqsRunQueue({ sqs: env.sqs, queueUrl: engineQueue });
  const started = performance.now();
  const result = await fanOut({ registry: env.registry, state, queue, clock: env.syncline.clock }, { integration: FANOUT.providerConfigKey, sync: FANOUT.syncName, scheduledAt });
  const engineMs = performance.now() - started;
  if (result.queued !== connections) throw new Error(`fan-out queued ${result.queued} of ${connections}`);

  const messages: RunMessage[] = ids.map((connectionId) => {
    const key = { providerConfigKey: FANOUT.providerConfigKey, syncName: FANOUT.syncName, connectionId };
    return { ...key, runId: scheduledRunId(key, scheduledAt), trigger: 'SCHEDULE', scheduledAt };
  });
  const batches: RunMessage[][] = [];
  for (let i = 0; i < messages.length; i += 10) batches.push(messages.slice(i, i + 10));
  const rawStarted = performance.now();
  await mapWithConcurrency(batches, FAN_OUT_CONCURRENCY, async (batch) => {
    const response = await env.sqs.send(new SendMessageBatchCommand({ QueueUrl: rawQueue, Entries: batch.map((m, i) => ({ Id: String(i), MessageBody: JSON.stringify(m) })) }));
    if ((response.Failed ?? []).length > 0) throw new Error(`SendMessageBatch failed ${response.Failed!.length} entries`);
  });
  const rawMs = performance.now() - rawStarted;

  const engineRate = perSecond(connections, engineMs);
  const ceilingRate = perSecond(connections, rawMs);
  return {
    connections,
    engine: { ms: round(engineMs, 0), messagesPerSecond: engineRate, listingMs: round(listingMs, 0) },
    ceiling: { ms: round(rawMs, 0), messagesPerSecond: ceilingRate, concurrency: FAN_OUT_CONCURRENCY },
    ratio: ratio(engineRate, ceilingRate),
  };
}
