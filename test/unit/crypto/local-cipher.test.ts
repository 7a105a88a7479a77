import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SecretDecryptError } from '../../../functions/adapters/crypto/envelope.js';
import { LocalKeyFileCipher } from '../../../functions/adapters/crypto/local-cipher.js';

const CONTEXT = { providerConfigKey: 'hubspot', connectionId: 'acme' };
const secret = Buffer.from('{"type":"OAUTH2","accessToken":"at-secret","refreshToken":"rt-secret"}');
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'syncline-cipher-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('LocalKeyFileCipher', () => {
  it('creates a 32-byte master key with mode 0600 (and its directory) on first open', async () => {
    const file = join(dir, 'data', 'master.key');
    await LocalKeyFileCipher.open(file);

    expect((await readFile(file)).length).toBe(32);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('round-trips through a reopened key file, without the plaintext in the envelope', async () => {
    const file = join(dir, 'master.key');
    const sealed = await (await LocalKeyFileCipher.open(file)).encrypt(secret, CONTEXT);

    expect(sealed[0]).toBe(2);
    expect(Buffer.from(sealed).includes(Buffer.from('at-secret'))).toBe(false);
    const reopened = await LocalKeyFileCipher.open(file);
    expect(text(await reopened.decrypt(sealed, CONTEXT))).toBe(text(secret));
    // Context key order does not matter.
    expect(text(await reopened.decrypt(sealed, { connectionId: 'acme', providerConfigKey: 'hubspot' }))).toBe(text(secret));
  });

  it('refuses another context, a tampered envelope and another master key', async () => {
    const cipher = await LocalKeyFileCipher.open(join(dir, 'master.key'));
    const sealed = await cipher.encrypt(secret, CONTEXT);

    await expect(cipher.decrypt(sealed, { ...CONTEXT, connectionId: 'globex' })).rejects.toBeInstanceOf(SecretDecryptError);
    for (const at of [3, 20, 3 + 60, 3 + 60 + 12, sealed.length - 1]) {
      const tampered = Uint8Array.from(sealed);
      tampered[at] = tampered[at]! ^ 0x80;
      await expect(cipher.decrypt(tampered, CONTEXT), `byte ${at}`).rejects.toBeInstanceOf(SecretDecryptError);
    }
    const other = await LocalKeyFileCipher.open(join(dir, 'other.key'));
    await expect(other.decrypt(sealed, CONTEXT)).rejects.toBeInstanceOf(SecretDecryptError);
  });

  it('agrees on one key when opened concurrently', async () => {
    const file = join(dir, 'master.key');
    const ciphers = await Promise.all(Array.from({ length: 8 }, () => LocalKeyFileCipher.open(file)));
    const sealed = await ciphers[0]!.encrypt(secret, CONTEXT);
    for (const cipher of ciphers) expect(text(await cipher.decrypt(sealed, CONTEXT))).toBe(text(secret));
  });

  it('refuses a key file of the wrong size', async () => {
    const file = join(dir, 'master.key');
    await writeFile(file, 'too short');
    await expect(LocalKeyFileCipher.open(file)).rejects.toThrow(/exactly 32 bytes/);
  });
});
