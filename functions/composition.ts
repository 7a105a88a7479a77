/**
 * The composition root, shared by every Lambda entry and the local runtime: from clients the
 * caller built once (a cold start, or `npm start`), it builds the adapters — record store, state
 * repositories, run queue, webhook store and delivery queue — and wires them into the
 * dependencies of the executor, the fan-out, the connection service, the sync controls and the
 * webhook side. Clients and configuration come in as arguments; this module reads no
 * environment itself (each Lambda entry validates its own).
 */
import { randomUUID } from 'node:crypto';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoClients } from './adapters/dynamodb/client.js';
import { DynamoRecordStore } from './adapters/dynamodb/record-store.js';
import { makeDynamoStateRepos } from './adapters/dynamodb/state/index.js';
import type { TableNames } from './adapters/dynamodb/table-schema.js';
import { SqsRunQueue } from './adapters/sqs/run-queue.js';
import { DynamoWebhookStore } from './adapters/dynamodb/webhook-store.js';
import { dnsResolver, PinnedWebhookSender } from './adapters/http/webhook-sender.js';
import { SqsDeliveryQueue } from './adapters/sqs/delivery-queue.js';
import type { AttemptDeps } from './engine/webhooks/attempt-delivery.js';
import type { CreateDeliveriesDeps } from './engine/webhooks/create-deliveries.js';
import type { EventPublisher, HostResolver } from './engine/webhooks/ports.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './engine/webhooks/retry-policy.js';
import { WebhookService } from './engine/webhooks/webhook-service.js';
import { ConnectionService } from './engine/connection-service.js';
import { SyncControls } from './engine/controls.js';
import type { IntegrationRegistry } from './engine/integration.js';
import type { ExecutorDeps } from './engine/orchestration/handle-run-message.js';
import type { FanOutDeps } from './engine/orchestration/fan-out.js';
import { systemClock, type Clock, type Logger, type Scheduler, type SecretCipher } from './engine/ports.js';
import type { RunnerConfig } from './engine/runner/runner-config.js';
import type { EnvironmentVariable } from './engine/sdk/nango-sync-types.js';

export interface SynclineConfig {
  dynamo: DynamoClients;
  sqs: SQSClient;
  tables: TableNames;
  runQueueUrl: string;
  /** Needed by the controls and by connection deletion (per-connection schedules); the executor and fan-out run without it. */
  scheduler?: Scheduler;
  registry: IntegrationRegistry;
  logger: Logger;
  /** Encrypts connection credentials at rest (KMS in AWS, a local key file locally). */
  cipher?: SecretCipher;
  clock?: Clock;
  runner?: Partial<RunnerConfig>;
  /** Variables scripts read with `nango.getEnvironmentVariables()`; default: `SYNCLINE_SCRIPT_ENV_*` of this process. */
  scriptEnvironment?: EnvironmentVariable[];
  /** Lets `nango.uncontrolledFetch` reach loopback and private addresses, and a per-account token URL be http://127.0.0.1 (the local runtime). */
  allowPrivateFetch?: boolean;
}

const SCRIPT_ENV_PREFIX = 'SYNCLINE_SCRIPT_ENV_';

/** `SYNCLINE_SCRIPT_ENV_API_REGION=eu` is the script variable `API_REGION` = `eu`. */
export function scriptEnvironmentFrom(env: NodeJS.ProcessEnv): EnvironmentVariable[] {
  return Object.entries(env)
    .filter(([name, value]) => name.startsWith(SCRIPT_ENV_PREFIX) && name.length > SCRIPT_ENV_PREFIX.length && value !== undefined)
    .map(([name, value]) => ({ name: name.slice(SCRIPT_ENV_PREFIX.length), value: value as string }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function makeSyncline(config: SynclineConfig) {
  const clock = config.clock ?? systemClock;
  const newId = () => newRunId(clock);
  const records = new DynamoRecordStore({ doc: config.dynamo.doc, tableName: config.tables.records, clock });
  const state = makeDynamoStateRepos({ doc: config.dynamo.doc, tableName: config.tables.state, now: () => clock.now(), cipher: config.cipher });
  const queue = new SqsRunQueue({ sqs: config.sqs, queueUrl: config.runQueueUrl });
  const { registry, scheduler, logger } = config;
  const executorDeps: ExecutorDeps = {
    registry,
    records,
    state,
    queue,
    clock,
    logger,
    newId,
    config: config.runner,
    environmentVariables: config.scriptEnvironment ?? scriptEnvironmentFrom(process.env),
    allowPrivateFetch: config.allowPrivateFetch ?? false,
  };
  const fanOutDeps: FanOutDeps = { registry, state, queue, clock };
  const connections = new ConnectionService({ registry, state, records, queue, clock, newId, ...(scheduler ? { scheduler } : {}) });
  const controls = () => {
    if (!scheduler) throw new Error('sync controls need a scheduler');
    return new SyncControls({ registry, state, records, queue, scheduler, clock, newId });
  };
  return { registry, records, state, queue, logger, clock, executorDeps, fanOutDeps, connections, controls, dynamo: config.dynamo, sqs: config.sqs, cipher: config.cipher };
}

export type Syncline = ReturnType<typeof makeSyncline>;

/** Run ids sort by creation time (for listing executions) and are unique. */
export function newRunId(clock: Clock): string {
  return `${new Date(clock.now())
    .toISOString()
    .replace(/[^0-9]/g, '')
    .slice(0, 14)}-${randomUUID().slice(0, 8)}`;
}

export interface WebhooksConfig {
  doc: DynamoDBDocumentClient;
  stateTable: string;
  sqs: SQSClient;
  deliveryQueueUrl: string;
  deliveryDlqUrl: string;
  /** Seals signing secrets; not needed where no secret is read (creating deliveries). */
  cipher?: SecretCipher;
  logger: Logger;
  /** Lets subscriptions point at private addresses and use http (local development only). */
  allowPrivate: boolean;
  clock?: Clock;
  resolve?: HostResolver;
  policy?: RetryPolicy;
  /** The first attempt waits this long after a run ends: the records API's visibility lag. */
  settleMs?: number;
}

/**
 * The webhook side, the same in AWS and locally: the subscription service the API mounts, what
 * the delivery worker needs for one attempt, and what the run-results handler needs to turn a
 * finished run into deliveries (given where run-result events go: EventBridge, or the log).
 */
export function makeWebhooks(config: WebhooksConfig) {
  const clock = config.clock ?? systemClock;
  const resolve = config.resolve ?? dnsResolver;
  const allowHttp = config.allowPrivate;
  const store = new DynamoWebhookStore({ doc: config.doc, tableName: config.stateTable, cipher: config.cipher, now: () => clock.now() });
  const queue = new SqsDeliveryQueue({ sqs: config.sqs, queueUrl: config.deliveryQueueUrl, deadLetterQueueUrl: config.deliveryDlqUrl });
  const service = new WebhookService({ store, queue, resolve, clock, allowPrivate: config.allowPrivate, allowHttp });
  const deliveryDeps: AttemptDeps = {
    store,
    queue,
    sender: new PinnedWebhookSender(),
    resolve,
    clock,
    logger: config.logger,
    policy: config.policy ?? DEFAULT_RETRY_POLICY,
    allowPrivate: config.allowPrivate,
    allowHttp,
  };
  const runResultsDeps = (events: EventPublisher): CreateDeliveriesDeps => ({ store, queue, events, clock, logger: config.logger, settleMs: config.settleMs ?? 0 });
  return { store, queue, service, deliveryDeps, runResultsDeps };
}
