import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { batchWriteAll, type WriteRequest } from '../../../functions/adapters/dynamodb/batch-write.js';
import { InfrastructureError } from '../../../functions/engine/errors.js';

const TABLE = 'records';
const mock = mockClient(DynamoDBDocumentClient);
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));

const deletes = (count: number): WriteRequest[] => Array.from({ length: count }, (_, i) => ({ DeleteRequest: { Key: { pk: 'p', sk: `r${i}` } } }));
const sentChunks = () => mock.commandCalls(BatchWriteCommand).map((call) => call.args[0].input.RequestItems?.[TABLE] ?? []);

/** Records the waits instead of sleeping; jitter pinned to its ceiling. */
function recordingSleep() {
  const waits: number[] = [];
  return { waits, options: { sleep: async (ms: number) => void waits.push(ms), random: () => 0.999_999 } };
}

beforeEach(() => mock.reset());

describe('batchWriteAll', () => {
  it('sends requests in chunks of 25 to the table', async () => {
    mock.on(BatchWriteCommand).resolves({});
    const { waits, options } = recordingSleep();

    await batchWriteAll(doc, TABLE, deletes(60), 'emptying records', options);

    expect(sentChunks().map((chunk) => chunk.length)).toEqual([25, 25, 10]);
    expect(sentChunks().flat()).toEqual(deletes(60));
    expect(waits).toEqual([]);
  });

  it('re-sends only the unprocessed requests, waiting longer before each retry', async () => {
    const requests = deletes(5);
    mock
      .on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { [TABLE]: requests.slice(1) } })
      .resolvesOnce({ UnprocessedItems: { [TABLE]: requests.slice(3) } })
      .resolvesOnce({ UnprocessedItems: { [TABLE]: requests.slice(4) } })
      .resolves({ UnprocessedItems: {} });
    const { waits, options } = recordingSleep();

    await batchWriteAll(doc, TABLE, requests, 'emptying records', options);

    expect(sentChunks()).toEqual([requests, requests.slice(1), requests.slice(3), requests.slice(4)]);
    expect(waits).toEqual([49, 99, 199]);
  });

  it('draws each wait at random below a ceiling that doubles up to the cap', async () => {
    mock.on(BatchWriteCommand).resolves({ UnprocessedItems: { [TABLE]: deletes(1) } });
    const draws = [0.5, 0.25, 1 - 1e-9, 0, 0.5, 1 - 1e-9, 1 - 1e-9, 1 - 1e-9];
    const waits: number[] = [];

    await expect(batchWriteAll(doc, TABLE, deletes(1), 'x', { maxAttempts: 9, sleep: async (ms) => void waits.push(ms), random: () => draws.shift()! })).rejects.toThrow();

    // Ceilings 50, 100, 200, 400, 800, 1600, then the 2 s cap.
    expect(waits).toEqual([25, 25, 199, 0, 400, 1_599, 1_999, 1_999]);
  });

  it('gives up after the last attempt with an InfrastructureError naming the work', async () => {
    mock.on(BatchWriteCommand).callsFake((input: { RequestItems: Record<string, WriteRequest[]> }) => ({ UnprocessedItems: { [TABLE]: input.RequestItems[TABLE]!.slice(0, 2) } }));
    const { waits, options } = recordingSleep();

    const failure = batchWriteAll(doc, TABLE, deletes(3), 'emptying records', options);

    await expect(failure).rejects.toBeInstanceOf(InfrastructureError);
    await expect(failure).rejects.toThrow('emptying records failed: Error: 2 of 3 write requests stayed unprocessed after 8 attempts');
    expect(mock.commandCalls(BatchWriteCommand)).toHaveLength(8);
    expect(waits).toEqual([49, 99, 199, 399, 799, 1_599, 1_999]);
  });

  it('turns a failed call into an InfrastructureError naming the work', async () => {
    mock.on(BatchWriteCommand).rejects(new Error('ProvisionedThroughputExceeded'));

    const failure = batchWriteAll(doc, TABLE, deletes(1), 'saving seen ids', recordingSleep().options);

    await expect(failure).rejects.toBeInstanceOf(InfrastructureError);
    await expect(failure).rejects.toThrow(/^saving seen ids failed: Error: ProvisionedThroughputExceeded$/);
  });

  it('sends nothing for no requests', async () => {
    await batchWriteAll(doc, TABLE, [], 'emptying records');

    expect(mock.commandCalls(BatchWriteCommand)).toHaveLength(0);
  });
});
