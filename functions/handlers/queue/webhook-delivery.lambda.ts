/** Lambda entry: one webhook attempt per message of the delivery queue (SQS, partial batch responses). */
import { KMSClient } from '@aws-sdk/client-kms';
import { SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { KmsEnvelopeCipher } from '../../adapters/crypto/kms-cipher.js';
import { makeDynamoClients } from '../../adapters/dynamodb/client.js';
import { makePowertoolsLogger } from '../../adapters/logging/powertools-logger.js';
import { makeEmfMetrics } from '../../adapters/metrics/emf-metrics.js';
import { makeWebhooks } from '../../composition.js';
import { readEnv } from '../env.js';
import { makeWebhookDeliveryHandler } from './webhook-delivery-handler.js';

const env = readEnv(
  z.object({
    STATE_TABLE: z.string().min(1),
    DELIVERY_QUEUE_URL: z.string().url(),
    DELIVERY_DLQ_URL: z.string().url(),
    KMS_KEY_ID: z.string().min(1),
    /** Off in AWS; only for a stack that must reach a private receiver on purpose. */
    SYNCLINE_WEBHOOK_ALLOW_PRIVATE: z.enum(['true', 'false']).default('false'),
  }),
);

const webhooks = makeWebhooks({
  doc: makeDynamoClients().doc,
  stateTable: env.STATE_TABLE,
  sqs: new SQSClient({}),
  deliveryQueueUrl: env.DELIVERY_QUEUE_URL,
  deliveryDlqUrl: env.DELIVERY_DLQ_URL,
  cipher: new KmsEnvelopeCipher({ kms: new KMSClient({}), keyId: env.KMS_KEY_ID }),
  logger: makePowertoolsLogger('syncline-webhook-delivery'),
  metrics: makeEmfMetrics({ service: 'syncline-webhook-delivery' }),
  allowPrivate: env.SYNCLINE_WEBHOOK_ALLOW_PRIVATE === 'true',
});

export const handler = makeWebhookDeliveryHandler(webhooks.deliveryDeps);
