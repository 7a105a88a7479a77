/**
 * OAuth flows in progress on the state table, one item per flow keyed by the SHA-256 of its
 * `state` parameter. Consuming is a conditional delete that returns the old item: of two
 * callbacks with one state, exactly one gets it. The item carries the table's `ttl`, and an
 * expired one is refused (the sweep can lag for days).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type OAuthState, type OAuthStateRepo, OAuthStateSchema } from '../../../engine/connect/oauth-state.js';
import { asInfrastructureError } from '../../../engine/errors.js';
import { STATE_KEYS } from '../table-schema.js';
import type { StateTable } from './keys.js';

const key = (stateHash: string) => ({ pk: `OAUTHSTATE#${stateHash}`, sk: 'STATE' });

export class DynamoOAuthStateRepo implements OAuthStateRepo {
  constructor(private readonly table: StateTable) {}

  async put(state: OAuthState): Promise<void> {
    const { stateHash, ...rest } = OAuthStateSchema.parse(state);
    try {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.tableName,
          Item: { ...key(stateHash), kind: 'OAUTH_STATE', ...rest, [STATE_KEYS.ttl]: Math.ceil(state.expiresAt / 1000) },
          // A collision of 256 random bits would be a bug, never an overwrite.
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      throw asInfrastructureError(error, 'saving an OAuth state');
    }
  }

  async consume(stateHash: string, now: number): Promise<OAuthState | null> {
    try {
      const result = await this.table.doc.send(
        new DeleteCommand({
          TableName: this.table.tableName,
          Key: key(stateHash),
          // An expired flow stays for the sweep; it is refused all the same.
          ConditionExpression: 'attribute_exists(pk) AND expiresAt > :now',
          ExpressionAttributeValues: { ':now': now },
          ReturnValues: 'ALL_OLD',
        }),
      );
      const { pk: _pk, sk: _sk, kind: _kind, [STATE_KEYS.ttl]: _ttl, ...rest } = result.Attributes ?? {};
      return OAuthStateSchema.parse({ ...rest, stateHash });
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return null;
      throw asInfrastructureError(error, 'consuming an OAuth state');
    }
  }
}
