/**
 * 6. Webhook latency: from a run's recorded end (`finishedAt`, written with its result) to the
 * POST arriving at a receiver on 127.0.0.1, through the local pipeline as `npm start` composes
 * it (DynamoDB Local's stream → stream poller → run-results handler → delivery queue → queue
 * poller → delivery handler), with its default poll intervals. Measured only when
 * functions/local/webhooks-local.ts exists; otherwise the result says so.
 */
import { randomBytes } from 'node:crypto';
import { access } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { LocalKeyFileCipher } from '../../functions/adapters/crypto/local-cipher.js';
import { addConnection, type BenchEnv } from '../lib/env.js';
import { INCREMENTAL } from '../lib/integrations.js';
import { runThroughExecutor } from '../lib/run-executor.js';
import { percentile, round } from '../lib/stats.js';
import { TABLES, VISIBILITY_LAG_MS } from '../lib/common.js';

const PIPELINE = fileURLToPath(new URL('../../functions/local/webhooks-local.ts', import.meta.url));
const RUNS = 10;
const DELIVERY_TIMEOUT_MS = 15_000;

export type WebhookResult = { status: string; runs?: number; p50Ms?: number; p99Ms?: number; maxMs?: number };

export async function measureWebhooks(env: BenchEnv): Promise<WebhookResult> {
  try {
    await access(PIPELINE);
  } catch {
    return { status: 'not measured: webhook pipeline not available (functions/local/webhooks-local.ts does not exist)' };
  }
  try {
    return await measure(env);
  } catch (error) {
    return { status: `not measured: webhook pipeline not available (${error instanceof Error ? error.message : String(error)})` };
  }
}

async function measure(env: BenchEnv): Promise<WebhookResult> {
  const { startLocalWebhooks } = await import('../../functions/local/webhooks-local.js');
  const arrivals: number[] = [];
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      arrivals.push(Date.now());
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const webhooks = await startLocalWebhooks({
    dynamo: { endpoint: env.dynamoEndpoint, client: env.dynamo.client, doc: env.dynamo.doc },
    stateTable: TABLES.state,
    sqs: env.sqsEmulator,
    cipher: new LocalKeyFileCipher(randomBytes(32)),
    logger: env.logger,
    allowPrivate: true,
    queueName: 'bench-webhooks',
    // As deployed: the first attempt waits out the records API's visibility lag, so a receiver
    // fetching modified_after at once sees the whole run. The latency below includes it.
    settleMs: VISIBILITY_LAG_MS,
  });
  try {
    const sandbox = await env.startDataset(20, 0);
    await addConnection(env, INCREMENTAL.providerConfigKey, 'webhooks', sandbox);
    await webhooks.service.createSubscription({ url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`, events: ['sync.success'], always: true });
    const latencies: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const { run } = await runThroughExecutor(env.syncline.executorDeps, { providerConfigKey: INCREMENTAL.providerConfigKey, syncName: INCREMENTAL.syncName, connectionId: 'webhooks' });
      const deadline = Date.now() + DELIVERY_TIMEOUT_MS;
      while (arrivals.length <= i) {
        if (Date.now() > deadline) throw new Error(`run ${i + 1}'s webhook did not arrive within ${DELIVERY_TIMEOUT_MS} ms`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      latencies.push(arrivals[i]! - run.finishedAt!);
    }
    return { status: 'measured', runs: RUNS, p50Ms: round(percentile(latencies, 50), 0), p99Ms: round(percentile(latencies, 99), 0), maxMs: Math.max(...latencies) };
  } finally {
    await webhooks.stop();
    await new Promise<void>((resolve) => {
      receiver.closeAllConnections();
      receiver.close(() => resolve());
    });
  }
}
