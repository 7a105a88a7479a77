/**
 * Runtime integration configuration on the state table (`INTEGRATION` / unique key). The client
 * secret is sealed with the cipher, bound to the integration's key, and opened only by
 * `getWithSecrets`; listing and finding decrypt nothing.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { asInfrastructureError } from '../../../engine/errors.js';
import type { IntegrationConfig, IntegrationConfigInfo, IntegrationConfigRepo, IntegrationCredentials, SecretCipher } from '../../../engine/ports.js';
import { getItemConsistent, withInfrastructureErrors } from '../dynamo-calls.js';
import { queryAll, type StateTable } from './keys.js';

const PK = 'INTEGRATION';
const key = (uniqueKey: string) => ({ pk: PK, sk: uniqueKey });

export class DynamoIntegrationConfigRepo implements IntegrationConfigRepo {
  constructor(
    private readonly table: StateTable,
    private readonly cipher?: SecretCipher,
  ) {}

  async find(uniqueKey: string): Promise<IntegrationConfigInfo | null> {
    const item = await getItemConsistent(this.table.doc, this.table.tableName, key(uniqueKey), 'reading an integration');
    return item ? toInfo(item) : null;
  }

  async getWithSecrets(uniqueKey: string): Promise<IntegrationConfig | null> {
    const item = await getItemConsistent(this.table.doc, this.table.tableName, key(uniqueKey), 'reading an integration');
    if (!item) return null;
    const info = toInfo(item);
    if (!info.credentials) return { ...info, credentials: null };
    return { ...info, credentials: { ...info.credentials, clientSecret: await this.open(uniqueKey, item) } };
  }

  async list(): Promise<IntegrationConfigInfo[]> {
    return (await queryAll(this.table, PK, 'listing integrations')).map(toInfo);
  }

  async put(config: IntegrationConfig): Promise<void> {
    const { credentials, ...rest } = config;
    let sealed: Record<string, unknown> = {};
    if (credentials) {
      const { clientSecret, ...publicPart } = credentials;
      if (!this.cipher) throw new Error('saving an integration secret needs a cipher');
      sealed = { credentials: publicPart, clientSecretEnc: await this.cipher.encrypt(Buffer.from(clientSecret, 'utf8'), { integration: config.uniqueKey }) };
    }
    await withInfrastructureErrors('saving an integration', () =>
      this.table.doc.send(new PutCommand({ TableName: this.table.tableName, Item: { ...key(config.uniqueKey), kind: 'INTEGRATION', ...rest, ...sealed } })),
    );
  }

  async delete(uniqueKey: string): Promise<boolean> {
    try {
      await this.table.doc.send(new DeleteCommand({ TableName: this.table.tableName, Key: key(uniqueKey), ConditionExpression: 'attribute_exists(pk)' }));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw asInfrastructureError(error, 'deleting an integration');
    }
  }

  private async open(uniqueKey: string, item: Record<string, unknown>): Promise<string> {
    if (!this.cipher) throw new Error(`integration "${uniqueKey}" has a sealed client secret but the store has no cipher`);
    return Buffer.from(await this.cipher.decrypt(item['clientSecretEnc'] as Uint8Array, { integration: uniqueKey })).toString('utf8');
  }
}

function toInfo(item: Record<string, unknown>): IntegrationConfigInfo {
  return {
    uniqueKey: item['sk'] as string,
    provider: item['provider'] as string,
    displayName: (item['displayName'] as string | null | undefined) ?? null,
    credentials: (item['credentials'] as Omit<IntegrationCredentials, 'clientSecret'> | undefined) ?? null,
    createdAt: item['createdAt'] as string,
    updatedAt: item['updatedAt'] as string,
  };
}
