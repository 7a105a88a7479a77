/**
 * The provider HTTP client refuses link-local and cloud metadata hosts, in base URLs, in
 * `baseUrlOverride` and in redirects, while loopback (the local sandbox) keeps working.
 *
 * Every request goes through `loopbackOnly`, which forwards to 127.0.0.1 and fails anything else
 * without sending it: a guard that let a metadata host through shows up as a network error
 * instead of a `ProxyConfigError`, and no packet ever leaves the machine.
 */
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { Credentials } from '../../../functions/engine/connection.js';
import { parseProvider, type ProviderInput } from '../../../functions/engine/providers/provider.js';
import { ProviderHttpError, ProxyConfigError } from '../../../functions/engine/http/errors.js';
import { createProviderHttp } from '../../../functions/engine/http/provider-http.js';
import { sendJson, startServer, type RecordedRequest, type TestServer } from './test-server.js';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(handle: (req: RecordedRequest, res: ServerResponse) => void): Promise<TestServer> {
  const server = await startServer(handle);
  servers.push(server);
  return server;
}

function redirect(res: ServerResponse, status: number, location: string): void {
  res.writeHead(status, { location });
  res.end();
}

/**
 * fetch that sends to 127.0.0.1 only and records every URL it was asked for. It never lets the
 * real fetch follow a redirect itself (that hop would bypass this check), so a client that stopped
 * following redirects on its own would fail these tests rather than reach the redirect's target.
 */
function loopbackOnly() {
  const asked: string[] = [];
  const fetchImpl: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    asked.push(url.href);
    if (url.hostname !== '127.0.0.1') throw new Error(`the test does not send to ${url.host}`);
    return fetch(url, { ...init, redirect: 'manual' });
  };
  return { asked, fetch: fetchImpl };
}

function client(baseUrl: string, options: { auth?: ProviderInput['auth']; credentials?: Credentials } = {}) {
  const net = loopbackOnly();
  const sleeps: number[] = [];
  const http = createProviderHttp({
    provider: parseProvider({ baseUrl, auth: options.auth ?? { mode: 'NONE' } }),
    getCredentials: async () => options.credentials ?? { type: 'NONE' },
    fetch: net.fetch,
    sleep: async (ms) => void sleeps.push(ms),
  });
  return { http, asked: net.asked, sleeps };
}

describe('provider HTTP refuses link-local and metadata hosts', () => {
  it.each([
    'http://169.254.169.254/latest',
    'http://169.254.170.2/v2',
    'http://2852039166',
    'http://0xa9.0xfe.0xa9.0xfe',
    'http://169.254.169.254.',
    'http://[::ffff:169.254.169.254]',
    'http://[::ffff:a9fe:a9fe]',
    'http://[64:ff9b::a9fe:a9fe]',
    'http://[fd00:ec2::254]',
    'http://[fe80::1]',
    'http://100.100.100.200',
    'http://metadata.google.internal',
    'http://METADATA.GOOGLE.INTERNAL.',
    'http://instance-data',
    'https://metadata.goog',
  ])('as the base URL %s, without sending anything or retrying', async (baseUrl) => {
    const { http, asked, sleeps } = client(baseUrl);

    const error = await http.get({ endpoint: '/latest/meta-data/iam/security-credentials/', retries: 3 }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ProxyConfigError);
    expect((error as Error).message).toMatch(/^Refusing to call .+: link-local and cloud metadata addresses are never a provider$/);
    expect(asked).toEqual([]);
    expect(sleeps).toEqual([]);
  });

  it('as a baseUrlOverride', async () => {
    const provider = await serve((_req, res) => sendJson(res, 200, {}));
    const { http, asked } = client(provider.baseUrl);

    await expect(http.get({ endpoint: '/latest/meta-data', baseUrlOverride: 'http://169.254.169.254' })).rejects.toBeInstanceOf(ProxyConfigError);
    await expect(http.get({ endpoint: 'http://[fd00:ec2::254]/latest', baseUrlOverride: 'http://[fd00:ec2::254]' })).rejects.toBeInstanceOf(ProxyConfigError);
    expect(asked).toEqual([]);
  });

  it.each(['http://169.254.169.254/latest/meta-data/iam/', 'http://[::ffff:a9fe:a9fe]/', 'http://metadata.google.internal/computeMetadata/v1/'])(
    'as the target of a redirect to %s, before following it',
    async (location) => {
      const provider = await serve((_req, res) => redirect(res, 302, location));
      const { http, asked } = client(provider.baseUrl);

      await expect(http.get({ endpoint: '/contacts', retries: 2 })).rejects.toBeInstanceOf(ProxyConfigError);
      expect(asked).toEqual([`${provider.baseUrl}/contacts`]);
      expect(provider.requests).toHaveLength(1);
    },
  );
});

describe('provider HTTP still reaches loopback and follows safe redirects', () => {
  it('calls a provider on 127.0.0.1 (the local sandbox)', async () => {
    const provider = await serve((_req, res) => sendJson(res, 200, { ok: true }));
    const { http } = client(provider.baseUrl);

    expect(await http.get({ endpoint: '/contacts' })).toMatchObject({ status: 200, data: { ok: true } });
  });

  it('follows a same-origin redirect with the method, body and credentials unchanged (307)', async () => {
    const provider = await serve((req, res) => (req.path === '/old' ? redirect(res, 307, '/new') : sendJson(res, 200, { path: req.path })));
    const { http } = client(provider.baseUrl, { auth: { mode: 'OAUTH2' }, credentials: { type: 'OAUTH2', accessToken: 'at-1' } });

    const res = await http.post({ endpoint: '/old', data: { a: 1 } });

    expect(res.data).toEqual({ path: '/new' });
    expect(provider.requests.map((r) => [r.method, r.path, r.body, r.headers.authorization])).toEqual([
      ['POST', '/old', '{"a":1}', 'Bearer at-1'],
      ['POST', '/new', '{"a":1}', 'Bearer at-1'],
    ]);
  });

  it('turns a POST into a bodiless GET after 303, as fetch does', async () => {
    const provider = await serve((req, res) => (req.path === '/jobs' ? redirect(res, 303, '/jobs/1') : sendJson(res, 200, { id: 1 })));
    const { http } = client(provider.baseUrl);

    await http.post({ endpoint: '/jobs', data: { run: true } });

    const [, followed] = provider.requests;
    expect([followed?.method, followed?.path, followed?.body, followed?.headers['content-type']]).toEqual(['GET', '/jobs/1', '', undefined]);
  });

  it('drops the Authorization header on a cross-origin redirect, as fetch does', async () => {
    const files = await serve((_req, res) => sendJson(res, 200, { file: true }));
    const provider = await serve((_req, res) => redirect(res, 302, `${files.baseUrl}/download`));
    const { http } = client(provider.baseUrl, { auth: { mode: 'OAUTH2' }, credentials: { type: 'OAUTH2', accessToken: 'at-2' } });

    expect((await http.get({ endpoint: '/export' })).data).toEqual({ file: true });
    expect(provider.requests[0]?.headers.authorization).toBe('Bearer at-2');
    expect(files.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('gives up after 20 redirects with a network error', async () => {
    const provider = await serve((req, res) => redirect(res, 302, `/hop${Number(req.path.slice(4) || 0) + 1}`));
    const { http } = client(provider.baseUrl);

    const error = await http.get({ endpoint: '/hop0' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ProviderHttpError);
    expect((error as Error).message).toMatch(/network error \(redirect count exceeded\)/);
    expect(provider.requests).toHaveLength(21);
  });
});
