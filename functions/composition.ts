/**
 * The composition root, shared by every Lambda entry and the local runtime: from clients the
 * caller built once (a cold start, or `npm start`), it builds the adapters — record store, state
 * repositories, run queue, action queue, webhook store and delivery queue — and wires them into
 * the dependencies of the executor, the fan-out, the connection service, the sync controls, the
 * actions (their service and their runner) and the webhook side. Clients and configuration come in as arguments; this module reads no
 * environment itself (each Lambda entry validates its own).
 */
import { randomUUID } from 'node:crypto';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoClients } from './adapters/dynamodb/client.js';
import { DynamoRecordStore } from './adapters/dynamodb/record-store.js';
import { makeDynamoStateRepos } from './adapters/dynamodb/state/index.js';
import type { TableNames } from './adapters/dynamodb/table-schema.js';
import { SqsActionQueue } from './adapters/sqs/action-queue.js';
import { SqsRunQueue } from './adapters/sqs/run-queue.js';
import { DynamoWebhookStore } from './adapters/dynamodb/webhook-store.js';
import { dnsResolver, PinnedWebhookSender } from './adapters/http/webhook-sender.js';
import { SqsDeliveryQueue } from './adapters/sqs/delivery-queue.js';
import { ActionService } from './engine/actions/action-service.js';
import type { ActionRunnerDeps } from './engine/actions/action-worker.js';
import type { ActionInvoker, ActionWebhookSender } from './engine/actions/ports.js';
import type { AttemptDeps } from './engine/webhooks/attempt-delivery.js';
import { makeActionWebhookSender } from './engine/webhooks/create-action-deliveries.js';
import type { CreateDeliveriesDeps } from './engine/webhooks/create-deliveries.js';
import type { EventPublisher, HostResolver } from './engine/webhooks/ports.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './engine/webhooks/retry-policy.js';
import { WebhookService } from './engine/webhooks/webhook-service.js';
import { ConnectionService } from './engine/connection-service.js';
import { SyncControls } from './engine/controls.js';
import type { IntegrationRegistry } from './engine/integration.js';
import type { ExecutorDeps } from './engine/orchestration/handle-run-message.js';
import type { FanOutDeps } from './engine/orchestration/fan-out.js';
import { type Metrics, noMetrics } from './engine/metrics.js';
import { systemClock, type Clock, type Logger, type RunQueue, type Scheduler, type SecretCipher } from './engine/ports.js';
import type { RunnerConfig } from './engine/runner/runner-config.js';
import type { EnvironmentVariable } from './engine/sdk/nango-sync-types.js';

export interface SynclineConfig {
  dynamo: DynamoClients;
  sqs: SQSClient;
  tables: TableNames;
  /** The executor's queue; absent only in a function that queues no runs (the actions function): sending a run then fails loudly. */
  runQueueUrl?: string;
  /** Needed by the controls and by connection deletion (per-connection schedules); the executor and fan-out run without it. */
  scheduler?: Scheduler;
  registry: IntegrationRegistry;
  logger: Logger;
  /** Where the executor and the fan-out count (EMF in Lambda and locally); none when absent. */
  metrics?: Metrics;
  /** Encrypts connection credentials at rest (KMS in AWS, a local key file locally). */
  cipher?: SecretCipher;
  clock?: Clock;
  runner?: Partial<RunnerConfig>;
  /** Variables scripts read with `nango.getEnvironmentVariables()`; default: `SYNCLINE_SCRIPT_ENV_*` of this process. */
  scriptEnvironment?: EnvironmentVariable[];
  /** Lets `nango.uncontrolledFetch` reach loopback and private addresses, and a per-account token URL be http://127.0.0.1 (the local runtime). */
  allowPrivateFetch?: boolean;
  /** Finished runs expire (DynamoDB TTL) this many days after they finish; default 90. */
  runRetentionDays?: number;
  /** The asynchronous actions' queue: needed by the actions service and the actions runner (retries). */
  actionQueueUrl?: string;
  /** Runs a synchronous action (the actions Lambda in AWS, in process locally): needed by the actions service only. */
  actionInvoker?: ActionInvoker;
  /** The actions runner's output checks (schema mismatches, size); the engine's defaults when absent. */
  actionRunner?: ActionRunnerDeps['config'];
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
  const state = makeDynamoStateRepos({
    doc: config.dynamo.doc,
    tableName: config.tables.state,
    now: () => clock.now(),
    cipher: config.cipher,
    ...(config.runRetentionDays ? { runRetentionDays: config.runRetentionDays } : {}),
  });
  const queue: RunQueue = config.runQueueUrl ? new SqsRunQueue({ sqs: config.sqs, queueUrl: config.runQueueUrl }) : noRunQueue;
  const { registry, scheduler, logger } = config;
  const metrics = config.metrics ?? noMetrics;
  const executorDeps: ExecutorDeps = {
    registry,
    records,
    state,
    queue,
    clock,
    logger,
    metrics,
    newId,
    config: config.runner,
    environmentVariables: config.scriptEnvironment ?? scriptEnvironmentFrom(process.env),
    allowPrivateFetch: config.allowPrivateFetch ?? false,
  };
  const fanOutDeps: FanOutDeps = { registry, state, queue, clock, metrics };
  const connections = new ConnectionService({ registry, state, records, queue, clock, newId, ...(scheduler ? { scheduler } : {}) });
  const controls = () => {
    if (!scheduler) throw new Error('sync controls need a scheduler');
    return new SyncControls({ registry, state, records, queue, scheduler, clock, newId });
  };
  const actionQueue = () => {
    if (!config.actionQueueUrl) throw new Error('actions need the action queue URL');
    return new SqsActionQueue({ sqs: config.sqs, queueUrl: config.actionQueueUrl });
  };
  const actionConfig = config.actionRunner ?? (config.runner?.recordValidation ? { outputValidation: config.runner.recordValidation } : undefined);
  /** What runs action executions (the actions Lambda, the local worker); `webhooks` announces finished asynchronous ones. */
  const actionRunnerDeps = (webhooks?: ActionWebhookSender): ActionRunnerDeps => ({
    registry,
    state,
    executions: state.actionExecutions,
    queue: actionQueue(),
    clock,
    logger,
    environmentVariables: executorDeps.environmentVariables,
    allowPrivateFetch: executorDeps.allowPrivateFetch,
    ...(webhooks ? { webhooks } : {}),
    // Unless told otherwise, an output that fails its schema is treated as a record that fails its model.
    ...(actionConfig ? { config: actionConfig } : {}),
  });
  /** The actions API's service (trigger, read, list, logs). Execution ids are UUIDs, as Nango's are. */
  const actions = () => {
    if (!config.actionInvoker) throw new Error('actions need an action invoker');
    return new ActionService({ registry, state, executions: state.actionExecutions, invoker: config.actionInvoker, queue: actionQueue(), clock });
  };
  return {
    registry,
    records,
    state,
    queue,
    logger,
    metrics,
    clock,
    executorDeps,
    fanOutDeps,
    connections,
    controls,
    actionRunnerDeps,
    actions,
    dynamo: config.dynamo,
    sqs: config.sqs,
    cipher: config.cipher,
  };
}

export type Syncline = ReturnType<typeof makeSyncline>;

/** The run queue of a function configured without one: nothing it does should queue a run. */
const noRunQueue: RunQueue = {
  send: async () => {
    throw new Error('this function has no run queue: it queues no runs');
  },
};

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
  /** Where delivery attempts are counted; none when absent. */
  metrics?: Metrics;
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
 * the delivery worker needs for one attempt, what the run-results handler needs to turn a
 * finished run into deliveries, and the sender of `async_action` webhooks the actions runner
 * uses (given where events go: EventBridge, or the log).
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
    ...(config.metrics ? { metrics: config.metrics } : {}),
  };
  const runResultsDeps = (events: EventPublisher): CreateDeliveriesDeps => ({ store, queue, events, clock, logger: config.logger, settleMs: config.settleMs ?? 0 });
  /** The `async_action` webhook sender the actions runner is given (no settling: the execution is stored first). */
  const actionWebhooks = (events: EventPublisher, environment?: string): ActionWebhookSender =>
    makeActionWebhookSender({ store, queue, events, clock, logger: config.logger, ...(environment ? { environment } : {}) });
  return { store, queue, service, deliveryDeps, runResultsDeps, actionWebhooks };
}
