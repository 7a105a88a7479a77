/** Lambda entry: the fan-out, invoked by EventBridge Scheduler with `{integration, sync, connection?, scheduledAt}`. */
import { SQSClient } from '@aws-sdk/client-sqs';
import { makeDynamoClients } from '../../adapters/dynamodb/client.js';
import { makePowertoolsLogger } from '../../adapters/logging/powertools-logger.js';
import { makeSyncline } from '../../composition.js';
import { IntegrationRegistry } from '../../engine/integration.js';
import { integrations } from '../../../integrations/index.js';
import { QueueEnv, readEnv, TablesEnv } from '../env.js';
import { makeFanOutHandler } from './fan-out-handler.js';

const env = readEnv(TablesEnv.merge(QueueEnv));
const syncline = makeSyncline({
  dynamo: makeDynamoClients(),
  sqs: new SQSClient({}),
  tables: { records: env.RECORDS_TABLE, state: env.STATE_TABLE },
  runQueueUrl: env.RUN_QUEUE_URL,
  registry: new IntegrationRegistry(integrations),
  logger: makePowertoolsLogger('syncline-fan-out'),
});

export const handler = makeFanOutHandler({ ...syncline.fanOut, logger: syncline.logger });
