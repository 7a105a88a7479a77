import { createHash } from 'node:crypto';
import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoApiKeyStore } from '../../functions/adapters/dynamodb/api-key-store.js';
import type { TableNames } from '../../functions/adapters/dynamodb/table-schema.js';
import { useDynamo } from '../support/dynamo.js';

const dynamo = useDynamo();
let tables: TableNames;
let clock = Date.parse('2025-06-01T00:00:00.000Z');

const makeStore = (extra: { verifyCacheTtlMs?: number } = {}) => new DynamoApiKeyStore({ doc: dynamo.doc, tableName: tables.state, now: () => clock, ...extra });
const sha256 = (secret: string) => createHash('sha256').update(secret).digest('hex');

beforeAll(async () => {
  tables = await dynamo.freshTables();
});

describe('DynamoApiKeyStore', () => {
  it('creates a key whose secret is stored only as its SHA-256 hash', async () => {
    const store = makeStore();
    const key = await store.create('ci');

    expect(key.secret).toMatch(/^sk_[A-Za-z0-9_-]{43}$/);
    expect(key.prefix).toBe(key.secret.slice(0, 8));
    expect(key).toMatchObject({ name: 'ci', createdAt: '2025-06-01T00:00:00.000Z' });

    const raw = await dynamo.client.send(new GetItemCommand({ TableName: tables.state, Key: { pk: { S: 'APIKEY' }, sk: { S: sha256(key.secret) } } }));
    expect(raw.Item).toMatchObject({ kind: { S: 'API_KEY' }, id: { S: key.id }, name: { S: 'ci' }, prefix: { S: key.prefix } });
    const everything = await dynamo.client.send(new QueryCommand({ TableName: tables.state, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 'APIKEY' } } }));
    expect(JSON.stringify(everything.Items)).not.toContain(key.secret);
  });

  it('verifies the right secret and nothing else', async () => {
    const store = makeStore();
    const key = await store.create('app');

    expect(await store.verify(key.secret)).toEqual({ id: key.id, name: 'app', createdAt: key.createdAt, prefix: key.prefix, scopes: ['full'] });
    expect(await makeStore().verify(key.secret)).toMatchObject({ id: key.id });
    for (const wrong of ['', `${key.secret}x`, key.secret.slice(0, -1), key.secret.toUpperCase(), 'x'.repeat(10_000)]) {
      expect(await store.verify(wrong)).toBeNull();
    }
  });

  it('imports a supplied key idempotently and refuses a short one', async () => {
    const store = makeStore();
    const secret = 'local-bootstrap-key-0123456789';
    const first = await store.importKey('bootstrap', secret);
    const again = await makeStore().importKey('bootstrap', secret);

    expect(again).toEqual(first);
    expect((await store.list()).filter((k) => k.name === 'bootstrap')).toHaveLength(1);
    expect(await store.verify(secret)).toEqual(first);
    await expect(store.importKey('weak', 'short')).rejects.toThrow(/16 to 512 characters/);
  });

  it('lists keys without their secrets', async () => {
    const store = makeStore();
    const created = await store.create('listed');

    const listed = await store.list();
    expect(listed).toContainEqual({ id: created.id, name: 'listed', createdAt: created.createdAt, prefix: created.prefix, scopes: ['full'] });
    expect(JSON.stringify(listed)).not.toContain(created.secret);
  });

  it('revokes a key at once in the same process, and within the cache TTL elsewhere', async () => {
    const here = makeStore({ verifyCacheTtlMs: 30_000 });
    const elsewhere = makeStore({ verifyCacheTtlMs: 30_000 });
    const key = await here.create('to-revoke');
    expect(await here.verify(key.secret)).not.toBeNull();
    expect(await elsewhere.verify(key.secret)).not.toBeNull();

    expect(await here.revoke(key.id)).toBe(true);
    expect(await here.revoke(key.id)).toBe(false);
    expect(await here.verify(key.secret)).toBeNull();
    expect((await here.list()).map((k) => k.id)).not.toContain(key.id);

    // Another instance trusts its cached answer until the TTL runs out, then reads again.
    expect(await elsewhere.verify(key.secret)).not.toBeNull();
    clock += 30_000;
    expect(await elsewhere.verify(key.secret)).toBeNull();
  });

  it('does not cache a verification whose read overlapped a revoke in the same process', async () => {
    // The read is held until the revoke has finished, as when the console polls while a key is revoked.
    let holdReads = false;
    let releaseRead: () => void = () => {};
    // A real client (the revoke's paginator checks the type) whose GetItem answers can be held.
    const doc = Object.create(dynamo.doc) as typeof dynamo.doc;
    doc.send = (async (command: { constructor: { name: string } }) => {
      const result = await dynamo.doc.send(command as never);
      if (holdReads && command.constructor.name === 'GetCommand') await new Promise<void>((resolve) => (releaseRead = resolve));
      return result;
    }) as never;
    const store = new DynamoApiKeyStore({
      doc,
      tableName: tables.state,
      now: () => clock,
      verifyCacheTtlMs: 30_000,
    });
    const key = await store.create('raced');
    holdReads = true;
    const inFlight = store.verify(key.secret);
    await new Promise((resolve) => setTimeout(resolve, 20));
    holdReads = false;
    expect(await store.revoke(key.id)).toBe(true);
    releaseRead();
    expect(await inFlight).not.toBeNull(); // it read the key before the delete
    expect(await store.verify(key.secret)).toBeNull(); // but did not cache it
  });

  it('serves a cached verification without reading DynamoDB', async () => {
    let reads = 0;
    const counting = new DynamoApiKeyStore({
      doc: {
        send: (command: never) => {
          reads++;
          return dynamo.doc.send(command);
        },
      } as unknown as typeof dynamo.doc,
      tableName: tables.state,
      now: () => clock,
    });
    const key = await makeStore().create('hot');

    for (let i = 0; i < 5; i++) expect(await counting.verify(key.secret)).not.toBeNull();
    expect(reads).toBe(1);
    // Unknown keys are not cached: each costs one read and cannot fill the cache.
    await counting.verify('sk_unknown');
    await counting.verify('sk_unknown');
    expect(reads).toBe(3);
  });

  it('stores scopes; a key stored before scopes existed is full, unreadable stored scopes grant nothing', async () => {
    const store = makeStore();
    const restricted = await store.create('reader', ['records:read', 'connections:read', 'records:read']);
    expect(restricted.scopes).toEqual(['records:read', 'connections:read']);
    expect(await makeStore().verify(restricted.secret)).toMatchObject({ scopes: ['records:read', 'connections:read'] });
    await expect(store.create('bad', ['admin' as never])).rejects.toThrow();
    expect(await store.importKey('bootstrap-full', 'bootstrap-full-key-0123456789')).toMatchObject({ scopes: ['full'] });

    const legacySecret = 'legacy-key-from-before-scopes-0001';
    const oddSecret = 'key-with-unknown-scopes-0000000002';
    await dynamo.doc.send(
      new PutCommand({
        TableName: tables.state,
        Item: { pk: 'APIKEY', sk: sha256(legacySecret), kind: 'API_KEY', id: 'key_legacy', name: 'legacy', createdAt: '2024-01-01T00:00:00.000Z', prefix: 'legacy-k' },
      }),
    );
    await dynamo.doc.send(
      new PutCommand({
        TableName: tables.state,
        Item: { pk: 'APIKEY', sk: sha256(oddSecret), kind: 'API_KEY', id: 'key_odd', name: 'odd', createdAt: '2024-01-01T00:00:00.000Z', prefix: 'key-with', scopes: ['root'] },
      }),
    );
    expect(await store.verify(legacySecret)).toMatchObject({ id: 'key_legacy', scopes: ['full'] });
    expect(await store.verify(oddSecret)).toMatchObject({ id: 'key_odd', scopes: [] });
  });

  it('returns false when revoking an unknown id', async () => {
    expect(await makeStore().revoke('key_nope')).toBe(false);
  });
});
