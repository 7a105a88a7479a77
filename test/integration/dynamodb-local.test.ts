/**
 * Proves the DynamoDB Local harness the adapter and end-to-end tests stand on: the tables match
 * `table-schema.ts`, conditions fail the way they do in AWS, the state table has a stream, and a
 * `dataDir` instance keeps its data across a restart (what `npm start` promises).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConditionalCheckFailedException, DescribeTableCommand, DescribeTimeToLiveCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { makeDynamoClients } from '../../functions/adapters/dynamodb/client.js';
import { createTables } from '../../functions/adapters/dynamodb/create-tables.js';
import { RECORDS_KEYS, STATE_KEYS } from '../../functions/adapters/dynamodb/table-schema.js';
import { startDynamoDbLocal } from '../../functions/local/dynamodb-local.js';
import { useDynamo } from '../support/dynamo.js';

const dynamo = useDynamo();

describe('DynamoDB Local harness', () => {
  it('creates the records table with the byCursor index projecting all attributes', async () => {
    const names = await dynamo.freshTables();

    const { Table } = await dynamo.client.send(new DescribeTableCommand({ TableName: names.records }));

    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.KeySchema).toEqual([
      { AttributeName: RECORDS_KEYS.partitionKey, KeyType: 'HASH' },
      { AttributeName: RECORDS_KEYS.sortKey, KeyType: 'RANGE' },
    ]);
    const index = Table?.GlobalSecondaryIndexes?.find((gsi) => gsi.IndexName === RECORDS_KEYS.cursorIndex);
    expect(index?.KeySchema).toEqual([
      { AttributeName: RECORDS_KEYS.partitionKey, KeyType: 'HASH' },
      { AttributeName: RECORDS_KEYS.cursorKey, KeyType: 'RANGE' },
    ]);
    expect(index?.Projection?.ProjectionType).toBe('ALL');
  });

  it('is idempotent: creating existing tables again succeeds', async () => {
    const names = await dynamo.freshTables();

    await expect(createTables(dynamo.client, names)).resolves.toBeUndefined();
  });

  it('rejects a failed condition with ConditionalCheckFailedException', async () => {
    const names = await dynamo.freshTables();
    const item = { pk: { S: 'conn#model' }, sk: { S: 'record-1' } };
    await dynamo.client.send(new PutItemCommand({ TableName: names.records, Item: item }));

    const secondInsert = dynamo.client.send(
      new PutItemCommand({
        TableName: names.records,
        Item: item,
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': RECORDS_KEYS.partitionKey },
      }),
    );

    await expect(secondInsert).rejects.toBeInstanceOf(ConditionalCheckFailedException);
  });

  it('gives the state table a NEW_AND_OLD_IMAGES stream and the ttl attribute', async () => {
    const names = await dynamo.freshTables();

    const { Table } = await dynamo.client.send(new DescribeTableCommand({ TableName: names.state }));
    const { TimeToLiveDescription } = await dynamo.client.send(new DescribeTimeToLiveCommand({ TableName: names.state }));

    expect(Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(Table?.LatestStreamArn).toMatch(/^arn:aws:dynamodb:.+\/stream\//);
    expect(TimeToLiveDescription?.AttributeName).toBe(STATE_KEYS.ttl);
  });

  it('drops undefined attributes when writing through the document client', async () => {
    const names = await dynamo.freshTables();
    const key = { pk: 'conn#model', sk: 'record-2' };

    await dynamo.doc.send(new PutCommand({ TableName: names.records, Item: { ...key, d: 'x', gone: undefined } }));
    const { Item } = await dynamo.doc.send(new GetCommand({ TableName: names.records, Key: key }));

    expect(Item).toEqual({ ...key, d: 'x' });
  });
});

describe('startDynamoDbLocal with a dataDir', () => {
  it('keeps data across a stop and a start', { timeout: 60_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'syncline-dynamo-'));
    const names = { records: 'records', state: 'state' };
    const key = { pk: 'conn#model', sk: 'survivor' };
    try {
      const first = await startDynamoDbLocal({ dataDir });
      const firstClients = makeDynamoClients({ endpoint: first.endpoint });
      try {
        await createTables(firstClients.client, names);
        await firstClients.doc.send(new PutCommand({ TableName: names.records, Item: { ...key, d: 'kept' } }));
      } finally {
        firstClients.client.destroy();
        await first.stop();
      }

      const second = await startDynamoDbLocal({ dataDir });
      const secondClients = makeDynamoClients({ endpoint: second.endpoint });
      try {
        const { Item } = await secondClients.doc.send(new GetCommand({ TableName: names.records, Key: key }));

        expect(Item).toEqual({ ...key, d: 'kept' });
      } finally {
        secondClients.client.destroy();
        await second.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
