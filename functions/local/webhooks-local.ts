/**
 * Webhooks on one machine: the delivery queue and its DLQ in the SQS emulator, a poller feeding
 * it to the same delivery handler as the Lambda, a stream poller feeding DynamoDB Local's stream
 * to the same run-results handler (run results and newly marked connections, through the same
 * filter as the Lambda's event source), and events written to the log instead of EventBridge.
 * Returns the webhook service for the API and a `stop()`.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoWebhookStore } from '../adapters/dynamodb/webhook-store.js';
import { makeWebhooks } from '../composition.js';
import type { Metrics } from '../engine/metrics.js';
import type { ActionWebhookSender } from '../engine/actions/ports.js';
import type { IntegrationRegistry } from '../engine/integration.js';
import type { Clock, Logger, SecretCipher } from '../engine/ports.js';
import type { HostResolver } from '../engine/webhooks/ports.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../engine/webhooks/retry-policy.js';
import type { WebhookService } from '../engine/webhooks/webhook-service.js';
import { LoggingEventPublisher } from './logging-event-publisher.js';
import { makeWebhookDeliveryHandler } from '../handlers/queue/webhook-delivery-handler.js';
import { matchesWebhookStreamFilter } from '../handlers/stream/run-result-filter.js';
import { makeRunResultsHandler } from '../handlers/stream/run-results-handler.js';
import { startQueuePoller } from './queue-poller.js';
import type { SqsEmulator } from './sqs-emulator.js';
import { startStreamPoller } from './stream-poller.js';

export interface LocalWebhooksOptions {
  dynamo: { endpoint: string; client: DynamoDBClient; doc: DynamoDBDocumentClient };
  stateTable: string;
  sqs: SqsEmulator;
  cipher: SecretCipher;
  logger: Logger;
  /** Lets subscriptions point at 127.0.0.1 and use http (`SYNCLINE_WEBHOOK_ALLOW_PRIVATE=true`). */
  allowPrivate: boolean;
  retryPolicy?: Partial<RetryPolicy>;
  clock?: Clock;
  resolve?: HostResolver;
  /** Stream poll interval; default 200 ms. */
  pollIntervalMs?: number;
  /** Queue name prefix, so several runtimes (tests) can share one emulator. */
  queueName?: string;
  /** The first attempt waits this long after the run's end (the records API's visibility lag). */
  settleMs?: number;
  /** Names the provider and auth mode in auth webhooks; without it they say "unknown" / the credentials' type. */
  integrations?: Pick<IntegrationRegistry, 'get'>;
  /** The environment auth webhooks name; default `dev`. */
  environment?: string;
  /** Counts delivery attempts, flushed after each batch as the Lambda does; none when absent. */
  metrics?: Metrics;
}

export interface LocalWebhooks {
  service: WebhookService;
  /** Sends the `async_action` webhook of a finished asynchronous action (the local actions worker's). */
  actionWebhooks: ActionWebhookSender;
  store: DynamoWebhookStore;
  queues: { deliveries: string; deadLetters: string };
  stop(): Promise<void>;
}

/** The delivery function's timeout in AWS; the local poller simulates it. */
const DELIVERY_TIMEOUT_MS = 60_000;

export async function startLocalWebhooks(options: LocalWebhooksOptions): Promise<LocalWebhooks> {
  const { logger } = options;
  const queues = await options.sqs.createQueueWithDlq(options.queueName ?? 'syncline-webhooks', { visibilityTimeoutS: Math.ceil((6 * DELIVERY_TIMEOUT_MS) / 1000), maxReceiveCount: 5 });
  const webhooks = makeWebhooks({
    doc: options.dynamo.doc,
    stateTable: options.stateTable,
    sqs: options.sqs.client,
    deliveryQueueUrl: queues.queueUrl,
    deliveryDlqUrl: queues.dlqUrl,
    cipher: options.cipher,
    logger,
    allowPrivate: options.allowPrivate,
    policy: { ...DEFAULT_RETRY_POLICY, ...options.retryPolicy },
    settleMs: options.settleMs ?? 0,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.resolve ? { resolve: options.resolve } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });

  const stops: (() => Promise<void>)[] = [];
  try {
    const deliveries = startQueuePoller({
      sqs: options.sqs.client,
      queueUrl: queues.queueUrl,
      batchSize: 10,
      concurrency: 2,
      waitTimeSeconds: 1,
      timeoutMs: DELIVERY_TIMEOUT_MS,
      handler: makeWebhookDeliveryHandler(webhooks.deliveryDeps),
      onError: (error) => logger.log('error', `webhook delivery: ${describe(error)}`),
    });
    stops.push(() => deliveries.stop());
    const stream = await startStreamPoller({
      dynamo: options.dynamo.client,
      endpoint: options.dynamo.endpoint,
      tableName: options.stateTable,
      handler: makeRunResultsHandler({
        ...webhooks.runResultsDeps(new LoggingEventPublisher(logger)),
        ...(options.integrations ? { integrations: options.integrations } : {}),
        environment: options.environment ?? 'dev',
      }),
      filter: matchesWebhookStreamFilter,
      ...(options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {}),
      onError: (error) => logger.log('error', `run-results stream: ${describe(error)}`),
    });
    stops.push(() => stream.stop());
  } catch (error) {
    for (const stop of stops.reverse()) await stop();
    throw error;
  }

  return {
    service: webhooks.service,
    actionWebhooks: webhooks.actionWebhooks(new LoggingEventPublisher(logger), options.environment ?? 'dev'),
    store: webhooks.store,
    queues: { deliveries: queues.queueUrl, deadLetters: queues.dlqUrl },
    stop: async () => {
      for (const stop of stops.splice(0).reverse()) await stop();
    },
  };
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}
