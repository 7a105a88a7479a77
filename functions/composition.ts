/**
 * The composition root of the sync engine: from clients built by the caller (a Lambda entry's
 * cold start, or the local runtime once), it builds the engine's adapters — record store, state
 * repositories, run queue — and wires them into the dependencies of the executor, the fan-out,
 * the connection service and the sync controls. Clients and configuration come in through
 * `SynclineConfig`; this module reads no environment itself.
 */
import { randomUUID } from 'node:crypto';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoClients } from './adapters/dynamodb/client.js';
import { DynamoRecordStore } from './adapters/dynamodb/record-store.js';
import { makeDynamoStateRepos } from './adapters/dynamodb/state/index.js';
import type { TableNames } from './adapters/dynamodb/table-schema.js';
import { SqsRunQueue } from './adapters/sqs/run-queue.js';
import { ConnectionService } from './engine/connections.js';
import { SyncControls } from './engine/controls.js';
import type { IntegrationRegistry } from './engine/integration.js';
import type { ExecutorDeps } from './engine/orchestration/handle-run-message.js';
import type { FanOutDeps } from './engine/orchestration/fan-out.js';
import { systemClock, type Clock, type Logger, type Scheduler, type SecretCipher } from './engine/ports.js';
import type { RunnerConfig } from './engine/runner/runner-config.js';

export interface SynclineConfig {
  dynamo: DynamoClients;
  sqs: SQSClient;
  tables: TableNames;
  runQueueUrl: string;
  /** Needed by the controls (per-connection schedules); the executor and fan-out run without it. */
  scheduler?: Scheduler;
  registry: IntegrationRegistry;
  logger: Logger;
  /** Encrypts connection credentials at rest (KMS in AWS, a local key file locally). */
  cipher?: SecretCipher;
  clock?: Clock;
  runner?: Partial<RunnerConfig>;
}

export function makeSyncline(config: SynclineConfig) {
  const clock = config.clock ?? systemClock;
  const newId = () => newRunId(clock);
  const records = new DynamoRecordStore({ doc: config.dynamo.doc, tableName: config.tables.records, clock });
  const state = makeDynamoStateRepos({ doc: config.dynamo.doc, tableName: config.tables.state, now: () => clock.now(), cipher: config.cipher });
  const queue = new SqsRunQueue({ sqs: config.sqs, queueUrl: config.runQueueUrl });
  const { registry, scheduler, logger } = config;
  const executorDeps: ExecutorDeps = { registry, records, state, queue, clock, logger, newId, config: config.runner };
  const fanOutDeps: FanOutDeps = { registry, state, queue, clock };
  const connections = new ConnectionService({ registry, state, records, queue, newId });
  const controls = () => {
    if (!scheduler) throw new Error('sync controls need a scheduler');
    return new SyncControls({ registry, state, records, queue, scheduler, clock, newId });
  };
  return { registry, records, state, queue, logger, clock, executorDeps, fanOutDeps, connections, controls, dynamo: config.dynamo, sqs: config.sqs, cipher: config.cipher };
}

export type Syncline = ReturnType<typeof makeSyncline>;

/** Run ids sort by creation time (for listing executions) and are unique. */
export function newRunId(clock: Clock): string {
  return `${new Date(clock.now()).toISOString().replace(/[^0-9]/g, '').slice(0, 14)}-${randomUUID().slice(0, 8)}`;
}
