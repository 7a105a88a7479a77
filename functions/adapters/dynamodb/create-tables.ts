/**
 * Creates Syncline's two tables against DynamoDB Local (dev runtime, tests). In AWS the CDK
 * constructs own the tables; both follow `table-schema.ts`, so their shapes cannot drift.
 */
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTimeToLiveCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  waitUntilTableNotExists,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { RECORDS_KEYS, STATE_KEYS, type TableNames } from './table-schema.js';

// DynamoDB Local reports ACTIVE at once; short polls keep a real-AWS run from idling 20 s (the default).
const WAITER = { maxWaitTime: 60, minDelay: 1, maxDelay: 5 } as const;

function recordsTableInput(tableName: string): CreateTableCommandInput {
  const { partitionKey, sortKey, cursorIndex, cursorKey } = RECORDS_KEYS;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: partitionKey, AttributeType: 'S' },
      { AttributeName: sortKey, AttributeType: 'S' },
      { AttributeName: cursorKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: partitionKey, KeyType: 'HASH' },
      { AttributeName: sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: cursorIndex,
        KeySchema: [
          { AttributeName: partitionKey, KeyType: 'HASH' },
          { AttributeName: cursorKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}

function stateTableInput(tableName: string): CreateTableCommandInput {
  const { partitionKey, sortKey } = STATE_KEYS;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: partitionKey, AttributeType: 'S' },
      { AttributeName: sortKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: partitionKey, KeyType: 'HASH' },
      { AttributeName: sortKey, KeyType: 'RANGE' },
    ],
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
  };
}

/** Creates the table unless it already exists, then waits until it is ACTIVE. */
async function ensureTable(client: DynamoDBClient, input: CreateTableCommandInput): Promise<void> {
  try {
    await client.send(new CreateTableCommand(input));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  await waitUntilTableExists({ client, ...WAITER }, { TableName: input.TableName });
}

/** UpdateTimeToLive rejects a repeat ("already enabled"), so look before enabling. */
async function ensureTtl(client: DynamoDBClient, tableName: string, attributeName: string): Promise<void> {
  const { TimeToLiveDescription } = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  const status = TimeToLiveDescription?.TimeToLiveStatus;
  if (status === 'ENABLED' || status === 'ENABLING') return;
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { Enabled: true, AttributeName: attributeName },
    }),
  );
}

/** Idempotent: safe on every local start and in every test file. */
export async function createTables(client: DynamoDBClient, names: TableNames): Promise<void> {
  await Promise.all([ensureTable(client, recordsTableInput(names.records)), ensureTable(client, stateTableInput(names.state))]);
  await ensureTtl(client, names.state, STATE_KEYS.ttl);
}

/** For tests: drops both tables if present and waits until they are gone. */
export async function deleteTables(client: DynamoDBClient, names: TableNames): Promise<void> {
  await Promise.all(
    [names.records, names.state].map(async (tableName) => {
      try {
        await client.send(new DeleteTableCommand({ TableName: tableName }));
      } catch (error) {
        if (error instanceof ResourceNotFoundException) return;
        throw error;
      }
      await waitUntilTableNotExists({ client, ...WAITER }, { TableName: tableName });
    }),
  );
}
