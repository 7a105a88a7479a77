/** Lambda entry: one webhook attempt per message of the delivery queue (SQS, partial batch responses). */
import { KMSClient } from '@aws-sdk/client-kms';
import { SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { KmsEnvelopeCipher } from '../../adapters/crypto/kms-cipher.js';
import { makeDynamoClients } from '../../adapters/dynamodb/client.js';
import { DynamoWebhookStore } from '../../adapters/dynamodb/webhook-store.js';
import { dnsResolver, PinnedWebhookSender } from '../../adapters/http/webhook-sender.js';
import { makePowertoolsLogger } from '../../adapters/logging/powertools-logger.js';
import { SqsDeliveryQueue } from '../../adapters/sqs/delivery-queue.js';
import { systemClock } from '../../engine/ports.js';
import { DEFAULT_RETRY_POLICY } from '../../engine/webhooks/retry-policy.js';
import { readEnv } from '../env.js';
import { makeWebhookDeliveryHandler } from './webhook-delivery-handler.js';

const env = readEnv(z.object({
  STATE_TABLE: z.string().min(1),
  DELIVERY_QUEUE_URL: z.string().url(),
  DELIVERY_DLQ_URL: z.string().url(),
  KMS_KEY_ID: z.string().min(1),
  /** Off in AWS; only for a stack that must reach a private receiver on purpose. */
  SYNCLINE_WEBHOOK_ALLOW_PRIVATE: z.enum(['true', 'false']).default('false'),
}));
const { doc } = makeDynamoClients();
const allowPrivate = env.SYNCLINE_WEBHOOK_ALLOW_PRIVATE === 'true';

export const handler = makeWebhookDeliveryHandler({
  store: new DynamoWebhookStore({ doc, tableName: env.STATE_TABLE, cipher: new KmsEnvelopeCipher({ kms: new KMSClient({}), keyId: env.KMS_KEY_ID }) }),
  queue: new SqsDeliveryQueue({ sqs: new SQSClient({}), queueUrl: env.DELIVERY_QUEUE_URL, deadLetterQueueUrl: env.DELIVERY_DLQ_URL }),
  sender: new PinnedWebhookSender(),
  resolve: dnsResolver,
  clock: systemClock,
  logger: makePowertoolsLogger('syncline-webhook-delivery'),
  policy: DEFAULT_RETRY_POLICY,
  allowPrivate,
  allowHttp: allowPrivate,
});
