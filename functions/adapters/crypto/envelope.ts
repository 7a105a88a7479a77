/**
 * The envelope both secret ciphers write (KMS in AWS, a key file locally):
 *
 *   [version: 1 byte][len: uint16 BE][encrypted data key: len bytes][iv: 12][tag: 16][ciphertext]
 *
 * The version byte names the format and who wraps the data key (1 = KMS, 2 = local key file),
 * so a ciphertext handed to the wrong cipher fails with a clear message. The payload is
 * AES-256-GCM under a fresh data key, with the canonical context as additional data: a
 * ciphertext moved to another connection fails here even when its data key came from a cache.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export const ENVELOPE_VERSION = { kms: 1, localKeyFile: 2 } as const;
export type EnvelopeVersion = (typeof ENVELOPE_VERSION)[keyof typeof ENVELOPE_VERSION];

const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 3;

/** A ciphertext that cannot be opened: tampered, truncated, or bound to another context or key. */
export class SecretDecryptError extends Error {
  override readonly name = 'SecretDecryptError';
}

export interface Envelope {
  version: EnvelopeVersion;
  encryptedKey: Uint8Array;
  iv: Uint8Array;
  tag: Uint8Array;
  ciphertext: Uint8Array;
}

/**
 * The context as stable bytes: keys sorted, so `{a, b}` and `{b, a}` bind the same way.
 * JSON of the entry list keeps `{"a": "b=c"}` and `{"a=b": "c"}` distinct.
 */
export function canonicalContext(context: Record<string, string>): Buffer {
  const entries = Object.entries(context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.from(JSON.stringify(entries), 'utf8');
}

/** AES-256-GCM with a random 12-byte IV; `aad` is authenticated, not stored. */
export function sealGcm(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): { iv: Buffer; tag: Buffer; ciphertext: Buffer } {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, tag: cipher.getAuthTag(), ciphertext };
}

/** Opens what `sealGcm` produced; a wrong key, AAD, IV or tag throws `SecretDecryptError`. */
export function openGcm(key: Uint8Array, parts: { iv: Uint8Array; tag: Uint8Array; ciphertext: Uint8Array }, aad: Uint8Array): Buffer {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, parts.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(parts.tag);
    return Buffer.concat([decipher.update(parts.ciphertext), decipher.final()]);
  } catch (error) {
    throw new SecretDecryptError('the secret could not be decrypted: it was altered or belongs to another context', { cause: error });
  }
}

export function encodeEnvelope(envelope: Envelope): Uint8Array {
  if (envelope.encryptedKey.length > 0xffff) throw new Error('the encrypted data key is too long for the envelope');
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt8(envelope.version, 0);
  header.writeUInt16BE(envelope.encryptedKey.length, 1);
  return new Uint8Array(Buffer.concat([header, envelope.encryptedKey, envelope.iv, envelope.tag, envelope.ciphertext]));
}

export function decodeEnvelope(bytes: Uint8Array, expected: EnvelopeVersion): Envelope {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length < HEADER_BYTES) throw new SecretDecryptError('the ciphertext is truncated');
  const version = buffer.readUInt8(0);
  if (version !== expected) {
    throw new SecretDecryptError(`the ciphertext has envelope version ${version}, this cipher reads version ${expected}`);
  }
  const keyLength = buffer.readUInt16BE(1);
  const ivAt = HEADER_BYTES + keyLength;
  const tagAt = ivAt + IV_BYTES;
  const dataAt = tagAt + TAG_BYTES;
  if (buffer.length < dataAt) throw new SecretDecryptError('the ciphertext is truncated');
  return {
    version,
    encryptedKey: buffer.subarray(HEADER_BYTES, ivAt),
    iv: buffer.subarray(ivAt, tagAt),
    tag: buffer.subarray(tagAt, dataAt),
    ciphertext: buffer.subarray(dataAt),
  };
}
