import { DecryptCommand, GenerateDataKeyCommand, InvalidCiphertextException, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SecretDecryptError } from '../../../functions/adapters/crypto/envelope.js';
import { KmsEnvelopeCipher } from '../../../functions/adapters/crypto/kms-cipher.js';
import { InfrastructureError } from '../../../functions/engine/errors.js';

const KEY_ID = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
/** The fixed data key the mock hands out, and its "KMS-encrypted" form. */
const DATA_KEY = new Uint8Array(32).fill(7);
const WRAPPED_KEY = new Uint8Array(Buffer.from('kms-wrapped-data-key-blob'));
const CONTEXT = { providerConfigKey: 'hubspot', connectionId: 'acme' };

const kms = mockClient(KMSClient);
let clock = 0;

function makeCipher(extra: { cacheTtlMs?: number; cacheMaxEntries?: number } = {}) {
  return new KmsEnvelopeCipher({ kms: new KMSClient({ region: 'eu-west-1' }), keyId: KEY_ID, now: () => clock, ...extra });
}

const invalid = () => new InvalidCiphertextException({ message: 'invalid ciphertext', $metadata: {} });
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
const secret = Buffer.from('{"type":"API_KEY","apiKey":"sk-live-123"}');

beforeEach(() => {
  clock = 1_000_000;
  kms.reset();
  // Like KMS: the data key opens only with the blob and the context it was generated for.
  kms.on(GenerateDataKeyCommand).resolves({ KeyId: KEY_ID, Plaintext: DATA_KEY, CiphertextBlob: WRAPPED_KEY });
  kms.on(DecryptCommand).callsFake((input: { CiphertextBlob: Uint8Array; EncryptionContext?: Record<string, string> }) => {
    const sameBlob = Buffer.from(input.CiphertextBlob).equals(Buffer.from(WRAPPED_KEY));
    const sameContext = JSON.stringify(input.EncryptionContext) === JSON.stringify(CONTEXT);
    if (!sameBlob || !sameContext) throw invalid();
    return { KeyId: KEY_ID, Plaintext: DATA_KEY };
  });
});

describe('KmsEnvelopeCipher', () => {
  it('asks KMS for an AES_256 data key bound to the context and round-trips the secret', async () => {
    const sealed = await makeCipher().encrypt(secret, CONTEXT);

    expect(kms.commandCalls(GenerateDataKeyCommand)[0]!.args[0].input).toEqual({ KeyId: KEY_ID, KeySpec: 'AES_256', EncryptionContext: CONTEXT });
    expect(Buffer.from(sealed).includes(Buffer.from('sk-live-123'))).toBe(false);
    expect(Buffer.from(sealed).includes(Buffer.from(DATA_KEY))).toBe(false);
    expect(sealed[0]).toBe(1);
    expect(Buffer.from(sealed).readUInt16BE(1)).toBe(WRAPPED_KEY.length);

    // A fresh instance has no cache: it must go through KMS Decrypt with the same context.
    const opened = await makeCipher().decrypt(sealed, CONTEXT);
    expect(text(opened)).toBe(text(secret));
    const decrypt = kms.commandCalls(DecryptCommand)[0]!.args[0].input;
    expect(decrypt).toMatchObject({ KeyId: KEY_ID, EncryptionContext: CONTEXT });
    expect(Buffer.from(decrypt.CiphertextBlob!).equals(Buffer.from(WRAPPED_KEY))).toBe(true);
  });

  it('uses a fresh IV per encryption', async () => {
    const cipher = makeCipher();
    const a = await cipher.encrypt(secret, CONTEXT);
    const b = await cipher.encrypt(secret, CONTEXT);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });

  it('fails for another context, through KMS and through the cache alike', async () => {
    const cipher = makeCipher();
    const sealed = await cipher.encrypt(secret, CONTEXT);
    const other = { providerConfigKey: 'hubspot', connectionId: 'globex' };

    await expect(makeCipher().decrypt(sealed, other)).rejects.toBeInstanceOf(SecretDecryptError);
    await expect(cipher.decrypt(sealed, other)).rejects.toBeInstanceOf(SecretDecryptError);
    await expect(cipher.decrypt(sealed, { ...CONTEXT, extra: 'x' })).rejects.toBeInstanceOf(SecretDecryptError);
  });

  it('fails when any part of the envelope is altered', async () => {
    const sealed = await makeCipher().encrypt(secret, CONTEXT);
    const encryptedKeyAt = 3;
    const ivAt = 3 + WRAPPED_KEY.length;
    for (const at of [encryptedKeyAt, ivAt, ivAt + 12, sealed.length - 1]) {
      const tampered = Uint8Array.from(sealed);
      tampered[at] = tampered[at]! ^ 0x01;
      await expect(makeCipher().decrypt(tampered, CONTEXT), `byte ${at}`).rejects.toBeInstanceOf(SecretDecryptError);
    }
    await expect(makeCipher().decrypt(sealed.subarray(0, 20), CONTEXT)).rejects.toThrow(/truncated/);
    const wrongVersion = Uint8Array.from(sealed);
    wrongVersion[0] = 2;
    await expect(makeCipher().decrypt(wrongVersion, CONTEXT)).rejects.toThrow(/version 2/);
  });

  it('caches the data key for the TTL, then asks KMS again', async () => {
    const sealed = await makeCipher().encrypt(secret, CONTEXT);
    const cipher = makeCipher({ cacheTtlMs: 5 * 60_000 });

    await Promise.all([cipher.decrypt(sealed, CONTEXT), cipher.decrypt(sealed, CONTEXT)]);
    await cipher.decrypt(sealed, CONTEXT);
    expect(kms.commandCalls(DecryptCommand)).toHaveLength(1);

    clock += 5 * 60_000;
    expect(text(await cipher.decrypt(sealed, CONTEXT))).toBe(text(secret));
    expect(kms.commandCalls(DecryptCommand)).toHaveLength(2);
  });

  it('seeds the cache on encrypt, and calls KMS every time with the cache off', async () => {
    const cached = makeCipher();
    await cached.decrypt(await cached.encrypt(secret, CONTEXT), CONTEXT);
    expect(kms.commandCalls(DecryptCommand)).toHaveLength(0);

    const uncached = makeCipher({ cacheTtlMs: 0 });
    const sealed = await uncached.encrypt(secret, CONTEXT);
    await uncached.decrypt(sealed, CONTEXT);
    await uncached.decrypt(sealed, CONTEXT);
    expect(kms.commandCalls(DecryptCommand)).toHaveLength(2);
  });

  it('holds at most cacheMaxEntries keys, dropping the oldest', async () => {
    const keys = [1, 2, 3].map((n) => new Uint8Array(Buffer.from(`wrapped-${n}`)));
    let next = 0;
    kms.on(GenerateDataKeyCommand).callsFake(() => ({ Plaintext: DATA_KEY, CiphertextBlob: keys[next++]! }));
    kms.on(DecryptCommand).resolves({ Plaintext: DATA_KEY });
    const cipher = makeCipher({ cacheMaxEntries: 2 });
    const sealed = [];
    for (let i = 0; i < 3; i++) sealed.push(await cipher.encrypt(secret, CONTEXT));

    await cipher.decrypt(sealed[2]!, CONTEXT);
    await cipher.decrypt(sealed[1]!, CONTEXT);
    expect(kms.commandCalls(DecryptCommand)).toHaveLength(0);
    await cipher.decrypt(sealed[0]!, CONTEXT);
    expect(kms.commandCalls(DecryptCommand)).toHaveLength(1);
  });

  it('reports a KMS outage as a retryable infrastructure error', async () => {
    kms.on(DecryptCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const sealed = await makeCipher().encrypt(secret, CONTEXT);
    await expect(makeCipher().decrypt(sealed, CONTEXT)).rejects.toBeInstanceOf(InfrastructureError);
  });
});
