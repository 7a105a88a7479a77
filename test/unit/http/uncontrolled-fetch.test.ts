/**
 * `uncontrolledFetch`: fetch's own `Response`, no credentials added, non-2xx returned as is;
 * refused before any connection: metadata and link-local hosts (also as a redirect target),
 * non-http(s) URLs, and private or loopback hosts unless `allowPrivate`. The fake fetch below
 * sends nothing, and the refusal tests assert it was never asked.
 */
import { describe, expect, it } from 'vitest';
import { ProxyConfigError } from '../../../functions/engine/http/errors.js';
import { uncontrolledFetch } from '../../../functions/engine/http/uncontrolled-fetch.js';
import { fakeFetch, json } from './fake-fetch.js';

describe('uncontrolledFetch', () => {
  it("returns fetch's Response, sending only what the script gave", async () => {
    const net = fakeFetch(() => new Response('a,b\n1,2\n', { status: 200, headers: { 'content-type': 'text/csv' } }));

    const res = await uncontrolledFetch({ url: new URL('https://files.example.com/report.csv?sig=abc'), method: 'post', headers: { 'X-Sig': 's' }, body: '{"q":1}' }, { fetch: net.fetch });

    expect(res).toBeInstanceOf(Response);
    expect(await res.text()).toBe('a,b\n1,2\n');
    const [call] = net.calls;
    expect([call?.url.href, call?.method, call?.body]).toEqual(['https://files.example.com/report.csv?sig=abc', 'POST', '{"q":1}']);
    expect([...call!.headers.keys()]).toEqual(['x-sig']);
  });

  it('returns a non-2xx answer instead of throwing', async () => {
    const net = fakeFetch(() => json(404, { error: 'gone' }));
    const res = await uncontrolledFetch({ url: 'https://files.example.com/x' }, { fetch: net.fetch });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'gone' });
  });

  it('runs beforeCall first and lets it stop the call', async () => {
    const net = fakeFetch(() => json(200, {}));
    const stop = () => {
      throw new Error('deadline reached');
    };
    await expect(uncontrolledFetch({ url: 'https://files.example.com/x' }, { fetch: net.fetch, beforeCall: stop })).rejects.toThrow('deadline reached');
    expect(net.calls).toHaveLength(0);
  });

  it.each([
    'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
    'http://[fd00:ec2::254]/latest',
    'http://[::ffff:169.254.169.254]/',
    'http://2852039166/',
    'http://metadata.google.internal/computeMetadata/v1/',
  ])('refuses the metadata address %s without calling fetch, even with allowPrivate', async (url) => {
    const net = fakeFetch(() => json(200, {}));
    const error = await uncontrolledFetch({ url }, { fetch: net.fetch, allowPrivate: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProxyConfigError);
    expect((error as Error).message).toMatch(/link-local and cloud metadata/);
    expect(net.calls).toHaveLength(0);
  });

  it('refuses a redirect to a metadata address before following it', async () => {
    const net = fakeFetch(() => new Response(null, { status: 302, headers: { location: 'http://169.254.169.254/latest/' } }));
    await expect(uncontrolledFetch({ url: 'https://files.example.com/x' }, { fetch: net.fetch })).rejects.toBeInstanceOf(ProxyConfigError);
    expect(net.calls.map((c) => c.url.href)).toEqual(['https://files.example.com/x']);
  });

  it('follows a safe redirect and returns a redirect without Location as is', async () => {
    const net = fakeFetch((call) =>
      call.url.pathname === '/old' ? new Response(null, { status: 301, headers: { location: '/new' } }) : call.url.pathname === '/new' ? json(200, { at: 'new' }) : new Response(null, { status: 302 }),
    );
    expect(await (await uncontrolledFetch({ url: 'https://files.example.com/old' }, { fetch: net.fetch })).json()).toEqual({ at: 'new' });
    expect((await uncontrolledFetch({ url: 'https://files.example.com/nowhere' }, { fetch: net.fetch })).status).toBe(302);
  });

  it.each(['file:///etc/passwd', 'ftp://files.example.com/x', 'data:text/plain,hi', 'not a url'])('refuses %s as not http(s)', async (url) => {
    const net = fakeFetch(() => json(200, {}));
    await expect(uncontrolledFetch({ url }, { fetch: net.fetch })).rejects.toThrow(/http\(s\) URL|http and https/);
    expect(net.calls).toHaveLength(0);
  });

  it('refuses a redirect to a non-http(s) scheme', async () => {
    const net = fakeFetch(() => new Response(null, { status: 302, headers: { location: 'file:///etc/passwd' } }));
    await expect(uncontrolledFetch({ url: 'https://files.example.com/x' }, { fetch: net.fetch })).rejects.toThrow(/only http and https/);
    expect(net.calls).toHaveLength(1);
  });

  it.each(['http://127.0.0.1:8080/x', 'http://10.0.0.5/x', 'http://[::1]/x', 'http://localhost:3000/x'])('refuses the private host %s unless allowPrivate', async (url) => {
    const net = fakeFetch(() => json(200, { ok: true }));
    await expect(uncontrolledFetch({ url }, { fetch: net.fetch })).rejects.toThrow(/private, loopback and reserved/);
    expect(net.calls).toHaveLength(0);
    expect((await uncontrolledFetch({ url }, { fetch: net.fetch, allowPrivate: true })).status).toBe(200);
  });

  it('refuses a body on GET', async () => {
    const net = fakeFetch(() => json(200, {}));
    await expect(uncontrolledFetch({ url: 'https://files.example.com/x', body: 'x' }, { fetch: net.fetch })).rejects.toBeInstanceOf(ProxyConfigError);
    expect(net.calls).toHaveLength(0);
  });
});
