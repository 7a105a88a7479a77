/**
 * API keys for the HTTP API on the state table (the `ApiKeyStore` port).
 *
 * One item per key: pk `APIKEY`, sk = hex SHA-256 of the secret, with id, name, createdAt,
 * prefix (the secret's first 8 characters), scopes and kind `API_KEY`. The secret itself is
 * never stored; verifying a presented secret is one GetItem by its hash. Revoking deletes the
 * item. An item without scopes (written before they existed) is a `full` key; stored scopes
 * that no longer parse grant nothing rather than everything.
 *
 * Verify cache: the API Lambda checks the key on every request, so a key found valid is
 * remembered in-process for a short time (default 30 s), keyed by the hash, not the secret.
 * A revoke in this process drops it at once; **other warm Lambda instances keep accepting a
 * revoked key for up to the cache TTL.** Unknown keys are not cached: a key created
 * elsewhere works immediately, and garbage keys cannot fill the cache (each costs one read).
 * A verification whose read overlapped a revoke in this process is not cached either: its
 * read may have seen the item just before the delete (the console polls while a key is
 * revoked, so this race is real).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { withInfrastructureErrors, queryPages } from './dynamo-calls.js';
import { ApiKeyScopesSchema, FULL_SCOPE, type ApiKeyScope } from '../../engine/api-key-scopes.js';
import { asInfrastructureError } from '../../engine/errors.js';
import type { ApiKeyInfo, ApiKeyStore } from '../../engine/ports.js';

const PK = 'APIKEY';
const PREFIX_CHARS = 8;
/** Shorter supplied keys are refused at import: they could be guessed. */
const MIN_IMPORTED_CHARS = 16;
/** Longer presented secrets are rejected without hashing or a read. */
const MAX_SECRET_CHARS = 512;
const DEFAULT_CACHE_TTL_MS = 30_000;
const MAX_CACHED = 1_000;

export interface DynamoApiKeyStoreOptions {
  doc: DynamoDBDocumentClient;
  /** The state table. */
  tableName: string;
  now?: () => number;
  /** How long a verified key is trusted without a read; 0 disables the cache. Default 30 s. */
  verifyCacheTtlMs?: number;
}

/** A new secret: `sk_` + 32 random bytes, base64url. */
export function generateApiKeySecret(): string {
  return `sk_${randomBytes(32).toString('base64url')}`;
}

export class DynamoApiKeyStore implements ApiKeyStore {
  private readonly verified = new Map<string, { info: ApiKeyInfo; expiresAt: number }>();
  /** Bumped by every revoke, before and after its delete; a verify that saw it move does not cache. */
  private revocations = 0;
  private readonly now: () => number;
  private readonly ttlMs: number;

  constructor(private readonly options: DynamoApiKeyStoreOptions) {
    this.now = options.now ?? Date.now;
    this.ttlMs = options.verifyCacheTtlMs ?? DEFAULT_CACHE_TTL_MS;
  }

  async create(name: string, scopes: ApiKeyScope[] = [FULL_SCOPE]): Promise<ApiKeyInfo & { secret: string }> {
    const secret = generateApiKeySecret();
    const info = this.newInfo(name, secret, ApiKeyScopesSchema.parse(scopes));
    // A collision of 256 random bits does not happen; the condition only guards the invariant.
    await withInfrastructureErrors('saving an API key', () =>
      this.options.doc.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: toItem(hashHex(secret), info),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    return { ...info, secret };
  }

  async importKey(name: string, secret: string): Promise<ApiKeyInfo> {
    if (secret.length < MIN_IMPORTED_CHARS || secret.length > MAX_SECRET_CHARS) {
      throw new Error(`an imported API key must have ${MIN_IMPORTED_CHARS} to ${MAX_SECRET_CHARS} characters`);
    }
    const hash = hashHex(secret);
    const info = this.newInfo(name, secret, [FULL_SCOPE]);
    try {
      await this.options.doc.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: toItem(hash, info),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return info;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw asInfrastructureError(error, 'importing an API key');
    }
    // Already registered (a redeploy or a restart): the stored key wins.
    const existing = await this.read(hash);
    if (!existing) throw asInfrastructureError(new Error('the key vanished while being imported'), 'importing an API key');
    return existing;
  }

  async list(): Promise<ApiKeyInfo[]> {
    const keys: ApiKeyInfo[] = [];
    const pages = queryPages(
      this.options.doc,
      {
        TableName: this.options.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': PK },
        ConsistentRead: true,
      },
      'listing API keys',
    );
    for await (const response of pages) keys.push(...(response.Items ?? []).map(toInfo));
    return keys.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  async revoke(id: string): Promise<boolean> {
    // Keys are few: finding one by id is a Query of the single APIKEY partition.
    const hash = await this.hashOf(id);
    this.forget(id);
    if (!hash) return false;
    try {
      await this.options.doc.send(
        new DeleteCommand({
          TableName: this.options.tableName,
          Key: { pk: PK, sk: hash },
          ConditionExpression: 'id = :id',
          ExpressionAttributeValues: { ':id': id },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw asInfrastructureError(error, 'revoking an API key');
    } finally {
      this.forget(id);
    }
  }

  private forget(id: string): void {
    this.revocations += 1;
    for (const [cachedHash, entry] of this.verified) if (entry.info.id === id) this.verified.delete(cachedHash);
  }

  async verify(secret: string): Promise<ApiKeyInfo | null> {
    if (secret.length === 0 || secret.length > MAX_SECRET_CHARS) return null;
    const computed = hashBytes(secret);
    const hash = computed.toString('hex');
    const cached = this.verified.get(hash);
    if (cached && cached.expiresAt > this.now()) return cached.info;
    if (cached) this.verified.delete(hash);

    const revocationsBefore = this.revocations;
    const response = await withInfrastructureErrors('reading an API key', () =>
      this.options.doc.send(
        new GetCommand({
          TableName: this.options.tableName,
          Key: { pk: PK, sk: hash },
          ConsistentRead: true,
        }),
      ),
    );
    const item = response.Item;
    if (!item) return null;
    // The read found the key by its hash; comparing the hashes again in constant time keeps
    // the decision itself free of a data-dependent early exit.
    const stored = Buffer.from(item['sk'] as string, 'hex');
    if (stored.length !== computed.length || !timingSafeEqual(stored, computed)) return null;
    const info = toInfo(item);
    if (this.revocations === revocationsBefore) this.rememberVerified(hash, info);
    return info;
  }

  private rememberVerified(hash: string, info: ApiKeyInfo): void {
    if (this.ttlMs <= 0) return;
    this.verified.delete(hash);
    if (this.verified.size >= MAX_CACHED) {
      const oldest = this.verified.keys().next().value;
      if (oldest !== undefined) this.verified.delete(oldest);
    }
    this.verified.set(hash, { info, expiresAt: this.now() + this.ttlMs });
  }

  private newInfo(name: string, secret: string, scopes: ApiKeyScope[]): ApiKeyInfo {
    return {
      id: `key_${randomBytes(9).toString('base64url')}`,
      name,
      createdAt: new Date(this.now()).toISOString(),
      prefix: secret.slice(0, PREFIX_CHARS),
      scopes,
    };
  }

  private async read(hash: string): Promise<ApiKeyInfo | null> {
    const response = await withInfrastructureErrors('reading an API key', () =>
      this.options.doc.send(
        new GetCommand({
          TableName: this.options.tableName,
          Key: { pk: PK, sk: hash },
          ConsistentRead: true,
        }),
      ),
    );
    return response.Item ? toInfo(response.Item) : null;
  }

  private async hashOf(id: string): Promise<string | null> {
    const pages = queryPages(
      this.options.doc,
      {
        TableName: this.options.tableName,
        KeyConditionExpression: 'pk = :pk',
        FilterExpression: 'id = :id',
        ExpressionAttributeValues: { ':pk': PK, ':id': id },
        ConsistentRead: true,
      },
      'finding an API key',
    );
    for await (const response of pages) {
      const found = response.Items?.[0];
      if (found) return found['sk'] as string;
    }
    return null;
  }
}

function hashBytes(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

function hashHex(secret: string): string {
  return hashBytes(secret).toString('hex');
}

function toItem(hash: string, info: ApiKeyInfo): Record<string, unknown> {
  return { pk: PK, sk: hash, kind: 'API_KEY', ...info };
}

function toInfo(item: Record<string, unknown>): ApiKeyInfo {
  return { id: item['id'] as string, name: item['name'] as string, createdAt: item['createdAt'] as string, prefix: item['prefix'] as string, scopes: scopesOf(item['scopes']) };
}

function scopesOf(stored: unknown): ApiKeyScope[] {
  if (stored === undefined) return [FULL_SCOPE];
  const parsed = ApiKeyScopesSchema.safeParse(stored);
  return parsed.success ? parsed.data : [];
}
