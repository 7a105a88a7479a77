/**
 * Where each aggregate lives on the state table, and the query every repository pages with.
 * Every item carries `kind`, which the webhook stream filter and the TTL sweeps key on.
 *
 * Sync variants: the base variant keeps the keys it had before variants existed. Another
 * variant's runs and logs put it on the sync segment (`<sync>::<variant>`): integration keys,
 * sync names and variants contain neither `#` nor `:`, so the segment cannot be confused with a
 * base one. Connection ids may contain anything, so a variant's connection-sync cannot share the
 * base items' partition (any sort key it took could be some connection's id): it lives in a
 * partition of its own per sync (`CSYNCV#…`), sort key `<connection>#<variant>` — unique because
 * a variant has no `#` — and carries `connectionId` and `variant` as attributes, which readers
 * use rather than parsing the key.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ConnectionSyncKey, LockScope } from '../../../engine/ports.js';
import { isBaseVariant, syncRefText } from '../../../engine/state-ports.js';
import { queryPages } from '../dynamo-calls.js';

/** `<sync>` for the base variant, `<sync>::<variant>` for another. */
const syncSegment = (k: ConnectionSyncKey) => syncRefText(k.syncName, k.variant);

export const stateKeys = {
  connection: (providerConfigKey: string, connectionId: string) => ({ pk: `CONN#${providerConfigKey}`, sk: connectionId }),
  connectionSync: (k: ConnectionSyncKey) =>
    isBaseVariant(k.variant)
      ? { pk: stateKeys.baseSyncs(k.providerConfigKey, k.syncName), sk: k.connectionId }
      : { pk: stateKeys.variantSyncs(k.providerConfigKey, k.syncName), sk: stateKeys.variantSortKeyPrefix(k.connectionId) + k.variant },
  /** The partition of a sync's base connection-syncs (sort key: the connection id). */
  baseSyncs: (providerConfigKey: string, syncName: string) => `CSYNC#${providerConfigKey}#${syncName}`,
  /** The partition of a sync's other variants, every connection's (sort key: `<connection>#<variant>`). */
  variantSyncs: (providerConfigKey: string, syncName: string) => `CSYNCV#${providerConfigKey}#${syncName}`,
  /** What every variant sort key of one connection begins with (so may a longer connection id's: filter on the attribute). */
  variantSortKeyPrefix: (connectionId: string) => `${connectionId}#`,
  run: (k: ConnectionSyncKey, runId: string) => ({ pk: `RUN#${k.providerConfigKey}#${syncSegment(k)}#${k.connectionId}`, sk: runId }),
  runLog: (k: ConnectionSyncKey, runId: string) => `LOG#${k.providerConfigKey}#${syncSegment(k)}#${k.connectionId}#${runId}`,
  seen: (passId: string, model: string) => `SEEN#${passId}#${model}`,
  /** A connect session, by the SHA-256 (hex) of its token. */
  connectSession: (tokenHash: string) => ({ pk: `CSESSION#${tokenHash}`, sk: 'SESSION' }),
  lock: (scope: LockScope, key: string) => ({ pk: `LOCK#${scope.providerConfigKey}#${scope.connectionId}`, sk: key }),
  /** An action execution, by its id alone (`GET /action/{id}` knows nothing else); its output parts share the partition. */
  actionExecution: (id: string) => ({ pk: `AEXEC#${id}`, sk: 'EXEC' }),
  /** One gzip part of an execution's output, in order. */
  actionOutputPart: (id: string, index: number) => ({ pk: `AEXEC#${id}`, sk: `OUT#${String(index).padStart(3, '0')}` }),
  /** The executions of one connection, newest first: sort key `<createdAt, 15 digits>#<id>`. */
  actionExecutionIndex: (providerConfigKey: string, connectionId: string, createdAt?: number, id?: string) => ({
    pk: `AEXECS#${providerConfigKey}#${connectionId}`,
    sk: createdAt === undefined ? '' : `${String(createdAt).padStart(15, '0')}#${id}`,
  }),
  actionLog: (id: string) => `AEXECLOG#${id}`,
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
