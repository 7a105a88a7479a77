/**
 * Connect sessions on the state table, one item per session keyed by the SHA-256 of its token
 * (the token itself is never written). The item carries the table's `ttl` so DynamoDB sweeps
 * it after expiry; a read also refuses an expired item, since the sweep can lag for days.
 */
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type ConnectSession, type ConnectSessionRepo, ConnectSessionSchema } from '../../../engine/connect/connect-session.js';
import { asInfrastructureError } from '../../../engine/errors.js';
import { STATE_KEYS } from '../table-schema.js';
import { stateKeys, type StateTable } from './keys.js';

export class DynamoConnectSessionRepo implements ConnectSessionRepo {
  constructor(private readonly table: StateTable) {}

  async put(session: ConnectSession): Promise<void> {
    const { tokenHash, ...rest } = ConnectSessionSchema.parse(session);
    try {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.tableName,
          Item: { ...stateKeys.connectSession(tokenHash), kind: 'CONNECT_SESSION', ...rest, [STATE_KEYS.ttl]: Math.ceil(session.expiresAt / 1000) },
        }),
      );
    } catch (error) {
      throw asInfrastructureError(error, 'saving a connect session');
    }
  }

  async findByTokenHash(tokenHash: string, now: number): Promise<ConnectSession | null> {
    let item: Record<string, unknown> | undefined;
    try {
      const result = await this.table.doc.send(new GetCommand({ TableName: this.table.tableName, Key: stateKeys.connectSession(tokenHash), ConsistentRead: true }));
      item = result.Item;
    } catch (error) {
      throw asInfrastructureError(error, 'reading a connect session');
    }
    if (!item) return null;
    const { pk: _pk, sk: _sk, kind: _kind, [STATE_KEYS.ttl]: _ttl, ...rest } = item;
    const session = ConnectSessionSchema.parse({ ...rest, tokenHash });
    return session.expiresAt > now ? session : null;
  }

  async deleteByTokenHash(tokenHash: string): Promise<void> {
    try {
      await this.table.doc.send(new DeleteCommand({ TableName: this.table.tableName, Key: stateKeys.connectSession(tokenHash) }));
    } catch (error) {
      throw asInfrastructureError(error, 'deleting a connect session');
    }
  }
}
