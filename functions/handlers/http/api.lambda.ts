/**
 * Lambda entry: the HTTP API behind API Gateway (HTTP API, payload v2). Built once per cold
 * start: the Syncline composition with the EventBridge scheduler, the API key store, and — when
 * the stack configures one — the bootstrap key imported from Secrets Manager (see
 * infra/constructs/http-api.ts for how the first key is set up at deploy).
 */
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { handle } from 'hono/aws-lambda';
import * as z from 'zod';
import { DynamoApiKeyStore } from '../../adapters/dynamodb/api-key-store.js';
import { EventBridgeScheduler } from '../../adapters/scheduler/eventbridge-scheduler.js';
import { publicOnlyFetch } from '../../adapters/http/public-only-fetch.js';
import { readSecretString } from '../../adapters/secrets/lambda-secrets-extension.js';
import { createApiApp } from '../../api/app.js';
import { systemClock } from '../../engine/ports.js';
import { ActionsApiEnv, QueueEnv, readEnv, TablesEnv } from '../env.js';
import { makeLambdaSyncline } from '../lambda-syncline.js';
import { makeLambdaActionInvoker } from './action-invoker.js';
import { makeLambdaWebhookService } from './webhooks-deps.js';

const ApiEnv = TablesEnv.merge(QueueEnv)
  .merge(ActionsApiEnv)
  .extend({
    SCHEDULE_GROUP: z.string().min(1),
    FAN_OUT_ARN: z.string().startsWith('arn:'),
    SCHEDULER_ROLE_ARN: z.string().startsWith('arn:'),
    SCHEDULER_DLQ_ARN: z.string().startsWith('arn:').optional(),
    KMS_KEY_ID: z.string().min(1),
    BOOTSTRAP_KEY_SECRET_ARN: z.string().startsWith('arn:').optional(),
    AWS_SESSION_TOKEN: z.string().optional(),
    /** Where browsers reach the API (the stage URL or a custom domain): connect links and the OAuth redirect URI `<it>/oauth/callback`. */
    SYNCLINE_PUBLIC_URL: z.url({ protocol: /^https$/ }).optional(),
    /** Twice the record store's default maximum write skew (1 s). */
    VISIBILITY_LAG_MS: z.coerce.number().int().min(0).default(2_000),
  });

const env = readEnv(ApiEnv);
const scheduler = new EventBridgeScheduler({
  client: new SchedulerClient({}),
  groupName: env.SCHEDULE_GROUP,
  targetArn: env.FAN_OUT_ARN,
  roleArn: env.SCHEDULER_ROLE_ARN,
  ...(env.SCHEDULER_DLQ_ARN ? { deadLetterArn: env.SCHEDULER_DLQ_ARN } : {}),
});
const syncline = makeLambdaSyncline('syncline-api', env, { scheduler, actionInvoker: makeLambdaActionInvoker(env.ACTIONS_FUNCTION_NAME) });
const { logger } = syncline;
const apiKeys = new DynamoApiKeyStore({ doc: syncline.dynamo.doc, tableName: env.STATE_TABLE });

/**
 * The deploy-time key is imported only while the API has no key at all: once you have created
 * your own keys and revoked it, a later cold start does not bring it back. Revoking every key
 * therefore re-enables the bootstrap key — the way back in.
 */
if (env.BOOTSTRAP_KEY_SECRET_ARN && (await apiKeys.list()).length === 0) {
  const secret = await readSecretString(env.BOOTSTRAP_KEY_SECRET_ARN, { sessionToken: env.AWS_SESSION_TOKEN ?? '' });
  await apiKeys.importKey('bootstrap (deploy)', secret.trim());
  logger.log('info', 'imported the bootstrap API key from Secrets Manager');
}

const webhooks = makeLambdaWebhookService({ doc: syncline.dynamo.doc, sqs: syncline.sqs, cipher: syncline.cipher!, clock: systemClock, logger });
const app = createApiApp({
  syncline,
  apiKeys,
  webhooks,
  clock: systemClock,
  visibilityLagMs: env.VISIBILITY_LAG_MS,
  logger,
  metrics: syncline.metrics,
  ...(env.SYNCLINE_PUBLIC_URL ? { publicUrl: env.SYNCLINE_PUBLIC_URL } : {}),
  // A proxied request never reaches a private address, whatever a name resolves to.
  proxy: { fetch: publicOnlyFetch },
  // Synchronous actions run in the actions function (invoked with a deadline inside API Gateway's
  // 30 s window); asynchronous ones go through its queue.
  actions: syncline.actions(),
});

export const handler = handle(app);
