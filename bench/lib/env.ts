/**
 * The benchmark's own local system, composed as `functions/local/runtime.ts` composes it but
 * with nothing persistent: DynamoDB Local in memory, the SQS emulator, the HTTP API — all on
 * 127.0.0.1 — and one demo CRM sandbox per dataset. Every DynamoDB call is metered.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { makeDynamoClients, type DynamoClients } from '../../functions/adapters/dynamodb/client.js';
import { createTables } from '../../functions/adapters/dynamodb/create-tables.js';
import type { Syncline } from '../../functions/composition.js';
import type { IntegrationRegistry } from '../../functions/engine/integration.js';
import type { Logger } from '../../functions/engine/ports.js';
import { startDynamoDbLocal } from '../../functions/local/dynamodb-local.js';
import { startSqsEmulator, type SqsEmulator } from '../../functions/local/sqs-emulator.js';
import { startSandbox, type Sandbox } from '../../integrations/demo-crm/sandbox/server.js';
import { CapacityMeter } from './capacity.js';
import { makeQuietLogger, RAW_TABLES, SANDBOX_KEY, TABLES } from './common.js';
import { makeBenchSyncline, startBenchApi } from './compose.js';

/** The sandbox never moves on by itself: the benchmark changes its data explicitly. */
const FROZEN_AT = Date.parse('2025-01-01T00:00:00Z');

export interface BenchEnv {
  dynamoEndpoint: string;
  sqsEndpoint: string;
  dynamo: DynamoClients;
  sqs: SQSClient;
  sqsEmulator: SqsEmulator;
  meter: CapacityMeter;
  runQueueUrl: string;
  syncline: Syncline;
  registry: IntegrationRegistry;
  logger: Logger & { errors: string[] };
  api: { url: string };
  /** `onDemand`: contacts generated from their id when served, not held (for a million). */
  startDataset(contacts: number, aboutBytes: number, options?: { onDemand?: boolean }): Promise<Sandbox>;
  makeQueue(name: string): Promise<string>;
  stop(): Promise<void>;
}

export interface BenchEnvOptions {
  /** DynamoDB Local's JVM heap (`-Xmx`, e.g. `'6g'`) for millions of items; default: the JVM's. */
  dynamoMaxHeap?: string;
}

export async function startBenchEnv(options: BenchEnvOptions = {}): Promise<BenchEnv> {
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s().catch(() => undefined);
  };
  try {
    const dynamoLocal = await startDynamoDbLocal(options.dynamoMaxHeap === undefined ? {} : { maxHeap: options.dynamoMaxHeap });
    stops.push(() => dynamoLocal.stop());
    const dynamo = makeDynamoClients({ endpoint: dynamoLocal.endpoint });
    const meter = new CapacityMeter();
    meter.attach(dynamo.client);
    stops.push(async () => dynamo.client.destroy());
    await createTables(dynamo.client, TABLES);
    await createTables(dynamo.client, RAW_TABLES);

    const sqs = await startSqsEmulator();
    stops.push(() => sqs.stop());
    const runs = await sqs.createQueueWithDlq('bench-runs', { visibilityTimeoutS: 5400, maxReceiveCount: 5 });

    const logger = makeQuietLogger();
    const syncline = makeBenchSyncline(dynamo, sqs.client, runs.queueUrl, logger);
    const server = await startBenchApi(syncline, logger);
    stops.push(() => server.stop());

    const startDataset = async (contacts: number, aboutBytes: number, datasetOptions: { onDemand?: boolean } = {}) => {
      const sandbox = await startSandbox({
        apiKey: SANDBOX_KEY,
        now: () => FROZEN_AT,
        epoch: FROZEN_AT,
        initialContacts: contacts,
        aboutBytes,
        onDemand: datasetOptions.onDemand === true,
        adds: 0,
        updates: 0,
        deletes: 0,
      });
      sandbox.dataset.advanceTo(FROZEN_AT); // build the data now, not inside a timed run
      stops.push(() => sandbox.stop());
      return sandbox;
    };
    const makeQueue = async (name: string) => (await sqs.createQueueWithDlq(name, { visibilityTimeoutS: 60, maxReceiveCount: 5 })).queueUrl;

    return {
      dynamoEndpoint: dynamoLocal.endpoint,
      sqsEndpoint: sqs.endpoint,
      dynamo,
      sqs: sqs.client,
      sqsEmulator: sqs,
      meter,
      runQueueUrl: runs.queueUrl,
      syncline,
      registry: syncline.registry,
      logger,
      api: { url: server.url },
      startDataset,
      makeQueue,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Registers a connection whose provider base URL is the given sandbox. */
export async function addConnection(env: BenchEnv, providerConfigKey: string, connectionId: string, sandbox: Sandbox): Promise<void> {
  const now = new Date().toISOString();
  await env.syncline.state.connections.put({
    providerConfigKey,
    connectionId,
    credentials: { type: 'API_KEY', apiKey: SANDBOX_KEY },
    metadata: {},
    connectionConfig: { baseUrl: sandbox.url },
    createdAt: now,
    updatedAt: now,
  });
}
