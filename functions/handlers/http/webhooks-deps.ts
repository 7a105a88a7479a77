/**
 * The webhook service for the API Lambda: pass `webhooks: makeLambdaWebhookService(...)` to
 * `createApiApp` to mount the /webhooks routes in AWS (the stack already gives the API function
 * DELIVERY_QUEUE_URL, DELIVERY_DLQ_URL, the queue send grant and KMS encrypt/decrypt).
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { DynamoWebhookStore } from '../../adapters/dynamodb/webhook-store.js';
import { dnsResolver } from '../../adapters/http/webhook-sender.js';
import { SqsDeliveryQueue } from '../../adapters/sqs/delivery-queue.js';
import type { Clock, SecretCipher } from '../../engine/ports.js';
import { WebhookService } from '../../engine/webhooks/webhook-service.js';
import { readEnv } from '../env.js';

export const WebhooksApiEnv = z.object({
  STATE_TABLE: z.string().min(1),
  DELIVERY_QUEUE_URL: z.string().url(),
  DELIVERY_DLQ_URL: z.string().url(),
  SYNCLINE_WEBHOOK_ALLOW_PRIVATE: z.enum(['true', 'false']).default('false'),
});

export function makeLambdaWebhookService(deps: { doc: DynamoDBDocumentClient; sqs: SQSClient; cipher: SecretCipher; clock: Clock }, env: NodeJS.ProcessEnv = process.env): WebhookService {
  const config = readEnv(WebhooksApiEnv, env);
  const allowPrivate = config.SYNCLINE_WEBHOOK_ALLOW_PRIVATE === 'true';
  return new WebhookService({
    store: new DynamoWebhookStore({ doc: deps.doc, tableName: config.STATE_TABLE, cipher: deps.cipher, now: () => deps.clock.now() }),
    queue: new SqsDeliveryQueue({ sqs: deps.sqs, queueUrl: config.DELIVERY_QUEUE_URL, deadLetterQueueUrl: config.DELIVERY_DLQ_URL }),
    resolve: dnsResolver,
    clock: deps.clock,
    allowPrivate,
    allowHttp: allowPrivate,
  });
}
