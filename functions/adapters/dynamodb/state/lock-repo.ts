/**
 * Scripts' named locks on the state table: one item per (connection, key) holding its owner (a
 * run id) and expiry. Taking, extending and releasing are each one conditional write; the `ttl`
 * attribute lets DynamoDB sweep locks whose run never released them (an executor that died).
 * An expired item still on the table is treated as absent, since the sweep can lag for days.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { asInfrastructureError } from '../../../engine/errors.js';
import type { LockRepo, LockScope } from '../../../engine/ports.js';
import { queryPages } from '../dynamo-calls.js';
import { STATE_KEYS } from '../table-schema.js';
import { stateKeys, type StateTable } from './keys.js';

/** Kept a minute past the expiry: the sweep never removes a lock that is still live. */
const TTL_SLACK_S = 60;

export class DynamoLockRepo implements LockRepo {
  constructor(private readonly table: StateTable) {}

  async tryAcquire(scope: LockScope, key: string, owner: string, expiresAt: number, now: number): Promise<boolean> {
    try {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.tableName,
          Item: { ...stateKeys.lock(scope, key), kind: 'LOCK', owner, expiresAt, [STATE_KEYS.ttl]: Math.ceil(expiresAt / 1000) + TTL_SLACK_S },
          // Absent, expired, or already this owner's (re-entrant: the put extends it).
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now OR #owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':now': now, ':owner': owner },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw asInfrastructureError(error, 'taking a lock');
    }
  }

  async release(scope: LockScope, key: string, owner: string, now: number): Promise<boolean> {
    const expiresAt = await this.deleteOwned(scope, key, owner);
    return expiresAt !== null && expiresAt > now;
  }

  async releaseAll(scope: LockScope, owner: string): Promise<number> {
    const { pk } = stateKeys.lock(scope, '');
    const query = {
      TableName: this.table.tableName,
      KeyConditionExpression: 'pk = :pk',
      FilterExpression: '#owner = :owner',
      ProjectionExpression: 'sk',
      ExpressionAttributeNames: { '#owner': 'owner' },
      ExpressionAttributeValues: { ':pk': pk, ':owner': owner },
      ConsistentRead: true,
    };
    let removed = 0;
    for await (const page of queryPages(this.table.doc, query, 'listing locks')) {
      // Each delete is conditioned on the owner again: a lock that expired and was taken since stays.
      for (const item of page.Items ?? []) if ((await this.deleteOwned(scope, item['sk'] as string, owner)) !== null) removed++;
    }
    return removed;
  }

  /** Deletes the lock if `owner` holds it (live or expired); its expiry, or null when there was nothing of the owner's. */
  private async deleteOwned(scope: LockScope, key: string, owner: string): Promise<number | null> {
    try {
      const response = await this.table.doc.send(
        new DeleteCommand({
          TableName: this.table.tableName,
          Key: stateKeys.lock(scope, key),
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': owner },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return Number(response.Attributes?.['expiresAt'] ?? 0);
    } catch (error) {
      // Absent, or another owner's.
      if (error instanceof ConditionalCheckFailedException) return null;
      throw asInfrastructureError(error, 'releasing a lock');
    }
  }
}
