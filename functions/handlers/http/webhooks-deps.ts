/**
 * The webhook service for the API Lambda: pass `webhooks: makeLambdaWebhookService(...)` to
 * `createApiApp` to mount the /webhooks routes in AWS (the stack already gives the API function
 * DELIVERY_QUEUE_URL, DELIVERY_DLQ_URL, the queue send grant and KMS encrypt/decrypt).
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { makeWebhooks } from '../../composition.js';
import type { Clock, Logger, SecretCipher } from '../../engine/ports.js';
import type { WebhookService } from '../../engine/webhooks/webhook-service.js';
import { readEnv } from '../env.js';

export const WebhooksApiEnv = z.object({
  STATE_TABLE: z.string().min(1),
  DELIVERY_QUEUE_URL: z.string().url(),
  DELIVERY_DLQ_URL: z.string().url(),
  SYNCLINE_WEBHOOK_ALLOW_PRIVATE: z.enum(['true', 'false']).default('false'),
});

export function makeLambdaWebhookService(
  deps: { doc: DynamoDBDocumentClient; sqs: SQSClient; cipher: SecretCipher; clock: Clock; logger: Logger },
  env: NodeJS.ProcessEnv = process.env,
): WebhookService {
  const config = readEnv(WebhooksApiEnv, env);
  return makeWebhooks({
    ...deps,
    stateTable: config.STATE_TABLE,
    deliveryQueueUrl: config.DELIVERY_QUEUE_URL,
    deliveryDlqUrl: config.DELIVERY_DLQ_URL,
    allowPrivate: config.SYNCLINE_WEBHOOK_ALLOW_PRIVATE === 'true',
  }).service;
}
