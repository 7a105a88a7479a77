import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { cursorKey, encodeCursor, encodePayload, type RecordItem } from '../../../functions/adapters/dynamodb/record-codec.js';
import { DynamoRecordStore } from '../../../functions/adapters/dynamodb/record-store.js';

const TABLE = 'records';
const mock = mockClient(DynamoDBDocumentClient);
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
const store = new DynamoRecordStore({ doc, tableName: TABLE, clock: { now: () => 1_000 } });
const partition = { providerConfigKey: 'crm', connectionId: 'c1', model: 'Contact' };

const item = (n: number, a: RecordItem['a'] = 'U'): RecordItem => ({
  pk: 'crm|Contact|c1',
  sk: `r${n}`,
  cu: cursorKey(n, `r${n}`),
  h: 'h',
  v: 1,
  d: encodePayload({ id: `r${n}` }),
  fs: 0,
  a,
  r: 'run',
});
const sentLimits = () => mock.commandCalls(QueryCommand).map((call) => call.args[0].input.Limit);
const startKeys = () => mock.commandCalls(QueryCommand).map((call) => call.args[0].input.ExclusiveStartKey);

beforeEach(() => mock.reset());

describe('DynamoRecordStore.list paging', () => {
  it('asks each page only for the records still missing when a filter thins the pages', async () => {
    mock
      .on(QueryCommand)
      .resolvesOnce({ Items: [item(1)], LastEvaluatedKey: { pk: 'k', sk: '1' } })
      .resolvesOnce({ Items: [], LastEvaluatedKey: { pk: 'k', sk: '2' } })
      .resolvesOnce({ Items: [item(3), item(4)], LastEvaluatedKey: { pk: 'k', sk: '3' } });

    const page = await store.list(partition, { limit: 3, filter: ['updated'] });

    expect(sentLimits()).toEqual([3, 2, 2]);
    expect(startKeys()).toEqual([undefined, { pk: 'k', sk: '1' }, { pk: 'k', sk: '2' }]);
    expect(page.records.map((r) => r.id)).toEqual(['r1', 'r3', 'r4']);
    expect(page.nextCursor).toBe(page.records[2]!.cursor);
  });

  it('asks for one record more than the page without a filter, to learn whether a next page exists', async () => {
    mock.on(QueryCommand).resolvesOnce({ Items: [item(1), item(2)] });

    const page = await store.list(partition, { limit: 2 });

    expect(sentLimits()).toEqual([3]);
    expect(page).toMatchObject({ records: [{ id: 'r1' }, { id: 'r2' }], nextCursor: null });
  });

  it('starts after the cursor and stops at the end of the index', async () => {
    const after = cursorKey(5, 'r5');
    mock
      .on(QueryCommand)
      .resolvesOnce({ Items: [item(6)], LastEvaluatedKey: { pk: 'k', sk: '6' } })
      .resolvesOnce({ Items: [item(7)] });

    const page = await store.list(partition, { limit: 5, cursor: encodeCursor(after) });

    expect(startKeys()).toEqual([
      { pk: 'crm|Contact|c1', sk: 'r5', cu: after },
      { pk: 'k', sk: '6' },
    ]);
    expect(sentLimits()).toEqual([6, 5]);
    expect(page).toMatchObject({ records: [{ id: 'r6' }, { id: 'r7' }], nextCursor: null });
  });
});
