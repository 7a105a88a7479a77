/**
 * Lambda entry: the actions function. Triggered by the actions queue (SQS, partial batch
 * responses: asynchronous executions) and invoked directly by the API (synchronous ones).
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventBridgePublisher } from '../../adapters/eventbridge/event-publisher.js';
import { makeWebhooks } from '../../composition.js';
import { ActionQueueEnv, KeyEnv, readEnv, RunnerEnv, TablesEnv, WebhookDeliveryEnv } from '../env.js';
import { makeLambdaSyncline } from '../lambda-syncline.js';
import { makeActionsHandler } from './actions-handler.js';

// No RUN_QUEUE_URL: actions queue no runs.
const env = readEnv(TablesEnv.merge(ActionQueueEnv).merge(KeyEnv).merge(WebhookDeliveryEnv).merge(RunnerEnv));
// SYNCLINE_RECORD_VALIDATION also says what an output that fails the action's schema does.
const syncline = makeLambdaSyncline('syncline-actions', env, env.SYNCLINE_RECORD_VALIDATION ? { actionRunner: { outputValidation: env.SYNCLINE_RECORD_VALIDATION } } : {});

// No cipher for the webhook side: creating a delivery never opens a signing secret.
const webhooks = makeWebhooks({
  doc: syncline.dynamo.doc,
  stateTable: env.STATE_TABLE,
  sqs: syncline.sqs,
  deliveryQueueUrl: env.DELIVERY_QUEUE_URL,
  deliveryDlqUrl: env.DELIVERY_DLQ_URL,
  logger: syncline.logger,
  allowPrivate: false,
});

export const handler = makeActionsHandler(
  syncline.actionRunnerDeps(webhooks.actionWebhooks(new EventBridgePublisher({ client: new EventBridgeClient({}), busName: env.EVENT_BUS_NAME }), env.SYNCLINE_ENVIRONMENT)),
);
