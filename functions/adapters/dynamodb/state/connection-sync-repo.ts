/**
 * Connection-syncs on the state table, with the lease that keeps one sync's runs on one
 * connection one at a time. Taking the lease is one conditional update; every later write of
 * the run (renewal, checkpoint, finish) is conditioned on still holding it, so a run that lost
 * its lease (expired and taken over, cancelled) cannot write over its successor.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { asInfrastructureError, LeaseLostError, NotFoundError } from '../../../engine/errors.js';
import { RunSummarySchema } from '../../../engine/model/run.js';
import type { Checkpoint, ConnectionSyncChange, ConnectionSyncKey, ConnectionSyncRepo, ConnectionSyncState, Lease, LeaseOutcome } from '../../../engine/ports.js';
import { isBaseVariant } from '../../../engine/state-ports.js';
import { getItemConsistent, queryPages, withInfrastructureErrors } from '../dynamo-calls.js';
import { queryPartition, stateKeys, type StateTable } from './keys.js';

export class DynamoConnectionSyncRepo implements ConnectionSyncRepo {
  constructor(private readonly table: StateTable) {}

  async get(key: ConnectionSyncKey): Promise<ConnectionSyncState | null> {
    const item = await getItemConsistent(this.table.doc, this.table.tableName, stateKeys.connectionSync(key), 'reading a connection-sync');
    return item ? toConnectionSync(key, item) : null;
  }

  async *list(providerConfigKey: string, syncName: string): AsyncIterable<ConnectionSyncState[]> {
    for await (const items of queryPartition(this.table, stateKeys.baseSyncs(providerConfigKey, syncName), 'listing connection-syncs')) {
      yield items.map((item) => toConnectionSync({ providerConfigKey, syncName, connectionId: item['sk'] as string }, item));
    }
    for await (const items of queryPartition(this.table, stateKeys.variantSyncs(providerConfigKey, syncName), 'listing sync variants')) {
      yield items.map((item) => toConnectionSync(variantKey(providerConfigKey, syncName, item), item));
    }
  }

  async listVariants(providerConfigKey: string, syncName: string, connectionId: string): Promise<ConnectionSyncState[]> {
    const found: ConnectionSyncState[] = [];
    const input = {
      TableName: this.table.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      // The prefix also matches a longer connection id that starts with this one and a "#".
      FilterExpression: 'connectionId = :c',
      ExpressionAttributeValues: { ':pk': stateKeys.variantSyncs(providerConfigKey, syncName), ':prefix': stateKeys.variantSortKeyPrefix(connectionId), ':c': connectionId },
      ConsistentRead: true,
    };
    for await (const page of queryPages(this.table.doc, input, 'listing sync variants')) {
      for (const item of page.Items ?? []) found.push(toConnectionSync(variantKey(providerConfigKey, syncName, item), item));
    }
    return found;
  }

  async update(key: ConnectionSyncKey, change: ConnectionSyncChange): Promise<ConnectionSyncState> {
    const sets = ['updatedAt = :now'];
    const removes: string[] = [];
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':now': this.table.now() };
    if (change.enabled !== undefined) {
      sets.push('enabled = :enabled');
      values[':enabled'] = change.enabled;
    }
    if (change.frequencyOverrideMs !== undefined) {
      if (change.frequencyOverrideMs === null) removes.push('frequencyOverrideMs', 'frequencyOverride');
      else {
        sets.push('frequencyOverrideMs = :freq');
        values[':freq'] = change.frequencyOverrideMs;
      }
    }
    if (typeof change.frequencyOverride === 'string' && change.frequencyOverrideMs !== null) {
      sets.push('frequencyOverride = :freqText');
      values[':freqText'] = change.frequencyOverride;
    }
    if (change.reset) removes.push('lastSyncDate', 'checkpoint', 'passId');
    (change.zeroCounts ?? []).forEach((model, i) => {
      sets.push(`recordCounts.#z${i} = :zero`);
      names[`#z${i}`] = model;
      values[':zero'] = 0;
    });
    try {
      const response = await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: stateKeys.connectionSync(key),
          UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: Object.keys(names).length > 0 ? names : undefined,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toConnectionSync(key, response.Attributes!);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new NotFoundError(`sync "${key.syncName}" has no state for connection "${key.connectionId}"`);
      throw asInfrastructureError(error, 'updating a connection-sync');
    }
  }

  async delete(key: ConnectionSyncKey): Promise<void> {
    await withInfrastructureErrors('deleting a connection-sync', () => this.table.doc.send(new DeleteCommand({ TableName: this.table.tableName, Key: stateKeys.connectionSync(key) })));
  }

  async ensure(key: ConnectionSyncKey, defaults: { enabled: boolean }): Promise<ConnectionSyncState> {
    const { sets, values } = createFields(key, defaults, this.table.now(), 'if_not_exists');
    const response = await withInfrastructureErrors('creating a connection-sync', () =>
      this.table.doc.send(
        new UpdateCommand({ TableName: this.table.tableName, Key: stateKeys.connectionSync(key), UpdateExpression: `SET ${sets}`, ExpressionAttributeValues: values, ReturnValues: 'ALL_NEW' }),
      ),
    );
    return toConnectionSync(key, response.Attributes!);
  }

  async create(key: ConnectionSyncKey, defaults: { enabled: boolean }): Promise<ConnectionSyncState | null> {
    const { sets, values } = createFields(key, defaults, this.table.now(), 'set');
    try {
      const response = await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: stateKeys.connectionSync(key),
          UpdateExpression: `SET ${sets}`,
          ConditionExpression: 'attribute_not_exists(pk)',
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toConnectionSync(key, response.Attributes!);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return null;
      throw asInfrastructureError(error, 'creating a connection-sync');
    }
  }

  async acquireLease(key: ConnectionSyncKey, lease: Lease, now: number): Promise<LeaseOutcome> {
    try {
      const response = await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: stateKeys.connectionSync(key),
          UpdateExpression: 'SET lease = :lease, updatedAt = :now',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(lease) OR lease.expiresAt < :now OR (lease.runId = :run AND (lease.#owner = :owner OR lease.handedOver = :true)))',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':lease': lease, ':now': now, ':run': lease.runId, ':owner': lease.owner, ':true': true },
          ReturnValues: 'ALL_OLD',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
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
    await this.updateIfHolder(key, lease, 'REMOVE lease SET releasedAt = :now', { ':now': this.table.now() }, 'releasing a lease');
  }

  async handOverLease(key: ConnectionSyncKey, lease: Lease, until: number): Promise<void> {
    // releasedAt: readers lag after a hand-over too, since the cursor index may trail the writes.
    await this.updateIfHolder(
      key,
      lease,
      'SET lease.handedOver = :true, lease.expiresAt = :until, releasedAt = :now',
      { ':true': true, ':until': until, ':now': this.table.now() },
      'handing over a lease',
    );
  }

  async saveCheckpoint(key: ConnectionSyncKey, lease: Lease, checkpoint: Checkpoint | null, passId: string | null): Promise<void> {
    const saved = await this.updateIfHolder(key, lease, 'SET checkpoint = :c, passId = :p', { ':c': checkpoint, ':p': passId }, 'saving a checkpoint');
    if (!saved) throw new LeaseLostError('the checkpoint was not saved: the run no longer holds its lease');
  }

  private async updateIfHolder(key: ConnectionSyncKey, lease: Lease, update: string, values: Record<string, unknown>, what: string): Promise<boolean> {
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: stateKeys.connectionSync(key),
          UpdateExpression: update,
          ConditionExpression: 'lease.runId = :run AND lease.#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ...values, ':run': lease.runId, ':owner': lease.owner },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw asInfrastructureError(error, what);
    }
  }
}

/**
 * The attributes a new connection-sync item starts with; `if_not_exists` keeps those of an
 * existing one (ensure). A variant's item also names its connection and variant, which its
 * readers take from there rather than from the key.
 */
function createFields(key: ConnectionSyncKey, defaults: { enabled: boolean }, now: number, mode: 'set' | 'if_not_exists'): { sets: string; values: Record<string, unknown> } {
  const initial = (name: string, value: string) => (mode === 'set' ? `${name} = ${value}` : `${name} = if_not_exists(${name}, ${value})`);
  const sets = ['kind = :kind', initial('enabled', ':enabled'), initial('recordCounts', ':empty'), initial('updatedAt', ':now')];
  const values: Record<string, unknown> = { ':kind': 'CONNECTION_SYNC', ':enabled': defaults.enabled, ':empty': {}, ':now': now };
  if (!isBaseVariant(key.variant)) {
    sets.push('connectionId = :connection', 'variant = :variant');
    Object.assign(values, { ':connection': key.connectionId, ':variant': key.variant });
  }
  return { sets: sets.join(', '), values };
}

function variantKey(providerConfigKey: string, syncName: string, item: Record<string, unknown>): ConnectionSyncKey {
  return { providerConfigKey, syncName, connectionId: item['connectionId'] as string, variant: item['variant'] as string };
}

function toConnectionSync(key: ConnectionSyncKey, item: Record<string, unknown>): ConnectionSyncState {
  // An unreadable summary (written by a future version, say) shows as no last run rather than breaking the sync.
  const lastRun = item['lastRun'] === undefined || item['lastRun'] === null ? null : (RunSummarySchema.safeParse(item['lastRun']).data ?? null);
  const { variant, ...baseKey } = key;
  return {
    ...baseKey,
    // The base variant is named by no variant at all, whatever the caller's key said.
    ...(isBaseVariant(variant) ? {} : { variant }),
    enabled: item['enabled'] !== false,
    frequencyOverrideMs: (item['frequencyOverrideMs'] as number | undefined) ?? null,
    frequencyOverride: (item['frequencyOverride'] as string | undefined) ?? null,
    lastSyncDate: (item['lastSyncDate'] as number | undefined) ?? null,
    checkpoint: (item['checkpoint'] as Checkpoint | undefined) ?? null,
    passId: (item['passId'] as string | undefined) ?? null,
    lease: (item['lease'] as Lease | undefined) ?? null,
    lastRun,
    recordCounts: (item['recordCounts'] as Record<string, number> | undefined) ?? {},
    releasedAt: (item['releasedAt'] as number | undefined) ?? null,
    updatedAt: (item['updatedAt'] as number | undefined) ?? 0,
  };
}
