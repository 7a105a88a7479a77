/** Lambda entry: run results and newly marked connections from the state table's stream → webhook deliveries and EventBridge events. */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { integrations } from 'syncline-integrations';
import * as z from 'zod';
import { makeDynamoClients } from '../../adapters/dynamodb/client.js';
import { EventBridgePublisher } from '../../adapters/eventbridge/event-publisher.js';
import { makePowertoolsLogger } from '../../adapters/logging/powertools-logger.js';
import { makeWebhooks } from '../../composition.js';
import { IntegrationRegistry } from '../../engine/integration.js';
import { DEFAULT_ENVIRONMENT } from '../../engine/webhooks/create-auth-deliveries.js';
import { readEnv } from '../env.js';
import { makeRunResultsHandler } from './run-results-handler.js';

const env = readEnv(
  z.object({
    STATE_TABLE: z.string().min(1),
    DELIVERY_QUEUE_URL: z.string().url(),
    DELIVERY_DLQ_URL: z.string().url(),
    EVENT_BUS_NAME: z.string().min(1),
    /** The records API's visibility lag; the first webhook attempt waits it out. */
    VISIBILITY_LAG_MS: z.coerce.number().int().min(0).default(2_000),
    /** The deployment's name in auth webhooks (Nango's `environment`). */
    SYNCLINE_ENVIRONMENT: z.string().min(1).max(64).default(DEFAULT_ENVIRONMENT),
  }),
);

// No cipher: this function creates deliveries, it never reads a signing secret or credentials.
const webhooks = makeWebhooks({
  doc: makeDynamoClients().doc,
  stateTable: env.STATE_TABLE,
  sqs: new SQSClient({}),
  deliveryQueueUrl: env.DELIVERY_QUEUE_URL,
  deliveryDlqUrl: env.DELIVERY_DLQ_URL,
  logger: makePowertoolsLogger('syncline-run-results'),
  allowPrivate: false,
  settleMs: env.VISIBILITY_LAG_MS,
});

export const handler = makeRunResultsHandler({
  ...webhooks.runResultsDeps(new EventBridgePublisher({ client: new EventBridgeClient({}), busName: env.EVENT_BUS_NAME })),
  // The integrations name the provider and auth mode of an auth webhook.
  integrations: new IntegrationRegistry(integrations),
  environment: env.SYNCLINE_ENVIRONMENT,
});
