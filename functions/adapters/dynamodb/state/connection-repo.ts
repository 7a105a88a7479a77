/**
 * Connections on the state table. Credentials are sealed with the cipher (stored as the binary
 * `credentialsEnc`, bound to `{providerConfigKey, connectionId}`) and opened only by
 * `getWithCredentials`: listing or checking a connection decrypts nothing — and does not even
 * read them: `find` and `list` project the item without `credentialsEnc` (or a legacy plain
 * `credentials` map beyond its `type`), so a listing moves the connections' fields, not every
 * ciphertext. (DynamoDB still bills a read by the whole item's size; a projection saves the
 * transfer and keeps sealed credentials out of code that has no use for them.) The credentials'
 * type is kept in the clear beside them so an answer can say what kind of connection it is.
 * Items written before a cipher was set are still read (plain) and encrypted at their next save.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { asInfrastructureError, NotFoundError } from '../../../engine/errors.js';
import type { Connection, ConnectionAuthError, Credentials } from '../../../engine/connection.js';
import type { ConnectionInfo, ConnectionRepo, SecretCipher } from '../../../engine/ports.js';
import { getItemConsistent, queryPages, withInfrastructureErrors } from '../dynamo-calls.js';
import { stateKeys, type StateTable } from './keys.js';

/**
 * What `toConnectionInfo` reads, and nothing else: every attribute of the item but the sealed
 * credentials, the refresh lock and the keys it does not need; of legacy plain credentials only
 * their type. An attribute added to `ConnectionInfo` must be added here too.
 */
const INFO_ATTRIBUTES = ['sk', 'credentialsType', 'metadata', 'connectionConfig', 'tags', 'createdAt', 'updatedAt', 'authError'] as const;
const INFO_PROJECTION = {
  ProjectionExpression: [...INFO_ATTRIBUTES.map((_, i) => `#a${i}`), '#credentials.#type'].join(', '),
  ExpressionAttributeNames: { ...Object.fromEntries(INFO_ATTRIBUTES.map((name, i) => [`#a${i}`, name])), '#credentials': 'credentials', '#type': 'type' },
};

export class DynamoConnectionRepo implements ConnectionRepo {
  constructor(
    private readonly table: StateTable,
    private readonly cipher?: SecretCipher,
  ) {}

  async find(providerConfigKey: string, connectionId: string): Promise<ConnectionInfo | null> {
    const response = await withInfrastructureErrors('reading a connection', () =>
      this.table.doc.send(new GetCommand({ TableName: this.table.tableName, Key: stateKeys.connection(providerConfigKey, connectionId), ConsistentRead: true, ...INFO_PROJECTION })),
    );
    return response.Item ? toConnectionInfo(providerConfigKey, response.Item) : null;
  }

  async getWithCredentials(providerConfigKey: string, connectionId: string): Promise<Connection | null> {
    const item = await getItemConsistent(this.table.doc, this.table.tableName, stateKeys.connection(providerConfigKey, connectionId), 'reading a connection');
    if (!item) return null;
    const { credentialsType: _type, ...info } = toConnectionInfo(providerConfigKey, item);
    return { ...info, credentials: await this.openCredentials(providerConfigKey, item) };
  }

  async put(connection: Connection): Promise<void> {
    const { credentials, ...rest } = connection;
    const secret = await this.seal(connection.providerConfigKey, connection.connectionId, credentials);
    await withInfrastructureErrors('saving a connection', () =>
      this.table.doc.send(
        new PutCommand({
          TableName: this.table.tableName,
          Item: { ...stateKeys.connection(connection.providerConfigKey, connection.connectionId), kind: 'CONNECTION', ...rest, credentialsType: credentials.type, ...secret },
        }),
      ),
    );
  }

  async updateMetadata(providerConfigKey: string, connectionId: string, metadata: Record<string, unknown>): Promise<void> {
    await withInfrastructureErrors('saving connection metadata', () =>
      this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: stateKeys.connection(providerConfigKey, connectionId),
          UpdateExpression: 'SET metadata = :m, updatedAt = :now',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':m': metadata, ':now': new Date(this.table.now()).toISOString() },
        }),
      ),
    );
  }

  async updateTags(providerConfigKey: string, connectionId: string, tags: Record<string, string>): Promise<void> {
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: stateKeys.connection(providerConfigKey, connectionId),
          UpdateExpression: 'SET tags = :t, updatedAt = :now',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':t': tags, ':now': new Date(this.table.now()).toISOString() },
        }),
      );
    } catch (error) {
      // Deleted between the caller's check and this write.
      if (error instanceof ConditionalCheckFailedException) throw new NotFoundError(`unknown connection "${connectionId}" for integration "${providerConfigKey}"`);
      throw asInfrastructureError(error, 'saving connection tags');
    }
  }

  async *list(providerConfigKey: string): AsyncIterable<ConnectionInfo[]> {
    const { pk } = stateKeys.connection(providerConfigKey, '');
    const query = { TableName: this.table.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk }, ConsistentRead: true, ...INFO_PROJECTION };
    for await (const page of queryPages(this.table.doc, query, 'listing connections')) {
      if ((page.Items ?? []).length > 0) yield page.Items!.map((item) => toConnectionInfo(providerConfigKey, item));
    }
  }

  async lockRefresh(providerConfigKey: string, connectionId: string, until: number, now: number): Promise<boolean> {
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: stateKeys.connection(providerConfigKey, connectionId),
          UpdateExpression: 'SET refreshLockUntil = :until',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(refreshLockUntil) OR refreshLockUntil < :now)',
          ExpressionAttributeValues: { ':until': until, ':now': now },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw asInfrastructureError(error, 'locking a token refresh');
    }
  }

  async unlockRefresh(providerConfigKey: string, connectionId: string, until: number): Promise<void> {
    await this.conditionalUpdate(providerConfigKey, connectionId, 'REMOVE refreshLockUntil', 'refreshLockUntil = :until', { ':until': until }, 'unlocking a token refresh');
  }

  async saveRefreshedCredentials(providerConfigKey: string, connectionId: string, change: { credentials: Credentials; connectionConfig: Record<string, unknown>; updatedAt: string }): Promise<void> {
    const secret = await this.seal(providerConfigKey, connectionId, change.credentials);
    const [name, value] = Object.entries(secret)[0]!;
    await withInfrastructureErrors('saving refreshed credentials', () =>
      this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: stateKeys.connection(providerConfigKey, connectionId),
          UpdateExpression: `SET ${name} = :secret, credentialsType = :type, connectionConfig = :config, updatedAt = :at REMOVE authError, refreshLockUntil`,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':secret': value, ':type': change.credentials.type, ':config': change.connectionConfig, ':at': change.updatedAt },
        }),
      ),
    );
  }

  async recordAuthError(providerConfigKey: string, connectionId: string, error: ConnectionAuthError, ifUpdatedAt: string): Promise<void> {
    await this.conditionalUpdate(providerConfigKey, connectionId, 'SET authError = :e', 'updatedAt = :seen', { ':e': error, ':seen': ifUpdatedAt }, 'recording an auth error');
  }

  /** An update that does nothing when its condition no longer holds (the item changed or is gone). */
  private async conditionalUpdate(providerConfigKey: string, connectionId: string, update: string, condition: string, values: Record<string, unknown>, what: string): Promise<void> {
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: stateKeys.connection(providerConfigKey, connectionId),
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return;
      throw asInfrastructureError(error, what);
    }
  }

  async delete(providerConfigKey: string, connectionId: string): Promise<void> {
    await withInfrastructureErrors('deleting a connection', () =>
      this.table.doc.send(new DeleteCommand({ TableName: this.table.tableName, Key: stateKeys.connection(providerConfigKey, connectionId) })),
    );
  }

  /** The stored form of credentials: sealed with the cipher, or plain where none is configured. */
  private async seal(providerConfigKey: string, connectionId: string, credentials: Credentials): Promise<Record<string, unknown>> {
    if (!this.cipher) return { credentials };
    return { credentialsEnc: await this.cipher.encrypt(Buffer.from(JSON.stringify(credentials), 'utf8'), credentialsContext(providerConfigKey, connectionId)) };
  }

  /** Decryption failures (tampered, moved to another connection) propagate as the cipher's error, not as a retryable one. */
  private async openCredentials(providerConfigKey: string, item: Record<string, unknown>): Promise<Credentials> {
    const sealed = item['credentialsEnc'];
    if (sealed === undefined) return item['credentials'] as Credentials;
    const connectionId = item['sk'] as string;
    if (!this.cipher) throw new Error(`connection "${connectionId}" has encrypted credentials but the state store has no cipher`);
    const plaintext = await this.cipher.decrypt(sealed as Uint8Array, credentialsContext(providerConfigKey, connectionId));
    return JSON.parse(Buffer.from(plaintext).toString('utf8')) as Credentials;
  }
}

/** The encryption context of a connection's credentials: a ciphertext opens only on its own connection. */
export function credentialsContext(providerConfigKey: string, connectionId: string): Record<string, string> {
  return { providerConfigKey, connectionId };
}

function toConnectionInfo(providerConfigKey: string, item: Record<string, unknown>): ConnectionInfo {
  const plain = item['credentials'] as Credentials | undefined;
  return {
    providerConfigKey,
    connectionId: item['sk'] as string,
    credentialsType: (item['credentialsType'] as Credentials['type'] | undefined) ?? plain?.type ?? null,
    metadata: (item['metadata'] as Record<string, unknown>) ?? {},
    connectionConfig: (item['connectionConfig'] as Record<string, unknown>) ?? {},
    // Items written before tags existed have none (read as `{}` by whoever shows them).
    ...(item['tags'] ? { tags: item['tags'] as Record<string, string> } : {}),
    createdAt: item['createdAt'] as string,
    updatedAt: item['updatedAt'] as string,
    ...(item['authError'] ? { authError: item['authError'] as ConnectionAuthError } : {}),
  };
}
