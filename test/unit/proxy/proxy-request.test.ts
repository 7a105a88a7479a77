import { describe, expect, it } from 'vitest';
import { PROXY_MAX_BINARY_RESPONSE_BYTES, PROXY_MAX_LAMBDA_BODY_BYTES, PROXY_MAX_TEXT_RESPONSE_BYTES } from '../../../functions/engine/proxy/limits.js';
import { json } from '../http/fake-fetch.js';
import { ACCESS_TOKEN, API_KEY, KEYED, OAUTH, startProxyKit, text } from './proxy-kit.js';

const ok = () => json(200, { ok: true });

describe('proxyRequest: what reaches the provider', () => {
  it('injects the API key per the provider template and passes path, raw query, headers and body on', async () => {
    const kit = await startProxyKit(ok);
    const body = new TextEncoder().encode('{"name":"Ada"}');
    const outcome = await kit.call({ method: 'POST', path: '/contacts/a%2Fb', query: 'filter=a:b&x=1+2', headers: { 'x-api-version': '2', 'content-type': 'application/json' }, body });

    expect(outcome).toMatchObject({ kind: 'response', status: 200 });
    expect(kit.calls).toHaveLength(1);
    const [sent] = kit.calls;
    expect(sent!.method).toBe('POST');
    expect(sent!.url.href).toBe('https://api.keyed.example/v1/contacts/a%2Fb?filter=a:b&x=1+2');
    expect(sent!.headers.get('x-api-key')).toBe(API_KEY);
    expect(sent!.headers.get('authorization')).toBeNull();
    expect(sent!.headers.get('x-api-version')).toBe('2');
    expect(sent!.headers.get('content-type')).toBe('application/json');
    expect(sent!.body).toBe('{"name":"Ada"}');
  });

  it('injects the OAuth bearer token, on the base URL rendered from the connection config', async () => {
    const kit = await startProxyKit(ok);
    await kit.call({ providerConfigKey: OAUTH, connectionId: 'o1', path: '/me' });
    expect(kit.calls[0]!.url.href).toBe('https://api.oauth.example/api/me');
    expect(kit.calls[0]!.headers.get('authorization')).toBe(`Bearer ${ACCESS_TOKEN}`);
  });

  it('asks for an uncompressed body with Decompress: false', async () => {
    const kit = await startProxyKit(ok);
    await kit.call({ decompress: false });
    expect(kit.calls[0]!.headers.get('accept-encoding')).toBe('identity');
  });

  it('refreshes the token on a 401 and retries once', async () => {
    const kit = await startProxyKit((call) => {
      if (call.url.href === 'https://auth.example/token') return json(200, { access_token: 'at-new-9b2c', refresh_token: 'rt-2', expires_in: 3600 });
      return call.headers.get('authorization') === 'Bearer at-new-9b2c' ? json(200, { me: 'ada' }) : json(401, { error: 'expired' });
    });
    const outcome = await kit.call({ providerConfigKey: OAUTH, connectionId: 'o1', path: '/me' });
    expect(outcome.kind === 'response' && text(outcome.body)).toBe('{"me":"ada"}');
    expect(kit.calls.map((c) => c.url.pathname)).toEqual(['/api/me', '/token', '/api/me']);
  });

  it('answers 424 when the refresh fails, without a second provider call', async () => {
    const kit = await startProxyKit((call) => (call.url.pathname === '/token' ? json(400, { error: 'invalid_grant' }) : json(401, { error: 'expired' })));
    const outcome = await kit.call({ providerConfigKey: OAUTH, connectionId: 'o1', path: '/me' });
    expect(outcome).toMatchObject({ kind: 'refused', status: 424, code: 'invalid_credentials' });
    expect(kit.calls.filter((c) => c.url.pathname === '/api/me')).toHaveLength(1);
  });

  it('marks the connection when the provider refuses the grant, so the auth.refresh_error webhook follows', async () => {
    const kit = await startProxyKit((call) => (call.url.pathname === '/token' ? json(400, { error: 'invalid_grant' }) : json(401, { error: 'expired' })));
    await kit.call({ providerConfigKey: OAUTH, connectionId: 'o1', path: '/me' });
    const connection = await kit.state.connections.find(OAUTH, 'o1');
    expect(connection?.authError).toMatchObject({ type: 'auth', message: expect.stringMatching(/invalid_grant/) });
    // Marked: the next call is refused without reaching the provider.
    const before = kit.calls.length;
    expect(await kit.call({ providerConfigKey: OAUTH, connectionId: 'o1', path: '/me' })).toMatchObject({ kind: 'refused', status: 424 });
    expect(kit.calls).toHaveLength(before);
  });

  it('does not mark the connection when the token URL fails in a way that may pass (503)', async () => {
    const kit = await startProxyKit((call) => (call.url.pathname === '/token' ? json(503, { error: 'busy' }) : json(401, { error: 'expired' })));
    expect(await kit.call({ providerConfigKey: OAUTH, connectionId: 'o1', path: '/me' })).toMatchObject({ kind: 'refused', status: 424 });
    expect((await kit.state.connections.find(OAUTH, 'o1'))?.authError).toBeUndefined();
  });
});

describe('proxyRequest: the answer', () => {
  it('passes a provider failure back as it was sent, and drops hop and now-wrong headers', async () => {
    const kit = await startProxyKit(() =>
      json(404, { message: 'Not Found' }, { 'set-cookie': 'sid=1', 'content-encoding': 'gzip', 'x-request-id': 'r-1', 'access-control-allow-origin': '*', connection: 'keep-alive' }),
    );
    const outcome = await kit.call({});
    expect(outcome.kind).toBe('response');
    if (outcome.kind !== 'response') return;
    expect(outcome.status).toBe(404);
    expect(JSON.parse(text(outcome.body))).toEqual({ message: 'Not Found' });
    expect(outcome.headers).toEqual({ 'content-type': 'application/json', 'x-request-id': 'r-1' });
  });

  it('passes binary bodies back byte for byte', async () => {
    const bytes = new Uint8Array([0, 255, 1, 254, 0x89, 0x50]);
    const kit = await startProxyKit(() => new Response(bytes, { status: 200, headers: { 'content-type': 'image/png' } }));
    const outcome = await kit.call({});
    expect(outcome.kind === 'response' && [...outcome.body]).toEqual([...bytes]);
  });

  it('refuses answers above the cap with 502, text and binary apart', async () => {
    const answer = (size: number, type: string) => () => new Response(new Uint8Array(size).fill(0x78), { status: 200, headers: { 'content-type': type } });
    const textKit = await startProxyKit(answer(PROXY_MAX_TEXT_RESPONSE_BYTES, 'application/json'));
    expect(await textKit.call({})).toMatchObject({ kind: 'response', status: 200 });
    const bigText = await startProxyKit(answer(PROXY_MAX_TEXT_RESPONSE_BYTES + 1, 'application/json'));
    expect(await bigText.call({ retries: 3 })).toMatchObject({ kind: 'refused', status: 502, code: 'response_too_large' });
    expect(bigText.calls).toHaveLength(1); // never retried
    const bigBinary = await startProxyKit(answer(PROXY_MAX_BINARY_RESPONSE_BYTES + 1, 'application/pdf'));
    expect(await bigBinary.call({})).toMatchObject({ kind: 'refused', status: 502, code: 'response_too_large' });
  });

  it('refuses text whose JSON-escaped form would not fit the Lambda result, success or failure', async () => {
    // 3.1 MB of quotes: under the 5 MB download cap, 6.2 MB once escaped in the result.
    const quotes = '"'.repeat(3_100_000);
    for (const status of [200, 500]) {
      const kit = await startProxyKit(() => new Response(quotes, { status, headers: { 'content-type': 'application/json' } }));
      expect(await kit.call({})).toMatchObject({ kind: 'refused', status: 502, code: 'response_too_large' });
    }
    const fits = '"'.repeat(PROXY_MAX_LAMBDA_BODY_BYTES / 2 - 2);
    const kit = await startProxyKit(() => new Response(fits, { status: 200, headers: { 'content-type': 'text/plain' } }));
    expect(await kit.call({})).toMatchObject({ kind: 'response', status: 200 });
  });

  it('counts a streamed body without Content-Length as it arrives', async () => {
    const chunk = new Uint8Array(1_000_000);
    const kit = await startProxyKit(
      () =>
        new Response(
          new ReadableStream({
            pull(controller) {
              controller.enqueue(chunk); // endless: only the cap stops it
            },
          }),
          { status: 200, headers: { 'content-type': 'application/octet-stream' } },
        ),
    );
    expect(await kit.call({})).toMatchObject({ kind: 'refused', status: 502, code: 'response_too_large' });
  });

  it('logs method, path, status and time: never the query, a header or the key', async () => {
    const kit = await startProxyKit(ok);
    await kit.call({ path: '/contacts', query: 'email=ada@example.com', headers: { 'x-secret': 'hdr-secret' } });
    const lines = kit.logs.map((l) => l.message).join('\n');
    expect(lines).toMatch(/^proxy GET \/contacts -> 200 in \d+ ms$/m);
    for (const secret of ['ada@example.com', 'hdr-secret', API_KEY]) expect(lines).not.toContain(secret);
  });
});

describe('proxyRequest: refusals', () => {
  it('answers unknown integrations, unknown connections and connections needing re-authorization', async () => {
    const kit = await startProxyKit(ok);
    expect(await kit.call({ providerConfigKey: 'nope' })).toMatchObject({ kind: 'refused', status: 404, code: 'unknown_provider_config' });
    expect(await kit.call({ connectionId: 'nope' })).toMatchObject({ kind: 'refused', status: 400, code: 'unknown_connection' });
    const connection = (await kit.state.connections.getWithCredentials(KEYED, 'k1'))!;
    await kit.state.connections.put({ ...connection, authError: { type: 'auth', message: 'invalid_grant', at: connection.updatedAt } });
    expect(await kit.call({})).toMatchObject({ kind: 'refused', status: 424, code: 'invalid_credentials' });
    expect(kit.calls).toHaveLength(0);
  });

  it('answers 400 when the base URL needs a config value the connection lacks', async () => {
    const kit = await startProxyKit(ok);
    const connection = (await kit.state.connections.getWithCredentials(OAUTH, 'o1'))!;
    await kit.state.connections.put({ ...connection, connectionConfig: {} });
    expect(await kit.call({ providerConfigKey: OAUTH, connectionId: 'o1' })).toMatchObject({ kind: 'refused', status: 400, code: 'invalid_request' });
    expect(kit.calls).toHaveLength(0);
  });
});

describe('proxyRequest: retries', () => {
  it('retries the statuses of Retry-On besides 429 and 5xx, only as many times as asked', async () => {
    const kit = await startProxyKit((_, index) => (index < 2 ? json(409, { error: 'locked' }) : ok()));
    expect(await kit.call({ retries: 1, retryOn: [409] })).toMatchObject({ kind: 'response', status: 409 });
    expect(kit.calls).toHaveLength(2);
    const again = await startProxyKit((_, index) => (index < 2 ? json(409, { error: 'locked' }) : ok()));
    expect(await again.call({ retries: 2, retryOn: [409] })).toMatchObject({ kind: 'response', status: 200 });
    const without = await startProxyKit(() => json(409, { error: 'locked' }));
    expect(await without.call({ retries: 2 })).toMatchObject({ kind: 'response', status: 409 });
    expect(without.calls).toHaveLength(1);
  });
});

describe('proxyRequest: the time budget', () => {
  it('makes no retry whose wait ends past the budget, and passes the last answer back', async () => {
    let now = 1_000_000;
    const kit = await startProxyKit(() => json(503, { error: 'busy' }, { 'retry-after': '10' }), {
      now: () => now,
      sleep: async (ms) => {
        now += ms;
      },
    });
    const outcome = await kit.call({ retries: 5 });
    // Waits of 10 s at 0 s and 10 s fit the 25 s budget; the third would end at 30 s.
    expect(kit.calls).toHaveLength(3);
    expect(outcome).toMatchObject({ kind: 'response', status: 503 });
  });

  it('cuts an attempt at the budget: 504, whatever the retries', async () => {
    const kit = await startProxyKit(
      (call) =>
        new Promise<Response>((_, reject) => {
          call.signal?.addEventListener('abort', () => reject(call.signal!.reason));
        }),
      { budgetMs: 50 },
    );
    const started = Date.now();
    expect(await kit.call({ retries: 3 })).toMatchObject({ kind: 'refused', status: 504, code: 'provider_timeout' });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(kit.calls).toHaveLength(1);
  });
});
