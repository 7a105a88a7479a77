/**
 * The HTTP API in a process of its own, as a Lambda runs it: composed like `env.ts` composes it
 * (Syncline against the parent's DynamoDB Local and SQS emulator, the same tables, the bench's
 * API key imported) and served on 127.0.0.1 on a free port. Prints `@@url <url>` once it
 * listens; exits when the parent closes its stdin or sends SIGTERM.
 *
 * argv[2]: JSON of `ServerChildArgs`. Started by `scenarios/records-api.ts`.
 */
import { DynamoApiKeyStore } from '../../functions/adapters/dynamodb/api-key-store.js';
import { makeDynamoClients } from '../../functions/adapters/dynamodb/client.js';
import { createApiApp } from '../../functions/api/app.js';
import { makeSyncline } from '../../functions/composition.js';
import { IntegrationRegistry } from '../../functions/engine/integration.js';
import { startApiServer } from '../../functions/local/api-server.js';
import { makeLocalSqsClient } from '../../functions/local/sqs-emulator.js';
import { API_KEY, makeQuietLogger, TABLES, VISIBILITY_LAG_MS } from './common.js';
import { benchIntegrations } from './integrations.js';
import { announceUrl, type ServerChildArgs } from './server-child.js';

const args = JSON.parse(process.argv[2] ?? '{}') as ServerChildArgs;
const dynamo = makeDynamoClients({ endpoint: args.dynamoEndpoint });
const logger = makeQuietLogger();
const syncline = makeSyncline({
  dynamo,
  sqs: makeLocalSqsClient(args.sqsEndpoint),
  tables: TABLES,
  runQueueUrl: args.runQueueUrl,
  registry: new IntegrationRegistry(benchIntegrations),
  logger,
});
const apiKeys = new DynamoApiKeyStore({ doc: dynamo.doc, tableName: TABLES.state });
await apiKeys.importKey('bench', API_KEY);
const app = createApiApp({ syncline, apiKeys, clock: syncline.clock, visibilityLagMs: VISIBILITY_LAG_MS, logger });
const server = await startApiServer({ app, port: 0 });
announceUrl(server.url, async () => {
  await server.stop();
  dynamo.client.destroy();
});
