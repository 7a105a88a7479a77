/** Lambda entry: the executor, triggered by the run queue (SQS, partial batch responses). */
import { KMSClient } from '@aws-sdk/client-kms';
import { SQSClient } from '@aws-sdk/client-sqs';
import { KmsEnvelopeCipher } from '../../adapters/crypto/kms-cipher.js';
import { makeDynamoClients } from '../../adapters/dynamodb/client.js';
import { makePowertoolsLogger } from '../../adapters/logging/powertools-logger.js';
import { makeSyncline } from '../../composition.js';
import { IntegrationRegistry } from '../../engine/integration.js';
import { integrations } from '../../../integrations/index.js';
import { KeyEnv, QueueEnv, readEnv, TablesEnv } from '../env.js';
import { makeExecutorHandler } from './executor-handler.js';

const env = readEnv(TablesEnv.merge(QueueEnv).merge(KeyEnv));
const syncline = makeSyncline({
  dynamo: makeDynamoClients(),
  sqs: new SQSClient({}),
  tables: { records: env.RECORDS_TABLE, state: env.STATE_TABLE },
  runQueueUrl: env.RUN_QUEUE_URL,
  registry: new IntegrationRegistry(integrations),
  logger: makePowertoolsLogger('syncline-executor'),
  cipher: new KmsEnvelopeCipher({ kms: new KMSClient({}), keyId: env.KMS_KEY_ID }),
});

export const handler = makeExecutorHandler(syncline.execute);
