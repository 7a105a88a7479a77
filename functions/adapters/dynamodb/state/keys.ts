/**
 * Where each aggregate lives on the state table, and the query every repository pages with.
 * Every item carries `kind`, which the webhook stream filter and the TTL sweeps key on.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ConnectionSyncKey, LockScope } from '../../../engine/ports.js';
import { queryPages } from '../dynamo-calls.js';

export const stateKeys = {
  connection: (providerConfigKey: string, connectionId: string) => ({ pk: `CONN#${providerConfigKey}`, sk: connectionId }),
  connectionSync: (k: ConnectionSyncKey) => ({ pk: `CSYNC#${k.providerConfigKey}#${k.syncName}`, sk: k.connectionId }),
  run: (k: ConnectionSyncKey, runId: string) => ({ pk: `RUN#${k.providerConfigKey}#${k.syncName}#${k.connectionId}`, sk: runId }),
  runLog: (k: ConnectionSyncKey, runId: string) => `LOG#${k.providerConfigKey}#${k.syncName}#${k.connectionId}#${runId}`,
  seen: (passId: string, model: string) => `SEEN#${passId}#${model}`,
  lock: (scope: LockScope, key: string) => ({ pk: `LOCK#${scope.providerConfigKey}#${scope.connectionId}`, sk: key }),
};

export interface StateTable {
  doc: DynamoDBDocumentClient;
  tableName: string;
  now: () => number;
}

/** Every item of one partition key, a page at a time, read strongly consistent. */
export async function* queryPartition(table: StateTable, pk: string, what: string): AsyncIterable<Record<string, unknown>[]> {
  const input = { TableName: table.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk }, ConsistentRead: true };
  for await (const page of queryPages(table.doc, input, what)) if ((page.Items ?? []).length > 0) yield page.Items!;
}

export async function queryAll(table: StateTable, pk: string, what: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for await (const page of queryPartition(table, pk, what)) items.push(...page);
  return items;
}
