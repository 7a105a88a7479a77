/**
 * Connections, connection-syncs, runs, run logs and seen-id chunks on the state table
 * (the `StateStore` port). Every item carries `kind`, which the webhook stream filter keys on.
 *
 * The lease lives on the connection-sync item. Taking it is one conditional update; every
 * later write of the run (checkpoint, finish) is conditioned on still holding it, so a run
 * that lost its lease (expired and taken over, cancelled) cannot write over its successor.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DeleteCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Connection, Credentials } from '../../engine/connection.js';
import { getItem, infra } from './calls.js';
import { asInfrastructureError, LeaseLostError, NotFoundError } from '../../engine/errors.js';
import type {
  Checkpoint, ConnectionSyncChange, ConnectionSyncKey, ConnectionSyncState, FinishUpdate, Lease, LeaseOutcome, RunLogLine, RunRecord, SecretCipher, StateStore,
} from '../../engine/ports.js';

const DAY_S = 86_400;
const LOG_TTL_S = 30 * DAY_S;
const SEEN_TTL_S = 14 * DAY_S;
/** Fingerprints per seen-id item: 8 bytes each, well under the 400 KB item limit. */
const SEEN_CHUNK = 40_000;

export const stateKeys = {
  connection: (providerConfigKey: string, connectionId: string) => ({ pk: `CONN#${providerConfigKey}`, sk: connectionId }),
  connectionSync: (k: ConnectionSyncKey) => ({ pk: `CSYNC#${k.providerConfigKey}#${k.syncName}`, sk: k.connectionId }),
  run: (k: ConnectionSyncKey, runId: string) => ({ pk: `RUN#${k.providerConfigKey}#${k.syncName}#${k.connectionId}`, sk: runId }),
  runLog: (k: ConnectionSyncKey, runId: string) => `LOG#${k.providerConfigKey}#${k.syncName}#${k.connectionId}#${runId}`,
  seen: (passId: string, model: string) => `SEEN#${passId}#${model}`,
};

export interface DynamoStateStoreOptions {
  doc: DynamoDBDocumentClient;
  tableName: string;
  now?: () => number;
  /**
   * Encrypts connection credentials at rest: stored as the binary `credentialsEnc`, bound to
   * `{providerConfigKey, connectionId}`, instead of plain `credentials`. Items written before
   * a cipher was set are still read (plain) and encrypted at their next save.
   */
  cipher?: SecretCipher;
}

export class DynamoStateStore implements StateStore {
  private readonly now: () => number;

  constructor(private readonly options: DynamoStateStoreOptions) {
    this.now = options.now ?? Date.now;
  }

  private get table(): string {
    return this.options.tableName;
  }

  async getConnection(providerConfigKey: string, connectionId: string): Promise<Connection | null> {
    const item = await getItem(this.options.doc, this.table, stateKeys.connection(providerConfigKey, connectionId), 'reading a connection');
    return item ? toConnection(providerConfigKey, item, await this.openCredentials(providerConfigKey, item)) : null;
  }

  async putConnection(connection: Connection): Promise<void> {
    const { credentials, ...rest } = connection;
    const { cipher } = this.options;
    const secret = cipher
      ? { credentialsEnc: await cipher.encrypt(Buffer.from(JSON.stringify(credentials), 'utf8'), credentialsContext(connection.providerConfigKey, connection.connectionId)) }
      : { credentials };
    await infra('saving a connection', () => this.options.doc.send(new PutCommand({
      TableName: this.table,
      Item: { ...stateKeys.connection(connection.providerConfigKey, connection.connectionId), kind: 'CONNECTION', ...rest, ...secret },
    })));
  }

  /** Decryption failures (tampered, moved to another connection) propagate as the cipher's error, not as a retryable one. */
  private async openCredentials(providerConfigKey: string, item: Record<string, unknown>): Promise<Credentials> {
    const sealed = item['credentialsEnc'];
    if (sealed === undefined) return item['credentials'] as Credentials;
    const connectionId = item['sk'] as string;
    if (!this.options.cipher) throw new Error(`connection "${connectionId}" has encrypted credentials but the state store has no cipher`);
    const plaintext = await this.options.cipher.decrypt(sealed as Uint8Array, credentialsContext(providerConfigKey, connectionId));
    return JSON.parse(Buffer.from(plaintext).toString('utf8')) as Credentials;
  }

  async updateConnectionMetadata(providerConfigKey: string, connectionId: string, metadata: Record<string, unknown>): Promise<void> {
    await infra('saving connection metadata', () => this.options.doc.send(new UpdateCommand({
      TableName: this.table,
      Key: stateKeys.connection(providerConfigKey, connectionId),
      UpdateExpression: 'SET metadata = :m, updatedAt = :now',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':m': metadata, ':now': new Date(this.now()).toISOString() },
    })));
  }

  async *listConnections(providerConfigKey: string): AsyncIterable<Connection[]> {
    const pk = stateKeys.connection(providerConfigKey, '').pk;
    for await (const items of this.queryPages(pk, 'listing connections')) {
      yield await Promise.all(items.map(async (item) => toConnection(providerConfigKey, item, await this.openCredentials(providerConfigKey, item))));
    }
  }

  async deleteConnection(providerConfigKey: string, connectionId: string): Promise<void> {
    await infra('deleting a connection', () => this.options.doc.send(new DeleteCommand({ TableName: this.table, Key: stateKeys.connection(providerConfigKey, connectionId) })));
  }

  async *listConnectionSyncs(providerConfigKey: string, syncName: string): AsyncIterable<ConnectionSyncState[]> {
    const pk = stateKeys.connectionSync({ providerConfigKey, syncName, connectionId: '' }).pk;
    for await (const items of this.queryPages(pk, 'listing connection-syncs')) {
      yield items.map((item) => toConnectionSync({ providerConfigKey, syncName, connectionId: item['sk'] as string }, item));
    }
  }

  async updateConnectionSync(key: ConnectionSyncKey, change: ConnectionSyncChange): Promise<ConnectionSyncState> {
    const sets = ['updatedAt = :now'];
    const removes: string[] = [];
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':now': this.now() };
    if (change.enabled !== undefined) {
      sets.push('enabled = :enabled');
      values[':enabled'] = change.enabled;
    }
    if (change.frequencyOverrideMs !== undefined) {
      if (change.frequencyOverrideMs === null) removes.push('frequencyOverrideMs');
      else {
        sets.push('frequencyOverrideMs = :freq');
        values[':freq'] = change.frequencyOverrideMs;
      }
    }
    if (change.reset) removes.push('lastSyncDate', 'checkpoint', 'passId');
    (change.zeroCounts ?? []).forEach((model, i) => {
      sets.push(`recordCounts.#z${i} = :zero`);
      names[`#z${i}`] = model;
      values[':zero'] = 0;
    });
    try {
      const response = await this.options.doc.send(new UpdateCommand({
        TableName: this.table,
        Key: stateKeys.connectionSync(key),
        UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: Object.keys(names).length > 0 ? names : undefined,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }));
      return toConnectionSync(key, response.Attributes!);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new NotFoundError(`sync "${key.syncName}" has no state for connection "${key.connectionId}"`);
      throw asInfrastructureError(error, 'updating a connection-sync');
    }
  }

  async deleteConnectionSync(key: ConnectionSyncKey): Promise<void> {
    await infra('deleting a connection-sync', () => this.options.doc.send(new DeleteCommand({ TableName: this.table, Key: stateKeys.connectionSync(key) })));
  }

  async cancelRun(key: ConnectionSyncKey, runId: string, reason: string, now: number): Promise<boolean> {
    const run = await this.getRun(key, runId);
    if (run && run.status !== 'RUNNING') return false;
    const error = { type: 'cancelled', message: reason };
    // The lease is taken before the run item is written: a run cancelled in between gets its item here.
    const cancelled: RunRecord = {
      ...(run ?? { ...key, runId, trigger: 'MANUAL', type: 'INCREMENTAL', startedAt: now, results: {}, invocations: 0 }),
      status: 'CANCELLED', finishedAt: now, error,
    };
    const { results, type, trigger, startedAt } = cancelled;
    try {
      await this.options.doc.send(new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: this.table,
              Item: { ...stateKeys.run(key, runId), kind: 'RUN', ...cancelled },
              ConditionExpression: run ? '#status = :running' : 'attribute_not_exists(pk)',
              ExpressionAttributeNames: run ? { '#status': 'status' } : undefined,
              ExpressionAttributeValues: run ? { ':running': 'RUNNING' } : undefined,
            },
          },
          {
            // The running invocation notices the missing lease at its next check and stops.
            Update: {
              TableName: this.table,
              Key: stateKeys.connectionSync(key),
              UpdateExpression: 'REMOVE lease SET updatedAt = :now, lastRun = :lr',
              ConditionExpression: 'attribute_not_exists(lease) OR lease.runId = :run',
              ExpressionAttributeValues: { ':run': runId, ':now': now, ':lr': { runId, status: 'CANCELLED', type, trigger, startedAt, finishedAt: now, results, error } },
            },
          },
        ],
      }));
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException) return false;
      throw asInfrastructureError(error, 'cancelling a run');
    }
  }

  async listRuns(key: ConnectionSyncKey, limit: number): Promise<RunRecord[]> {
    const response = await infra('listing runs', () => this.options.doc.send(new QueryCommand({
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': stateKeys.run(key, '').pk },
      ScanIndexForward: false,
      Limit: limit,
    })));
    return (response.Items ?? []).map(toRun);
  }

  async getConnectionSync(key: ConnectionSyncKey): Promise<ConnectionSyncState | null> {
    const item = await getItem(this.options.doc, this.table, stateKeys.connectionSync(key), 'reading a connection-sync');
    return item ? toConnectionSync(key, item) : null;
  }

  async ensureConnectionSync(key: ConnectionSyncKey, defaults: { enabled: boolean }): Promise<ConnectionSyncState> {
    const response = await infra('creating a connection-sync', () => this.options.doc.send(new UpdateCommand({
      TableName: this.table,
      Key: stateKeys.connectionSync(key),
      UpdateExpression: 'SET kind = :kind, enabled = if_not_exists(enabled, :enabled), recordCounts = if_not_exists(recordCounts, :empty), updatedAt = if_not_exists(updatedAt, :now)',
      ExpressionAttributeValues: { ':kind': 'CONNECTION_SYNC', ':enabled': defaults.enabled, ':empty': {}, ':now': this.now() },
      ReturnValues: 'ALL_NEW',
    })));
    return toConnectionSync(key, response.Attributes!);
  }

  async acquireLease(key: ConnectionSyncKey, lease: Lease, now: number): Promise<LeaseOutcome> {
    try {
      const response = await this.options.doc.send(new UpdateCommand({
        TableName: this.table,
        Key: stateKeys.connectionSync(key),
        UpdateExpression: 'SET lease = :lease, updatedAt = :now',
        ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(lease) OR lease.expiresAt < :now OR (lease.runId = :run AND lease.#owner = :owner))',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':lease': lease, ':now': now, ':run': lease.runId, ':owner': lease.owner },
        ReturnValues: 'ALL_OLD',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }));
      const before = toConnectionSync(key, response.Attributes!);
      return { acquired: true, state: { ...before, lease, updatedAt: now }, previous: before.lease };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw asInfrastructureError(error, 'taking a lease');
      const held = error.Item?.['lease']?.M;
      const heldBy = held ? { runId: held['runId']?.S ?? '', owner: held['owner']?.S ?? '', expiresAt: Number(held['expiresAt']?.N ?? 0) } : null;
      return { acquired: false, heldBy, reason: heldBy ? `run ${heldBy.runId} holds the lease until ${new Date(heldBy.expiresAt).toISOString()}` : 'the connection-sync does not exist' };
    }
  }

  async renewLease(key: ConnectionSyncKey, lease: Lease): Promise<boolean> {
    return this.updateIfHolder(key, lease, 'SET lease.expiresAt = :exp', { ':exp': lease.expiresAt }, 'renewing a lease');
  }

  async releaseLease(key: ConnectionSyncKey, lease: Lease): Promise<void> {
    // releasedAt tells readers that writes ended only just now (the cursor index may trail them).
    await this.updateIfHolder(key, lease, 'REMOVE lease SET releasedAt = :now', { ':now': this.now() }, 'releasing a lease');
  }

  async saveCheckpoint(key: ConnectionSyncKey, lease: Lease, checkpoint: Checkpoint | null, passId: string | null): Promise<void> {
    const saved = await this.updateIfHolder(key, lease, 'SET checkpoint = :c, passId = :p', { ':c': checkpoint, ':p': passId }, 'saving a checkpoint');
    if (!saved) throw new LeaseLostError('the checkpoint was not saved: the run no longer holds its lease');
  }

  private async updateIfHolder(key: ConnectionSyncKey, lease: Lease, update: string, values: Record<string, unknown>, what: string): Promise<boolean> {
    try {
      await this.options.doc.send(new UpdateCommand({
        TableName: this.table,
        Key: stateKeys.connectionSync(key),
        UpdateExpression: update,
        ConditionExpression: 'lease.runId = :run AND lease.#owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ...values, ':run': lease.runId, ':owner': lease.owner },
      }));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw asInfrastructureError(error, what);
    }
  }

  async createRun(run: RunRecord): Promise<void> {
    await infra('saving a run', () => this.options.doc.send(new PutCommand({
      TableName: this.table,
      Item: { ...stateKeys.run(run, run.runId), kind: 'RUN', ...run },
    })));
  }

  async getRun(key: ConnectionSyncKey, runId: string): Promise<RunRecord | null> {
    const item = await getItem(this.options.doc, this.table, stateKeys.run(key, runId), 'reading a run');
    return item ? toRun(item) : null;
  }

  async finishRun(run: RunRecord, update: FinishUpdate, lease: Lease): Promise<void> {
    const counts = Object.entries(update.recordCountDelta);
    const countUpdates = counts.map((_, i) => `recordCounts.#m${i} = if_not_exists(recordCounts.#m${i}, :zero) + :d${i}`);
    const { results, error, status, type, trigger, startedAt, finishedAt, runId } = run;
    try {
      await this.options.doc.send(new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: this.table, Item: { ...stateKeys.run(run, run.runId), kind: 'RUN', ...run } } },
          {
            Update: {
              TableName: this.table,
              Key: stateKeys.connectionSync(run),
              UpdateExpression: `SET ${['lastSyncDate = :lsd', 'checkpoint = :c', 'passId = :p', 'lastRun = :lr', 'updatedAt = :now', ...countUpdates].join(', ')} REMOVE lease`,
              ConditionExpression: 'lease.runId = :run AND lease.#owner = :owner',
              ExpressionAttributeNames: { '#owner': 'owner', ...Object.fromEntries(counts.map(([model], i) => [`#m${i}`, model])) },
              ExpressionAttributeValues: {
                ':lsd': update.lastSyncDate, ':c': update.checkpoint, ':p': update.passId,
                ':lr': { results, error, status, type, trigger, startedAt, finishedAt, runId },
                ':now': this.now(), ':run': lease.runId, ':owner': lease.owner,
                ...(counts.length > 0 ? { ':zero': 0 } : {}),
                ...Object.fromEntries(counts.map(([, delta], i) => [`:d${i}`, delta])),
              },
            },
          },
        ],
      }));
    } catch (error) {
      if (error instanceof TransactionCanceledException && error.CancellationReasons?.[1]?.Code === 'ConditionalCheckFailed') {
        throw new LeaseLostError('the run result was not saved: the run no longer holds its lease');
      }
      throw asInfrastructureError(error, 'finishing a run');
    }
  }

  async appendRunLogs(key: ConnectionSyncKey, runId: string, lines: RunLogLine[]): Promise<void> {
    const pk = stateKeys.runLog(key, runId);
    const ttl = Math.floor(this.now() / 1000) + LOG_TTL_S;
    // Lines are packed into items of up to 100, keyed by the first line's time and a random tail.
    for (let start = 0; start < lines.length; start += 100) {
      const chunk = lines.slice(start, start + 100);
      const sk = `${String(chunk[0]!.at).padStart(15, '0')}#${Math.random().toString(36).slice(2, 10)}`;
      await infra('saving run logs', () => this.options.doc.send(new PutCommand({ TableName: this.table, Item: { pk, sk, kind: 'LOG', lines: chunk, ttl } })));
    }
  }

  async listRunLogs(key: ConnectionSyncKey, runId: string): Promise<RunLogLine[]> {
    const items = await this.queryAll(stateKeys.runLog(key, runId), 'reading run logs');
    return items.flatMap((item) => item['lines'] as RunLogLine[]);
  }

  async appendSeenIds(passId: string, model: string, fingerprints: number[]): Promise<void> {
    const pk = stateKeys.seen(passId, model);
    const ttl = Math.floor(this.now() / 1000) + SEEN_TTL_S;
    const puts = [];
    for (let start = 0; start < fingerprints.length; start += SEEN_CHUNK) {
      const chunk = Float64Array.from(fingerprints.slice(start, start + SEEN_CHUNK));
      const sk = `${String(this.now()).padStart(15, '0')}#${Math.random().toString(36).slice(2, 10)}`;
      puts.push({ PutRequest: { Item: { pk, sk, kind: 'SEEN', f: new Uint8Array(chunk.buffer), ttl } } });
    }
    for (let start = 0; start < puts.length; start += 25) {
      let pending = puts.slice(start, start + 25);
      for (let attempt = 0; pending.length > 0 && attempt < 10; attempt++) {
        const response = await infra('saving seen ids', () => this.options.doc.send(new BatchWriteCommand({ RequestItems: { [this.table]: pending } })));
        pending = (response.UnprocessedItems?.[this.table] ?? []) as typeof pending;
      }
      if (pending.length > 0) throw asInfrastructureError(new Error('seen ids stayed unprocessed'), 'saving seen ids');
    }
  }

  async loadSeenIds(passId: string, model: string): Promise<number[]> {
    const items = await this.queryAll(stateKeys.seen(passId, model), 'reading seen ids');
    const all: number[] = [];
    for (const item of items) {
      const bytes = item['f'] as Uint8Array;
      const copy = new Uint8Array(bytes); // aligned copy for the Float64 view
      for (const value of new Float64Array(copy.buffer, 0, copy.byteLength / 8)) all.push(value);
    }
    return all;
  }

  private async queryAll(pk: string, what: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    for await (const page of this.queryPages(pk, what)) items.push(...page);
    return items;
  }

  private async *queryPages(pk: string, what: string): AsyncIterable<Record<string, unknown>[]> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const response = await infra(what, () => this.options.doc.send(new QueryCommand({
        TableName: this.table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk }, ExclusiveStartKey: startKey, ConsistentRead: true,
      })));
      if ((response.Items ?? []).length > 0) yield response.Items!;
      startKey = response.LastEvaluatedKey;
    } while (startKey);
  }


}

/** The encryption context of a connection's credentials: a ciphertext opens only on its own connection. */
export function credentialsContext(providerConfigKey: string, connectionId: string): Record<string, string> {
  return { providerConfigKey, connectionId };
}

function toConnection(providerConfigKey: string, item: Record<string, unknown>, credentials: Credentials): Connection {
  return {
    providerConfigKey,
    connectionId: item['sk'] as string,
    credentials,
    metadata: (item['metadata'] as Record<string, unknown>) ?? {},
    connectionConfig: (item['connectionConfig'] as Record<string, unknown>) ?? {},
    createdAt: item['createdAt'] as string,
    updatedAt: item['updatedAt'] as string,
  };
}

function toConnectionSync(key: ConnectionSyncKey, item: Record<string, unknown>): ConnectionSyncState {
  return {
    ...key,
    enabled: item['enabled'] !== false,
    frequencyOverrideMs: (item['frequencyOverrideMs'] as number | undefined) ?? null,
    lastSyncDate: (item['lastSyncDate'] as number | undefined) ?? null,
    checkpoint: (item['checkpoint'] as Checkpoint | undefined) ?? null,
    passId: (item['passId'] as string | undefined) ?? null,
    lease: (item['lease'] as Lease | undefined) ?? null,
    lastRun: (item['lastRun'] as ConnectionSyncState['lastRun'] | undefined) ?? null,
    recordCounts: (item['recordCounts'] as Record<string, number> | undefined) ?? {},
    releasedAt: (item['releasedAt'] as number | undefined) ?? null,
    updatedAt: (item['updatedAt'] as number | undefined) ?? 0,
  };
}

function toRun(item: Record<string, unknown>): RunRecord {
  const { pk: _pk, sk: _sk, kind: _kind, ...run } = item;
  return run as unknown as RunRecord;
}
