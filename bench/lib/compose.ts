/**
 * Syncline as the benchmark composes it, in the parent and in every child process alike: the
 * bench's integrations and tables against DynamoDB Local and the SQS emulator, and the HTTP API
 * with the bench's key imported, served on 127.0.0.1.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoApiKeyStore } from '../../functions/adapters/dynamodb/api-key-store.js';
import type { DynamoClients } from '../../functions/adapters/dynamodb/client.js';
import { createApiApp } from '../../functions/api/app.js';
import { makeSyncline, type Syncline } from '../../functions/composition.js';
import { IntegrationRegistry } from '../../functions/engine/integration.js';
import type { Logger } from '../../functions/engine/ports.js';
import { startApiServer } from '../../functions/local/api-server.js';
import { API_KEY, TABLES, VISIBILITY_LAG_MS } from './common.js';
import { benchIntegrations } from './integrations.js';

export function makeBenchSyncline(dynamo: DynamoClients, sqs: SQSClient, runQueueUrl: string, logger: Logger): Syncline {
  return makeSyncline({ dynamo, sqs, tables: TABLES, runQueueUrl, registry: new IntegrationRegistry(benchIntegrations), logger });
}

/** The HTTP API over `syncline`, on a free port of 127.0.0.1, accepting the bench's API key. */
export async function startBenchApi(syncline: Syncline, logger: Logger) {
  const apiKeys = new DynamoApiKeyStore({ doc: syncline.dynamo.doc, tableName: TABLES.state });
  await apiKeys.importKey('bench', API_KEY);
  const app = createApiApp({ syncline, apiKeys, clock: syncline.clock, visibilityLagMs: VISIBILITY_LAG_MS, logger });
  return startApiServer({ app, port: 0 });
}
