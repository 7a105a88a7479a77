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

  it.each(['http://10.0.0.1', 'http://[::ffff:127.0.0.1]', 'http://127.0.0.1:8080', 'http://localhost:3000', 'http://192.168.1.10', 'http://[::1]', 'http://0.0.0.0'])(
    'refuses the private address %s when private addresses are not allowed (the default)',
    async (override) => {
      const kit = await startProxyKit(ok);
      expect(await kit.call({ baseUrlOverride: override })).toMatchObject({ kind: 'refused', status: 400, code: 'base_url_override_not_allowed' });
      expect(kit.calls).toHaveLength(0);
    },
  );

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
      throw new TypeError('fetch failed', { cause: new RefusedHostError('Refusing to call rebind.example (127.0.0.1)') });
    });
    expect(await kit.call({ baseUrlOverride: 'https://rebind.example', retries: 3 })).toMatchObject({ kind: 'refused', status: 400, code: 'base_url_override_not_allowed' });
    expect(kit.calls).toHaveLength(1);
  });
});
