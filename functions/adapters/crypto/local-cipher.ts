/**
 * Envelope encryption with a master key in a file (the `SecretCipher` port locally), so the
 * local runtime stores credentials the way AWS does — never in plain text — without KMS.
 *
 * The master key is 32 random bytes in `<dataDir>/master.key` (mode 0600, created on first
 * use). Each secret gets a fresh 32-byte data key; the data key is wrapped with AES-256-GCM
 * under the master key and the payload with AES-256-GCM under the data key, both with the
 * context as additional data. The envelope layout is the KMS one (`envelope.ts`) with version 2,
 * the encrypted data key being `[iv][tag][wrapped key]`.
 *
 * Anyone who can read the key file can read the secrets: it protects a copied data dir or a
 * leaked table dump, not a compromised machine. Losing the file makes the stored credentials
 * unreadable (re-import the connections).
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SecretCipher } from '../../engine/ports.js';
import { canonicalContext, decodeEnvelope, encodeEnvelope, ENVELOPE_VERSION, openGcm, sealGcm, SecretDecryptError } from './envelope.js';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class LocalKeyFileCipher implements SecretCipher {
  /** Use `open(file)`; this constructor is for a key already in memory (tests). */
  constructor(private readonly masterKey: Uint8Array) {
    if (masterKey.length !== KEY_BYTES) throw new Error(`the master key must be ${KEY_BYTES} bytes, got ${masterKey.length}`);
  }

  /**
   * Reads the master key from `file`, creating it (and its directory) with mode 0600 when
   * missing. Two processes starting at once agree on one key: the file appears atomically and
   * only once, and the loser reads the winner's key.
   */
  static async open(file: string): Promise<LocalKeyFileCipher> {
    const existing = await readKey(file);
    if (existing) return new LocalKeyFileCipher(existing);
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    // Written whole under a temporary name, then linked into place: a reader never sees a
    // half-written key, and link() fails if another process got there first.
    const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(temporary, randomBytes(KEY_BYTES), { mode: 0o600, flag: 'wx' });
    try {
      await link(temporary, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      await unlink(temporary);
    }
    const created = await readKey(file);
    if (!created) throw new Error(`the master key file ${file} could not be created`);
    return new LocalKeyFileCipher(created);
  }

  async encrypt(plaintext: Uint8Array, context: Record<string, string>): Promise<Uint8Array> {
    const aad = canonicalContext(context);
    const dataKey = randomBytes(KEY_BYTES);
    try {
      const wrapped = sealGcm(this.masterKey, dataKey, aad);
      const sealed = sealGcm(dataKey, plaintext, aad);
      const encryptedKey = Buffer.concat([wrapped.iv, wrapped.tag, wrapped.ciphertext]);
      return encodeEnvelope({ version: ENVELOPE_VERSION.localKeyFile, encryptedKey, ...sealed });
    } finally {
      dataKey.fill(0);
    }
  }

  async decrypt(ciphertext: Uint8Array, context: Record<string, string>): Promise<Uint8Array> {
    const envelope = decodeEnvelope(ciphertext, ENVELOPE_VERSION.localKeyFile);
    const aad = canonicalContext(context);
    const wrapped = envelope.encryptedKey;
    if (wrapped.length !== IV_BYTES + TAG_BYTES + KEY_BYTES) throw new SecretDecryptError('the wrapped data key has the wrong length');
    const dataKey = openGcm(
      this.masterKey,
      {
        iv: wrapped.subarray(0, IV_BYTES),
        tag: wrapped.subarray(IV_BYTES, IV_BYTES + TAG_BYTES),
        ciphertext: wrapped.subarray(IV_BYTES + TAG_BYTES),
      },
      aad,
    );
    try {
      return new Uint8Array(openGcm(dataKey, envelope, aad));
    } finally {
      dataKey.fill(0);
    }
  }
}

async function readKey(file: string): Promise<Buffer | null> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  if (bytes.length !== KEY_BYTES) throw new Error(`the master key file ${file} must hold exactly ${KEY_BYTES} bytes, it has ${bytes.length}`);
  return bytes;
}
