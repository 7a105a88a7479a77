/**
 * The records API's ceiling: the least a server must do to answer `GET /records?model=&limit=
 * &cursor=` with the very bytes the API sends, in a process of its own (the layout of
 * `api-child.ts`), on bare `node:http`.
 *
 * Per page it makes the API's DynamoDB reads — `Query` on the byCursor index with the same key
 * condition (`pk = :pk AND cu BETWEEN :lo AND :hi`, the whole range: nothing is being written),
 * `Limit` of the page plus one (to know whether a next page exists), continued only if DynamoDB
 * stops at its 1 MB response cap — through the low-level client, reading the attribute values
 * as they come (no unmarshalling). Per record it does what the stored format leaves no way
 * around: inflate the payload (stored as deflated JSON, which already carries the record's id)
 * and splice Nango's `_nango_metadata` into it as text (ISO dates, the action's name, the cursor
 * as base64url of the index key). No authentication, no connection lookup, no validation.
 *
 * argv[2]: JSON of `ServerChildArgs`. Started by `scenarios/records-api.ts`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AttributeValue, QueryCommand } from '@aws-sdk/client-dynamodb';
import { makeDynamoClients } from '../../functions/adapters/dynamodb/client.js';
import { cursorFloor, decodeCursor, decodePayloadJson, encodeCursor, timeOfCursorKey } from '../../functions/adapters/dynamodb/record-codec.js';
import { recordPartitionKey } from '../../functions/adapters/dynamodb/record-store.js';
import { RECORDS_KEYS } from '../../functions/adapters/dynamodb/table-schema.js';
import { TABLES } from './common.js';
import { announceUrl, type ServerChildArgs } from './server-child.js';

const args = JSON.parse(process.argv[2] ?? '{}') as ServerChildArgs;
const { client } = makeDynamoClients({ endpoint: args.dynamoEndpoint });
const ACTIONS: Record<string, string> = { A: 'ADDED', U: 'UPDATED', D: 'DELETED' };
const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (value: AttributeValue | undefined) => (value?.N === undefined ? 'null' : `"${iso(Number(value.N))}"`);

async function page(pk: string, limit: number, after: string | null): Promise<string> {
  const items: Record<string, AttributeValue>[] = [];
  let startKey: Record<string, AttributeValue> | undefined = after ? { pk: { S: pk }, sk: { S: after.slice(9) }, cu: { S: after } } : undefined;
  let more = false;
  do {
    const response = await client.send(
      new QueryCommand({
        TableName: TABLES.records,
        IndexName: RECORDS_KEYS.cursorIndex,
        KeyConditionExpression: 'pk = :pk AND cu BETWEEN :lo AND :hi',
        ExpressionAttributeValues: { ':pk': { S: pk }, ':lo': { S: cursorFloor(0) }, ':hi': { S: '\u{10ffff}' } },
        Limit: limit + 1 - items.length,
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(response.Items ?? []));
    startKey = response.LastEvaluatedKey;
    more = startKey !== undefined;
  } while (more && items.length <= limit);

  const parts: string[] = [];
  const count = Math.min(limit, items.length);
  let cursor = '';
  for (let i = 0; i < count; i++) {
    const item = items[i]!;
    const cu = item['cu']!.S!;
    const json = decodePayloadJson(item['d']!.B!);
    cursor = encodeCursor(cu);
    parts.push(
      `${json.slice(0, -1)},"_nango_metadata":{"first_seen_at":"${iso(Number(item['fs']!.N))}","last_modified_at":"${iso(timeOfCursorKey(cu))}","last_action":"${ACTIONS[item['a']!.S!]}","deleted_at":${isoOrNull(item['da'])},"pruned_at":${isoOrNull(item['pa'])},"cursor":"${cursor}"}}`,
    );
  }
  const hasMore = items.length > limit || (more && count === limit);
  return `{"records":[${parts.join(',')}],"next_cursor":${hasMore ? `"${cursor}"` : 'null'}}`;
}

const server = createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://ceiling');
  const pk = recordPartitionKey({
    providerConfigKey: String(request.headers['provider-config-key']),
    connectionId: String(request.headers['connection-id']),
    model: url.searchParams.get('model') ?? '',
  });
  const cursor = url.searchParams.get('cursor');
  page(pk, Number(url.searchParams.get('limit') ?? 100), cursor ? decodeCursor(cursor) : null).then(
    (body) => response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body),
    (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(String(error)),
  );
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
announceUrl(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  client.destroy();
});
