/**
 * Envelope encryption with AWS KMS (the `SecretCipher` port in AWS).
 *
 * Encrypt: `GenerateDataKey` (AES_256) under the Syncline key with EncryptionContext = context,
 * then AES-256-GCM locally under the plaintext data key (context as additional data). Only the
 * KMS-encrypted data key is stored beside the ciphertext (layout in `envelope.ts`).
 * Decrypt: KMS `Decrypt` of the data key with the same context, then AES-GCM locally. KMS
 * refuses a data key presented with another context, and CloudTrail logs the context of
 * every call, so each decryption is attributable to one connection.
 *
 * Data-key cache — the trade-off: a warm Lambda reads the same connection's credentials on
 * every run, and one KMS round trip per read adds latency and counts against the account's
 * shared KMS request quota. So plaintext data keys are kept in memory for a short time
 * (default 5 minutes, at most 100 keys), keyed by encrypted key *and* context. The price:
 *   - the keys sit in process memory for up to the TTL (the decrypted credentials do anyway
 *     while a run uses them);
 *   - disabling the KMS key or revoking the function's `kms:Decrypt` takes up to the TTL to
 *     stop a warm instance from reading envelopes it has already opened once;
 *   - a cache hit makes no KMS call, so CloudTrail shows one Decrypt per key per TTL, not one
 *     per read.
 * A cache hit still checks the context through the GCM additional data. Set `cacheTtlMs: 0`
 * to call KMS on every decrypt. Encrypt always asks KMS for a fresh data key (writes are rare:
 * a connection import or a token refresh) and seeds the cache with it.
 */
import { DecryptCommand, GenerateDataKeyCommand, IncorrectKeyException, InvalidCiphertextException, type KMSClient } from '@aws-sdk/client-kms';
import { asInfrastructureError } from '../../engine/errors.js';
import type { SecretCipher } from '../../engine/ports.js';
import { canonicalContext, decodeEnvelope, encodeEnvelope, ENVELOPE_VERSION, openGcm, sealGcm, SecretDecryptError } from './envelope.js';

export interface KmsEnvelopeCipherOptions {
  kms: KMSClient;
  /** Key id, ARN or alias of the symmetric KMS key; also pins `Decrypt` to that key. */
  keyId: string;
  /** How long a plaintext data key stays cached; 0 disables the cache. Default 5 minutes. */
  cacheTtlMs?: number;
  /** Most data keys held at once; the oldest is dropped first. Default 100. */
  cacheMaxEntries?: number;
  now?: () => number;
}

interface CachedKey {
  key: Buffer;
  expiresAt: number;
}

const DEFAULT_TTL_MS = 5 * 60_000;
const DEFAULT_MAX_ENTRIES = 100;

export class KmsEnvelopeCipher implements SecretCipher {
  private readonly cache = new Map<string, CachedKey>();
  /** Concurrent decrypts of one envelope share one KMS call. */
  private readonly inFlight = new Map<string, Promise<Buffer>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(private readonly options: KmsEnvelopeCipherOptions) {
    this.ttlMs = options.cacheTtlMs ?? DEFAULT_TTL_MS;
    this.maxEntries = options.cacheMaxEntries ?? DEFAULT_MAX_ENTRIES;
    this.now = options.now ?? Date.now;
  }

  async encrypt(plaintext: Uint8Array, context: Record<string, string>): Promise<Uint8Array> {
    const response = await this.kmsCall('generating a data key', () =>
      this.options.kms.send(
        new GenerateDataKeyCommand({
          KeyId: this.options.keyId,
          KeySpec: 'AES_256',
          EncryptionContext: context,
        }),
      ),
    );
    if (!response.Plaintext || !response.CiphertextBlob) throw asInfrastructureError(new Error('KMS returned no data key'), 'generating a data key');
    const dataKey = Buffer.from(response.Plaintext);
    const aad = canonicalContext(context);
    const sealed = sealGcm(dataKey, plaintext, aad);
    const encryptedKey = Buffer.from(response.CiphertextBlob);
    this.remember(cacheKey(encryptedKey, aad), dataKey);
    if (this.ttlMs <= 0) dataKey.fill(0);
    return encodeEnvelope({ version: ENVELOPE_VERSION.kms, encryptedKey, ...sealed });
  }

  async decrypt(ciphertext: Uint8Array, context: Record<string, string>): Promise<Uint8Array> {
    const envelope = decodeEnvelope(ciphertext, ENVELOPE_VERSION.kms);
    const aad = canonicalContext(context);
    const dataKey = await this.dataKey(envelope.encryptedKey, context, aad);
    try {
      return new Uint8Array(openGcm(dataKey, envelope, aad));
    } finally {
      dataKey.fill(0);
    }
  }

  /** Drops every cached data key (overwriting them first), e.g. when a test or a rotation wants KMS again. */
  clearCache(): void {
    for (const entry of this.cache.values()) entry.key.fill(0);
    this.cache.clear();
  }

  /** A private copy of the data key: the caller zeroes it, and a cache eviction cannot pull it away mid-use. */
  private async dataKey(encryptedKey: Uint8Array, context: Record<string, string>, aad: Buffer): Promise<Buffer> {
    const id = cacheKey(encryptedKey, aad);
    const cached = this.cache.get(id);
    if (cached && cached.expiresAt > this.now()) return Buffer.from(cached.key);
    if (cached) this.forget(id);
    let pending = this.inFlight.get(id);
    if (!pending) {
      pending = this.unwrap(encryptedKey, context)
        .then((key) => {
          this.remember(id, Buffer.from(key));
          return key;
        })
        .finally(() => this.inFlight.delete(id));
      this.inFlight.set(id, pending);
    }
    return Buffer.from(await pending);
  }

  private async unwrap(encryptedKey: Uint8Array, context: Record<string, string>): Promise<Buffer> {
    const response = await this.kmsCall('decrypting a data key', () =>
      this.options.kms.send(
        new DecryptCommand({
          KeyId: this.options.keyId,
          CiphertextBlob: encryptedKey,
          EncryptionContext: context,
        }),
      ),
    );
    if (!response.Plaintext) throw asInfrastructureError(new Error('KMS returned no plaintext'), 'decrypting a data key');
    return Buffer.from(response.Plaintext);
  }

  private remember(id: string, key: Buffer): void {
    if (this.ttlMs <= 0) return;
    this.forget(id);
    // Map keeps insertion order: the first entry is the oldest.
    while (this.cache.size >= this.maxEntries) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.forget(oldest);
    }
    this.cache.set(id, { key, expiresAt: this.now() + this.ttlMs });
  }

  private forget(id: string): void {
    const entry = this.cache.get(id);
    if (!entry) return;
    entry.key.fill(0);
    this.cache.delete(id);
  }

  private async kmsCall<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      // Wrong context, tampered or foreign data key: permanent. Anything else (throttling,
      // network, access) is the infrastructure's and may be retried.
      if (error instanceof InvalidCiphertextException || error instanceof IncorrectKeyException) {
        throw new SecretDecryptError('KMS refused the data key: it was altered or belongs to another context', { cause: error });
      }
      throw asInfrastructureError(error, what);
    }
  }
}

function cacheKey(encryptedKey: Uint8Array, aad: Buffer): string {
  return `${Buffer.from(encryptedKey).toString('base64')}|${aad.toString('base64')}`;
}
