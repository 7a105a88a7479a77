/**
 * Where a proxied request may go. Every test here asserts the refusal and that the fake fetch
 * saw nothing: no request leaves.
 */
import { describe, expect, it } from 'vitest';
import { json } from '../http/fake-fetch.js';
import { OAUTH, startProxyKit } from './proxy-kit.js';

const ok = () => json(200, { ok: true });

describe('proxyRequest: SSRF', () => {
  it.each(['http://169.254.169.254', 'http://169.254.170.2/v2/credentials', 'http://[fd00:ec2::254]', 'http://metadata.google.internal', 'http://[::ffff:169.254.169.254]', 'http://2852039166'])(
    'never calls the metadata address %s, even where private addresses are allowed',
    async (override) => {
      const kit = await startProxyKit(ok, { allowPrivate: true });
      expect(await kit.call({ baseUrlOverride: override, path: '/latest/meta-data/' })).toMatchObject({ kind: 'refused', status: 400, code: 'base_url_override_not_allowed' });
      expect(kit.calls).toHaveLength(0);
    },
  );

  it.each([
    'https://10.0.0.1',
    'https://[::ffff:127.0.0.1]',
    'https://127.0.0.1:8080',
    'https://localhost:3000',
    'https://192.168.1.10',
    'https://[::1]',
    'https://0.0.0.0',
    'https://[::127.0.0.1]',
    'https://[64:ff9b:1::a00:1]',
  ])('refuses the private address %s when private addresses are not allowed (the default)', async (override) => {
    const kit = await startProxyKit(ok);
    expect(await kit.call({ baseUrlOverride: override })).toMatchObject({ kind: 'refused', status: 400, code: 'base_url_override_not_allowed', message: expect.stringMatching(/private/) });
    expect(kit.calls).toHaveLength(0);
  });

  it('takes only an https override when private addresses are not allowed: the credentials go to it', async () => {
    const kit = await startProxyKit(ok);
    const outcome = await kit.call({ baseUrlOverride: 'http://api.other.example' });
    expect(outcome).toMatchObject({ kind: 'refused', status: 400, code: 'base_url_override_not_allowed', message: expect.stringMatching(/https/) });
    expect(kit.calls).toHaveLength(0);
    expect(await kit.call({ baseUrlOverride: 'https://api.other.example' })).toMatchObject({ kind: 'response', status: 200 });
    expect(kit.calls[0]!.url.href).toBe('https://api.other.example/things');
  });

  it('takes an http override where private addresses are allowed (the local runtime)', async () => {
    const kit = await startProxyKit(ok, { allowPrivate: true });
    expect(await kit.call({ baseUrlOverride: 'http://api.other.example' })).toMatchObject({ kind: 'response', status: 200 });
  });

  it('calls a private address where allowed (the local runtime)', async () => {
    const kit = await startProxyKit(ok, { allowPrivate: true });
    expect(await kit.call({ baseUrlOverride: 'http://10.0.0.1' })).toMatchObject({ kind: 'response', status: 200 });
    expect(kit.calls[0]!.url.href).toBe('http://10.0.0.1/things');
  });

  it('refuses a private address that comes from the connection config in the base URL', async () => {
    const kit = await startProxyKit(ok);
    const connection = (await kit.state.connections.getWithCredentials(OAUTH, 'o1'))!;
    await kit.state.connections.put({ ...connection, connectionConfig: { host: '10.1.2.3' } });
    expect(await kit.call({ providerConfigKey: OAUTH, connectionId: 'o1' })).toMatchObject({ kind: 'refused', status: 400, code: 'base_url_override_not_allowed' });
    expect(kit.calls).toHaveLength(0);
  });

  it('refuses a redirect to a private address before following it', async () => {
    const kit = await startProxyKit(() => new Response(null, { status: 302, headers: { location: 'http://127.0.0.1/admin' } }));
    expect(await kit.call({ retries: 2 })).toMatchObject({ kind: 'refused', status: 400, code: 'base_url_override_not_allowed' });
    expect(kit.calls.map((c) => c.url.host)).toEqual(['api.keyed.example']);
  });

  it('refuses what the fetch refused at connect time (a name resolving to a private address), without retrying', async () => {
    const { RefusedHostError } = await import('../../../functions/engine/http/errors.js');
    const kit = await startProxyKit(() => {
      throw new TypeError('fetch failed', { cause: new RefusedHostError('Refusing to call rebind.example: it resolved to a non-public address', { refusedAddress: '10.9.8.7' }) });
    });
    const outcome = await kit.call({ baseUrlOverride: 'https://rebind.example', retries: 3 });
    expect(outcome).toMatchObject({ kind: 'refused', status: 400, code: 'base_url_override_not_allowed' });
    expect(kit.calls).toHaveLength(1);
    // The resolved address is the log's, not the caller's.
    expect(JSON.stringify(outcome)).not.toContain('10.9.8.7');
    expect(kit.logs.some((l) => l.level === 'warn' && l.message.includes('10.9.8.7'))).toBe(true);
  });
});
