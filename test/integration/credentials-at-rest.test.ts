import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretDecryptError } from '../../functions/adapters/crypto/envelope.js';
import { LocalKeyFileCipher } from '../../functions/adapters/crypto/local-cipher.js';
import type { SecretCipher, StateRepos } from '../../functions/engine/ports.js';
import { makeDynamoClients } from '../../functions/adapters/dynamodb/client.js';
import { makeDynamoStateRepos, stateKeys } from '../../functions/adapters/dynamodb/state/index.js';
import type { TableNames } from '../../functions/adapters/dynamodb/table-schema.js';
import type { Connection } from '../../functions/engine/connection.js';
import { useDynamo } from '../support/dynamo.js';

const PROVIDER = 'hubspot';
const ACCESS_TOKEN = 'at-9f8e7d6c5b4a-very-secret';
const REFRESH_TOKEN = 'rt-0a1b2c3d4e5f-very-secret';

const dynamo = useDynamo();
let tables: TableNames;
let dir: string;
let store: StateRepos;
let decrypts = 0;

function connection(connectionId: string): Connection {
  return {
    providerConfigKey: PROVIDER,
    connectionId,
    credentials: { type: 'OAUTH2', accessToken: ACCESS_TOKEN, refreshToken: REFRESH_TOKEN, expiresAt: '2030-01-01T00:00:00.000Z' },
    metadata: { region: 'eu' },
    connectionConfig: { portalId: '42' },
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
  };
}

async function rawItem(connectionId: string) {
  const key = stateKeys.connection(PROVIDER, connectionId);
  const response = await dynamo.client.send(new GetItemCommand({ TableName: tables.state, Key: { pk: { S: key.pk }, sk: { S: key.sk } }, ConsistentRead: true }));
  return response.Item!;
}

beforeAll(async () => {
  tables = await dynamo.freshTables();
  dir = await mkdtemp(join(tmpdir(), 'syncline-at-rest-'));
  const local = await LocalKeyFileCipher.open(join(dir, 'master.key'));
  const cipher: SecretCipher = {
    encrypt: (plaintext, context) => local.encrypt(plaintext, context),
    decrypt: (ciphertext, context) => {
      decrypts++;
      return local.decrypt(ciphertext, context);
    },
  };
  store = makeDynamoStateRepos({ doc: dynamo.doc, tableName: tables.state, cipher });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('connection credentials at rest', () => {
  it('stores only an encrypted envelope, and the store reads the credentials back', async () => {
    await store.connections.put(connection('acme'));

    const item = await rawItem('acme');
    expect(item['credentials']).toBeUndefined();
    expect(item['credentialsEnc']?.B).toBeInstanceOf(Uint8Array);
    const raw = JSON.stringify(item, (_, value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('latin1') : value));
    for (const secret of [ACCESS_TOKEN, REFRESH_TOKEN, 'very-secret']) expect(raw).not.toContain(secret);
    expect(item['metadata']?.M?.['region']?.S).toBe('eu');

    expect(await store.connections.getWithCredentials(PROVIDER, 'acme')).toEqual(connection('acme'));
  });

  it('lists and checks 1,000 connections without decrypting anything, and decrypts only for a run', async () => {
    const ids = Array.from({ length: 1_000 }, (_, i) => `many-${String(i).padStart(4, '0')}`);
    for (let i = 0; i < ids.length; i += 50) await Promise.all(ids.slice(i, i + 50).map((id) => store.connections.put(connection(id))));
    decrypts = 0;

    const listed = [];
    for await (const page of store.connections.list(PROVIDER)) listed.push(...page);
    const found = await store.connections.find(PROVIDER, 'many-0500');

    expect(listed.filter((c) => c.connectionId.startsWith('many-'))).toHaveLength(1_000);
    expect(decrypts).toBe(0);
    expect(JSON.stringify(listed)).not.toContain(ACCESS_TOKEN);
    const { credentials: _secret, ...info } = connection('many-0500');
    expect(found).toEqual({ ...info, credentialsType: 'OAUTH2' });

    expect((await store.connections.getWithCredentials(PROVIDER, 'many-0500'))!.credentials).toEqual(connection('many-0500').credentials);
    expect(decrypts).toBe(1);
  });

  it('refuses a ciphertext copied onto another connection', async () => {
    await store.connections.put(connection('victim'));
    await store.connections.put({ ...connection('attacker'), credentials: { type: 'API_KEY', apiKey: 'mine' } });
    const stolen = (await rawItem('victim'))['credentialsEnc']!;

    const attackerItem = await rawItem('attacker');
    await dynamo.client.send(new PutItemCommand({ TableName: tables.state, Item: { ...attackerItem, credentialsEnc: stolen } }));

    await expect(store.connections.getWithCredentials(PROVIDER, 'attacker')).rejects.toBeInstanceOf(SecretDecryptError);
    expect((await store.connections.getWithCredentials(PROVIDER, 'victim'))!.credentials).toEqual(connection('victim').credentials);
  });

  it('still reads connections saved in plain text before a cipher was configured, and encrypts them at their next save', async () => {
    const plain = makeDynamoStateRepos({ doc: dynamo.doc, tableName: tables.state });
    await plain.connections.put(connection('legacy'));
    expect((await rawItem('legacy'))['credentials']).toBeDefined();

    const read = await store.connections.getWithCredentials(PROVIDER, 'legacy');
    expect(read).toEqual(connection('legacy'));
    await store.connections.put(read!);

    const item = await rawItem('legacy');
    expect(item['credentials']).toBeUndefined();
    expect(item['credentialsEnc']?.B).toBeDefined();
  });

  it('lists and finds connections without reading their credentials, sealed or plain, yet with every other field', async () => {
    const { doc } = makeDynamoClients({ endpoint: dynamo.endpoint });
    const outputs: string[] = [];
    doc.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        outputs.push(JSON.stringify(result.output, (_, value: unknown) => (value instanceof Uint8Array ? '<bytes>' : value)));
        return result;
      },
      { step: 'initialize', name: 'recordOutputs' },
    );
    const observed = makeDynamoStateRepos({ doc, tableName: tables.state, cipher: { encrypt: async () => new Uint8Array(), decrypt: async () => new Uint8Array() } });
    const plain = makeDynamoStateRepos({ doc: dynamo.doc, tableName: tables.state });
    const project = 'projected';
    const authError = { type: 'auth' as const, message: 'refresh refused', at: '2025-02-01T00:00:00.000Z' };
    await plain.connections.put({ ...connection('plain-one'), providerConfigKey: project, tags: { team: 'sales' } });
    await store.connections.put({ ...connection('sealed-one'), providerConfigKey: project });
    await store.connections.recordAuthError(project, 'sealed-one', authError, '2025-01-01T00:00:00.000Z');

    const listed = [];
    for await (const page of observed.connections.list(project)) listed.push(...page);
    const found = await observed.connections.find(project, 'plain-one');

    for (const output of outputs) for (const leaked of [ACCESS_TOKEN, REFRESH_TOKEN, 'credentialsEnc', '<bytes>']) expect(output).not.toContain(leaked);
    const { credentials: _secret, ...info } = connection('plain-one');
    expect(found).toEqual({ ...info, providerConfigKey: project, tags: { team: 'sales' }, credentialsType: 'OAUTH2' });
    expect(listed.map((c) => c.connectionId).sort()).toEqual(['plain-one', 'sealed-one']);
    expect(listed.find((c) => c.connectionId === 'sealed-one')).toEqual({ ...info, providerConfigKey: project, connectionId: 'sealed-one', credentialsType: 'OAUTH2', authError });
    doc.destroy();
  });
});
