/**
 * The whole system on one machine: DynamoDB Local (data kept under the data dir),
 * the SQS emulator in-process, the local scheduler standing in for EventBridge Scheduler, a
 * poller that feeds the run queue to the same executor handler as in AWS, and — for the demo —
 * the sandbox CRM API with a `demo` connection. `npm start` is a thin CLI over this.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { SQSBatchResponse } from 'aws-lambda';
import { LocalKeyFileCipher } from '../adapters/crypto/local-cipher.js';
import { DynamoApiKeyStore, generateApiKeySecret } from '../adapters/dynamodb/api-key-store.js';
import { makeDynamoClients } from '../adapters/dynamodb/client.js';
import { makeEmfMetrics } from '../adapters/metrics/emf-metrics.js';
import { createTables } from '../adapters/dynamodb/create-tables.js';
import { makeOverrideReader } from '../adapters/dynamodb/override-reader.js';
import type { TableNames } from '../adapters/dynamodb/table-schema.js';
import { makeSyncline, type Syncline } from '../composition.js';
import { runInvokedAction, type ActionRunnerDeps } from '../engine/actions/action-worker.js';
import type { ActionInvoker } from '../engine/actions/ports.js';
import { IntegrationRegistry, type IntegrationDeclaration } from '../engine/integration.js';
import type { Logger } from '../engine/ports.js';
import type { RunnerConfig } from '../engine/runner/runner-config.js';
import { reconcileSchedules } from '../engine/schedules.js';
import { ACTIONS_MAX_RECEIVE_COUNT, makeActionsHandler } from '../handlers/queue/actions-handler.js';
import { makeExecutorHandler } from '../handlers/queue/executor-handler.js';
import { makeFanOutHandler } from '../handlers/schedule/fan-out-handler.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../integrations/demo-crm/sandbox/server.js';
import { createApiApp } from '../api/app.js';
import { startApiServer } from './api-server.js';
import { createOAuthWebSocket } from './oauth-websocket.js';
import { startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local.js';
import { LocalScheduler } from './local-scheduler.js';
import { startQueuePoller } from './queue-poller.js';
import { startSqsEmulator, type SqsEmulator } from './sqs-emulator.js';
import { startLocalWebhooks, type LocalWebhooks } from './webhooks-local.js';

export interface LocalRuntimeOptions {
  dataDir: string;
  integrations: IntegrationDeclaration[];
  logger: Logger;
  /** DynamoDB Local's port; 0 picks a free one. */
  dynamoPort?: number;
  /** The simulated executor timeout (AWS: 15 minutes); a run nearing it continues in a new invocation. */
  executorTimeoutMs?: number;
  /** Concurrent executor invocations. */
  executorConcurrency?: number;
  runner?: Partial<RunnerConfig>;
  /** Starts the demo CRM sandbox and its `demo` connection. */
  demo?: false | Partial<SandboxOptions>;
  /** The HTTP API's port on 127.0.0.1 (0 picks a free one); undefined runs no API. */
  apiPort?: number;
  /** The API key to accept; when unset, one is generated once and kept in the data dir. */
  secretKey?: string;
  /** How far `GET /records` trails the clock while a sync writes (≥ 2 × the store's write skew). */
  visibilityLagMs?: number;
  /**
   * Where browsers reach the API (connect links, the OAuth redirect URI `<publicUrl>/oauth/callback`),
   * e.g. a tunnel's https address. @default the local server's address (`http://127.0.0.1:<port>`)
   */
  publicUrl?: string;
  /** Webhooks may target private addresses and plain http (a receiver on 127.0.0.1). @default true, as `SYNCLINE_WEBHOOK_ALLOW_PRIVATE=true` */
  webhookAllowPrivate?: boolean;
  /**
   * Where the EMF lines go — the same JSON lines the Lambda functions write for CloudWatch, under
   * the same service names (executor, fan-out, webhook delivery). `npm start` prints them; the
   * API's are left out locally (one line per request, and the console polls). @default none
   */
  emf?: (line: string) => void;
}

export interface LocalRuntime {
  syncline: Syncline;
  scheduler: LocalScheduler;
  dynamo: DynamoDbLocal;
  sqs: SqsEmulator;
  queues: { runs: string; runsDlq: string; actions: string; actionsDlq: string };
  tables: TableNames;
  sandbox: Sandbox | null;
  api: { url: string; secretKey: string; secretKeyGenerated: boolean } | null;
  /** Webhook subscriptions and deliveries (stream poller + delivery poller). */
  webhooks: LocalWebhooks;
  stop(): Promise<void>;
}

export const LOCAL_TABLES: TableNames = { records: 'syncline-records', state: 'syncline-state' };
const EXECUTOR_TIMEOUT_MS = 15 * 60_000;
/** The actions function's timeout in AWS (an asynchronous action's longest run); the local poller simulates it. */
const ACTIONS_TIMEOUT_MS = 15 * 60_000;

export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const { dataDir, logger } = options;
  const { emf } = options;
  const metricsFor = (service: string) => (emf ? makeEmfMetrics({ service, write: emf }) : undefined);
  await mkdir(dataDir, { recursive: true });
  const stack: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stack.splice(0).reverse()) await stop().catch((error: unknown) => logger.log('warn', `while stopping: ${String(error)}`));
  };
  try {
    const dynamo = await startDynamoDbLocal({ dataDir: join(dataDir, 'dynamodb'), port: options.dynamoPort });
    stack.push(() => dynamo.stop());
    // Tools such as `npm run dryrun` find the running DynamoDB Local through this file.
    const runtimeFile = join(dataDir, 'runtime.json');
    await writeFile(runtimeFile, JSON.stringify({ dynamoEndpoint: dynamo.endpoint, pid: process.pid }));
    stack.push(() => rm(runtimeFile, { force: true }));
    const dynamoClients = makeDynamoClients({ endpoint: dynamo.endpoint });
    stack.push(async () => dynamoClients.client.destroy());
    await createTables(dynamoClients.client, LOCAL_TABLES);

    const sqs = await startSqsEmulator();
    stack.push(() => sqs.stop());
    const executorTimeoutMs = options.executorTimeoutMs ?? EXECUTOR_TIMEOUT_MS;
    // As in AWS: the visibility timeout is six times the executor's timeout.
    const runs = await sqs.createQueueWithDlq('syncline-runs', { visibilityTimeoutS: Math.ceil((6 * executorTimeoutMs) / 1000), maxReceiveCount: 5 });
    // As in AWS: the same visibility timeout rule, and as many receives before the DLQ.
    const actionQueues = await sqs.createQueueWithDlq('syncline-actions', { visibilityTimeoutS: Math.ceil((6 * ACTIONS_TIMEOUT_MS) / 1000), maxReceiveCount: ACTIONS_MAX_RECEIVE_COUNT });

    const registry = new IntegrationRegistry(options.integrations);
    // What a declaration says that Syncline ignores (unknown createSync options) is said once, here.
    for (const integration of registry.all())
      for (const sync of integration.syncs.values()) for (const warning of sync.warnings) options.logger.log('warn', `integration "${integration.providerConfigKey}": ${warning}`);
    const cipher = await LocalKeyFileCipher.open(join(dataDir, 'master.key'));
    let fire: (event: unknown) => Promise<unknown> = async () => undefined;
    // A synchronous action runs in this process (the actions Lambda in AWS), with the runner's
    // dependencies, which exist once the webhooks are up.
    let actionRunner: ActionRunnerDeps | undefined;
    const actionInvoker: ActionInvoker = {
      invoke: (invocation) => {
        if (!actionRunner) throw new Error('the actions runner is not ready yet');
        return runInvokedAction(actionRunner, invocation);
      },
    };
    const scheduler = new LocalScheduler({ file: join(dataDir, 'schedules.json'), fire: (event) => fire(event), log: logger });
    const syncline = makeSyncline({
      dynamo: dynamoClients,
      sqs: sqs.client,
      tables: LOCAL_TABLES,
      runQueueUrl: runs.queueUrl,
      actionQueueUrl: actionQueues.queueUrl,
      actionInvoker,
      scheduler,
      registry,
      logger,
      ...optional('metrics', metricsFor('syncline-executor')),
      cipher,
      // A stopped process leaves no lease behind for long locally.
      runner: { leaseMs: 60_000, ...options.runner },
      // Locally the APIs scripts reach are often on 127.0.0.1 (the demo sandbox, fakes).
      allowPrivateFetch: true,
    });
    // The fan-out is a function of its own in AWS, with its own service name.
    fire = makeFanOutHandler({ ...syncline.fanOutDeps, ...optional('metrics', metricsFor('syncline-fan-out')), logger });

    // The deploy step: one schedule per sync (and per frequency override), console changes kept.
    const reports = await reconcileSchedules({
      registry,
      scheduler,
      overrides: makeOverrideReader({ doc: dynamoClients.doc, tableName: LOCAL_TABLES.state, registry }),
    });
    for (const report of reports.filter((r) => r.action !== 'unchanged')) {
      logger.log('info', `schedule ${report.name}: ${report.action} (${report.rateExpression ?? 'removed'})${report.note ? ` — ${report.note}` : ''}`);
    }

    let sandbox: Sandbox | null = null;
    if (options.demo !== false) {
      const settings = await loadSandboxSettings(dataDir);
      sandbox = await startSandbox({ apiKey: settings.apiKey, epoch: settings.epoch, ...options.demo });
      stack.push(() => sandbox!.stop());
      const now = new Date().toISOString();
      await syncline.connections.upsert({
        providerConfigKey: 'demo-crm',
        connectionId: 'demo',
        credentials: { type: 'API_KEY', apiKey: settings.apiKey },
        metadata: {},
        connectionConfig: { baseUrl: sandbox.url },
        createdAt: now,
        updatedAt: now,
      });
    }

    const poller = startQueuePoller({
      sqs: sqs.client,
      queueUrl: runs.queueUrl,
      handler: makeExecutorHandler(syncline.executorDeps),
      timeoutMs: executorTimeoutMs,
      concurrency: options.executorConcurrency ?? 2,
      waitTimeSeconds: 2,
      onError: (error) => logger.log('error', `executor: ${error instanceof Error ? error.message : String(error)}`),
    });
    stack.push(() => poller.stop());
    const webhooks = await startLocalWebhooks({
      dynamo: { endpoint: dynamo.endpoint, ...dynamoClients },
      stateTable: LOCAL_TABLES.state,
      sqs,
      cipher,
      logger,
      allowPrivate: options.webhookAllowPrivate ?? true,
      settleMs: options.visibilityLagMs ?? 2_000,
      integrations: registry,
      ...optional('metrics', metricsFor('syncline-webhook-delivery')),
    });
    stack.push(() => webhooks.stop());
    actionRunner = syncline.actionRunnerDeps(webhooks.actionWebhooks);
    const actionsHandler = makeActionsHandler(actionRunner);
    const actionPoller = startQueuePoller({
      sqs: sqs.client,
      queueUrl: actionQueues.queueUrl,
      handler: (event, context) => actionsHandler(event, context) as Promise<SQSBatchResponse>,
      timeoutMs: ACTIONS_TIMEOUT_MS,
      concurrency: 2,
      waitTimeSeconds: 1,
      onError: (error) => logger.log('error', `actions: ${error instanceof Error ? error.message : String(error)}`),
    });
    stack.push(() => actionPoller.stop());
    await scheduler.start();
    stack.push(async () => scheduler.stop());

    let api: LocalRuntime['api'] = null;
    if (options.apiPort !== undefined) {
      const apiKeys = new DynamoApiKeyStore({ doc: dynamoClients.doc, tableName: LOCAL_TABLES.state });
      const key = options.secretKey ? { secret: options.secretKey, generated: false } : await loadGeneratedKey(dataDir);
      await apiKeys.importKey(key.generated ? 'local (generated)' : 'local (SYNCLINE_SECRET_KEY)', key.secret);
      // Nango's frontend SDK learns an OAuth flow's outcome on this WebSocket (there is none in AWS).
      const oauthSocket = createOAuthWebSocket();
      stack.push(async () => oauthSocket.close());
      const server = await startApiServer({
        // Built once the server listens: its address is the public URL unless one is given.
        app: (url) =>
          createApiApp({
            syncline,
            apiKeys,
            clock: syncline.clock,
            visibilityLagMs: options.visibilityLagMs ?? 2_000,
            logger,
            webhooks: webhooks.service,
            allowLoopbackTokenUrl: syncline.executorDeps.allowPrivateFetch,
            publicUrl: options.publicUrl ?? url,
            oauthPublisher: oauthSocket,
            actions: syncline.actions(),
            // Locally the providers a proxied call reaches are often on 127.0.0.1 (the demo sandbox, fakes).
            proxy: { allowPrivate: true },
          }),
        port: options.apiPort,
        onUpgrade: (request, socket, head) => oauthSocket.handleUpgrade(request, socket, head),
      });
      stack.push(() => server.stop());
      api = { url: server.url, secretKey: key.secret, secretKeyGenerated: key.generated };
    }

    return {
      syncline,
      scheduler,
      dynamo,
      sqs,
      queues: { runs: runs.queueUrl, runsDlq: runs.dlqUrl, actions: actionQueues.queueUrl, actionsDlq: actionQueues.dlqUrl },
      tables: LOCAL_TABLES,
      sandbox,
      api,
      webhooks,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** `{[key]: value}`, or nothing for an absent value (the options are `exactOptionalPropertyTypes`). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}

/** A generated local API key is kept (mode 0600) so it stays the same across restarts. */
async function loadGeneratedKey(dataDir: string): Promise<{ secret: string; generated: boolean }> {
  const file = join(dataDir, 'secret-key');
  try {
    return { secret: (await readFile(file, 'utf8')).trim(), generated: true };
  } catch {
    const secret = generateApiKeySecret();
    await writeFile(file, `${secret}\n`, { mode: 0o600 });
    return { secret, generated: true };
  }
}

/** The sandbox's epoch and key persist, so its data carries on across restarts like a real API's. */
async function loadSandboxSettings(dataDir: string): Promise<{ epoch: number; apiKey: string }> {
  const file = join(dataDir, 'sandbox.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as { epoch: number; apiKey: string };
  } catch {
    const settings = { epoch: Date.now(), apiKey: `demo_${randomBytes(12).toString('hex')}` };
    await writeFile(file, JSON.stringify(settings), { mode: 0o600 });
    return settings;
  }
}
