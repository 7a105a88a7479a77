/**
 * The composition every Lambda entry shares: clients built once per cold start from the
 * function's validated environment, the integrations, and the Powertools logger.
 */
import { KMSClient } from '@aws-sdk/client-kms';
import { SQSClient } from '@aws-sdk/client-sqs';
import { KmsEnvelopeCipher } from '../adapters/crypto/kms-cipher.js';
import { makeDynamoClients } from '../adapters/dynamodb/client.js';
import { makePowertoolsLogger } from '../adapters/logging/powertools-logger.js';
import { makeSyncline, type SynclineConfig } from '../composition.js';
import { IntegrationRegistry } from '../engine/integration.js';
import { integrations } from 'syncline-integrations';

export interface LambdaEnv {
  RECORDS_TABLE: string;
  STATE_TABLE: string;
  RUN_QUEUE_URL: string;
  /** Set for functions that read credentials; those get a KMS envelope cipher. */
  KMS_KEY_ID?: string;
}

export function makeLambdaSyncline(serviceName: string, env: LambdaEnv, extra: Pick<SynclineConfig, 'scheduler' | 'runner'> = {}) {
  return makeSyncline({
    dynamo: makeDynamoClients(),
    sqs: new SQSClient({}),
    tables: { records: env.RECORDS_TABLE, state: env.STATE_TABLE },
    runQueueUrl: env.RUN_QUEUE_URL,
    registry: new IntegrationRegistry(integrations),
    logger: makePowertoolsLogger(serviceName),
    ...(env.KMS_KEY_ID ? { cipher: new KmsEnvelopeCipher({ kms: new KMSClient({}), keyId: env.KMS_KEY_ID }) } : {}),
    ...extra,
  });
}
