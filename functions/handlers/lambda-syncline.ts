/**
 * The composition every Lambda entry shares: clients built once per cold start from the
 * function's validated environment, the integrations, the Powertools logger and the EMF metrics
 * (namespace `Syncline`, dimension `service` = the service name), which each handler flushes once
 * per invocation.
 */
import { KMSClient } from '@aws-sdk/client-kms';
import { SQSClient } from '@aws-sdk/client-sqs';
import { KmsEnvelopeCipher } from '../adapters/crypto/kms-cipher.js';
import { makeDynamoClients } from '../adapters/dynamodb/client.js';
import { makePowertoolsLogger } from '../adapters/logging/powertools-logger.js';
import { makeEmfMetrics } from '../adapters/metrics/emf-metrics.js';
import { makeSyncline, type SynclineConfig } from '../composition.js';
import { IntegrationRegistry } from '../engine/integration.js';
import { integrations } from 'syncline-integrations';

export interface LambdaEnv {
  RECORDS_TABLE: string;
  STATE_TABLE: string;
  /** Finished runs expire this many days after they finish (default 90). */
  SYNCLINE_RUN_RETENTION_DAYS?: number | undefined;
  /** Absent in a function that queues no runs (the actions function). */
  RUN_QUEUE_URL?: string;
  /** Set for functions that read credentials; those get a KMS envelope cipher. */
  KMS_KEY_ID?: string;
  /** Set for functions that queue asynchronous actions (the API) or their retries (the actions function). */
  ACTION_QUEUE_URL?: string;
}

/** `extra.actionInvoker`: only the API triggers synchronous actions (see `http/action-invoker.ts`), so only its bundle carries the Lambda client. */
export function makeLambdaSyncline(serviceName: string, env: LambdaEnv, extra: Pick<SynclineConfig, 'scheduler' | 'runner' | 'actionRunner' | 'actionInvoker'> = {}) {
  return makeSyncline({
    dynamo: makeDynamoClients(),
    sqs: new SQSClient({}),
    tables: { records: env.RECORDS_TABLE, state: env.STATE_TABLE },
    ...(env.SYNCLINE_RUN_RETENTION_DAYS ? { runRetentionDays: env.SYNCLINE_RUN_RETENTION_DAYS } : {}),
    ...(env.RUN_QUEUE_URL ? { runQueueUrl: env.RUN_QUEUE_URL } : {}),
    registry: new IntegrationRegistry(integrations),
    logger: makePowertoolsLogger(serviceName),
    metrics: makeEmfMetrics({ service: serviceName }),
    ...(env.KMS_KEY_ID ? { cipher: new KmsEnvelopeCipher({ kms: new KMSClient({}), keyId: env.KMS_KEY_ID }) } : {}),
    ...(env.ACTION_QUEUE_URL ? { actionQueueUrl: env.ACTION_QUEUE_URL } : {}),
    ...extra,
  });
}
