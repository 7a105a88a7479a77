/**
 * The HTTP API in a process of its own, as a Lambda runs it: composed like `env.ts` composes it
 * (Syncline against the parent's DynamoDB Local and SQS emulator, the same tables, the bench's
 * API key imported) and served on 127.0.0.1 on a free port. Prints `@@url <url>` once it
 * listens; exits when the parent closes its stdin or sends SIGTERM.
 *
 * argv[2]: JSON of `ServerChildArgs`. Started by `scenarios/records-api.ts`.
 */
import { makeDynamoClients } from '../../functions/adapters/dynamodb/client.js';
import { makeLocalSqsClient } from '../../functions/local/sqs-emulator.js';
import { makeQuietLogger } from './common.js';
import { announceUrl, type ServerChildArgs } from './server-child.js';
import { makeBenchSyncline, startBenchApi } from './compose.js';

const args = JSON.parse(process.argv[2] ?? '{}') as ServerChildArgs;
const dynamo = makeDynamoClients({ endpoint: args.dynamoEndpoint });
const logger = makeQuietLogger();
const syncline = makeBenchSyncline(dynamo, makeLocalSqsClient(args.sqsEndpoint), args.runQueueUrl, logger);
const server = await startBenchApi(syncline, logger);
announceUrl(server.url, async () => {
  await server.stop();
  dynamo.client.destroy();
});
