import type { ServerResponse } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connection, Credentials, ProviderConfig } from '../../../functions/engine/connection.js';
import { catalogProvider } from '../../../functions/engine/providers/catalog.js';
import { parseProvider, type ProviderInput } from '../../../functions/engine/providers/provider.js';
import { CredentialsRefreshError, makeCredentialsProvider } from '../../../functions/engine/credentials.js';
import { createProviderHttp } from '../../../functions/engine/http/provider-http.js';
import type { Clock, ConnectionInfo } from '../../../functions/engine/ports.js';
import { sendJson, startServer, type RecordedRequest, type TestServer } from '../http/test-server.js';

const NOW = Date.parse('2025-06-01T12:00:00.000Z');
const clock: Clock = { now: () => NOW };
const iso = (ms: number) => new Date(ms).toISOString();
const CLIENT_SECRET = 'cs-client-secret-value';

/** The StateStore half the provider uses, in memory, counting saves. */
class MemoryConnections {
  readonly saved: Connection[] = [];
  constructor(private current: Connection) {}
  async getWithCredentials(): Promise<Connection | null> {
    return structuredClone(this.current);
  }
  async find(): Promise<ConnectionInfo | null> {
    const { credentials, ...info } = structuredClone(this.current);
    return { ...info, credentialsType: credentials.type };
  }
  async saveRefreshedCredentials(_pck: string, _id: string, change: Pick<Connection, 'credentials' | 'connectionConfig' | 'updatedAt'>): Promise<void> {
    await this.put({ ...this.current, ...change });
  }
  async put(connection: Connection): Promise<void> {
    this.saved.push(structuredClone(connection));
    this.current = structuredClone(connection);
  }
  get stored(): Connection {
    return this.current;
  }
}

function oauthConnection(credentials: Partial<Extract<Credentials, { type: 'OAUTH2' }>>): Connection {
  return {
    providerConfigKey: 'crm',
    connectionId: 'acme',
    credentials: { type: 'OAUTH2', accessToken: 'at-old', refreshToken: 'rt-old', ...credentials },
    metadata: { team: 'sales' },
    connectionConfig: {},
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
  };
}

let server: TestServer;
let respond: (req: RecordedRequest, res: ServerResponse) => void;
const tokenRequests = () => server.requests.filter((r) => r.path === '/oauth/token');

const client = { clientId: 'client-1', clientSecret: CLIENT_SECRET };

function provider(auth: Partial<Extract<ProviderInput['auth'], { mode: 'OAUTH2' }>> = {}): ProviderConfig {
  return parseProvider({ baseUrl: `${server.baseUrl}/api`, auth: { mode: 'OAUTH2', tokenUrl: `${server.baseUrl}/oauth/token`, ...auth } });
}

function setup(connection: Connection, extra: { inFlight?: Map<string, Promise<Connection>>; provider?: ProviderConfig } = {}) {
  const state = new MemoryConnections(connection);
  const getCredentials = makeCredentialsProvider({ connections: state, connection, provider: provider(), client, clock, ...extra });
  return { state, getCredentials };
}

beforeEach(async () => {
  respond = (_req, res) => sendJson(res, 200, { access_token: 'at-new', refresh_token: 'rt-new', expires_in: 3600, token_type: 'bearer' });
  server = await startServer((req, res) => {
    if (req.path === '/api/me') return sendJson(res, 200, { authorization: req.headers.authorization });
    respond(req, res);
  });
});
afterEach(async () => {
  await server.close();
});

describe('makeCredentialsProvider', () => {
  it('returns fresh credentials as they are, without calling the token URL', async () => {
    const { state, getCredentials } = setup(oauthConnection({ expiresAt: iso(NOW + 10 * 60_000) }));

    expect(await getCredentials()).toMatchObject({ accessToken: 'at-old' });
    expect(server.requests).toHaveLength(0);
    expect(state.saved).toHaveLength(0);
  });

  it('refreshes a token expiring within 60 s with a form-encoded refresh_token grant, and saves the new tokens', async () => {
    const { state, getCredentials } = setup(oauthConnection({ expiresAt: iso(NOW + 59_000) }));

    const credentials = await getCredentials();

    expect(credentials).toMatchObject({ type: 'OAUTH2', accessToken: 'at-new', refreshToken: 'rt-new', expiresAt: iso(NOW + 3_600_000), obtainedAt: iso(NOW) });
    const [request] = tokenRequests();
    expect(request!.method).toBe('POST');
    expect(request!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(request!.body))).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'rt-old',
      client_id: 'client-1',
      client_secret: CLIENT_SECRET,
    });
    expect(state.saved).toHaveLength(1);
    expect(state.stored).toMatchObject({ credentials, metadata: { team: 'sales' }, updatedAt: iso(NOW) });

    // Now fresh: later calls use the new token without another refresh.
    expect(await getCredentials()).toEqual(credentials);
    expect(tokenRequests()).toHaveLength(1);
  });

  it('refreshes an expired token and keeps the refresh token when the provider does not rotate it', async () => {
    respond = (_req, res) => sendJson(res, 200, { access_token: 'at-new', expires_in: '7200' });
    const { state, getCredentials } = setup(oauthConnection({ expiresAt: iso(NOW - 3_600_000) }));

    expect(await getCredentials()).toMatchObject({ type: 'OAUTH2', accessToken: 'at-new', refreshToken: 'rt-old', expiresAt: iso(NOW + 7_200_000) });
    expect(state.stored.credentials).toMatchObject({ accessToken: 'at-new', refreshToken: 'rt-old' });
  });

  it('shares one refresh among concurrent callers, also across providers given one inFlight map', async () => {
    const pending: ServerResponse[] = [];
    respond = (_req, res) => void pending.push(res);
    const inFlight = new Map<string, Promise<Connection>>();
    const connection = oauthConnection({ expiresAt: iso(NOW) });
    const state = new MemoryConnections(connection);
    const a = makeCredentialsProvider({ connections: state, connection, provider: provider(), client, clock, inFlight });
    const b = makeCredentialsProvider({ connections: state, connection, provider: provider(), client, clock, inFlight });

    const calls = [a(), a(), a(), b(), b()];
    await expect.poll(() => pending.length).toBe(1);
    sendJson(pending[0]!, 200, { access_token: 'at-new', refresh_token: 'rt-new', expires_in: 3600 });
    const results = await Promise.all(calls);

    expect(results.every((c) => c.type === 'OAUTH2' && c.accessToken === 'at-new')).toBe(true);
    expect(tokenRequests()).toHaveLength(1);
    expect(state.saved).toHaveLength(1);
  });

  it('uses tokens another process already refreshed instead of refreshing again', async () => {
    const stale = oauthConnection({ expiresAt: iso(NOW - 1_000) });
    const state = new MemoryConnections(oauthConnection({ accessToken: 'at-other', refreshToken: 'rt-other', expiresAt: iso(NOW + 3_600_000) }));
    const getCredentials = makeCredentialsProvider({ connections: state, connection: stale, provider: provider(), client, clock });

    expect(await getCredentials()).toMatchObject({ accessToken: 'at-other' });
    expect(server.requests).toHaveLength(0);
  });

  it('fails with the connection and the HTTP status, never a token or the client secret', async () => {
    respond = (_req, res) => sendJson(res, 400, { error: 'invalid_grant', error_description: 'refresh token rt-old is invalid', echo: CLIENT_SECRET });
    const { state, getCredentials } = setup(oauthConnection({ expiresAt: iso(NOW - 1_000) }));

    const error = await getCredentials().then(
      () => null,
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(CredentialsRefreshError);
    expect(error).toMatchObject({ status: 400 });
    const message = (error as Error).message;
    expect(message).toContain('"acme"');
    expect(message).toContain('HTTP 400');
    expect(message).toContain('invalid_grant');
    for (const secret of ['at-old', 'rt-old', CLIENT_SECRET]) expect(`${message} ${(error as Error).stack}`).not.toContain(secret);
    expect(state.saved).toHaveLength(0);

    // The failed refresh is not remembered: the next call tries again.
    respond = (_req, res) => sendJson(res, 200, { access_token: 'at-new', expires_in: 3600 });
    expect(await getCredentials()).toMatchObject({ accessToken: 'at-new' });
  });

  it('does not echo a malformed success body, which may hold tokens', async () => {
    respond = (_req, res) => sendJson(res, 200, { token: 'at-leaked-somewhere', refresh_token: 'rt-leaked' });
    const { getCredentials } = setup(oauthConnection({ expiresAt: iso(NOW - 1_000) }));

    const error = await getCredentials().then(
      () => null,
      (e: Error) => e,
    );

    expect(error).toBeInstanceOf(CredentialsRefreshError);
    expect(error!.message).toMatch(/HTTP 200 without a usable token \(access_token\)/);
    expect(error!.message).not.toMatch(/leaked|rt-old/);
  });

  it('explains an expired token that cannot be refreshed', async () => {
    const { getCredentials } = setup(oauthConnection({ refreshToken: undefined, expiresAt: iso(NOW - 1_000) }));
    await expect(getCredentials()).rejects.toThrow(/connection "acme" of "crm" needs a refresh and the connection has no refresh token/);
    expect(server.requests).toHaveLength(0);
  });

  it('leaves non-OAuth credentials and tokens without an expiry alone', async () => {
    const apiKey: Connection = { ...oauthConnection({}), credentials: { type: 'API_KEY', apiKey: 'k' } };
    expect(await setup(apiKey).getCredentials()).toEqual({ type: 'API_KEY', apiKey: 'k' });
    expect(await setup(oauthConnection({})).getCredentials()).toMatchObject({ accessToken: 'at-old' });
    expect(server.requests).toHaveLength(0);
  });

  it('feeds the provider HTTP client the refreshed token', async () => {
    const { getCredentials } = setup(oauthConnection({ expiresAt: iso(NOW) }));
    const http = createProviderHttp({ provider: provider(), getCredentials });

    const response = await http.get({ endpoint: '/me' });

    expect(response.data).toEqual({ authorization: 'Bearer at-new' });
  });

  it('authenticates at the token endpoint with HTTP Basic when the provider asks for it', async () => {
    const { getCredentials } = setup(oauthConnection({ expiresAt: iso(NOW) }), { provider: provider({ tokenRequestAuth: 'basic' }) });

    await getCredentials();

    const [request] = tokenRequests();
    expect(request!.headers.authorization).toBe(`Basic ${Buffer.from(`client-1:${CLIENT_SECRET}`).toString('base64')}`);
    expect(Object.fromEntries(new URLSearchParams(request!.body))).toEqual({ grant_type: 'refresh_token', refresh_token: 'rt-old' });
  });

  it('keeps what the provider says from the token response in the connection config, and the raw response', async () => {
    respond = (_req, res) => sendJson(res, 200, { access_token: 'at-new', instance_url: 'https://acme.my.example.com' });
    const { state, getCredentials } = setup(oauthConnection({ expiresAt: iso(NOW) }), { provider: provider({ tokenResponseToConnectionConfig: { instance_url: 'instance_url' } }) });

    await getCredentials();

    expect(state.stored.connectionConfig).toEqual({ instance_url: 'https://acme.my.example.com' });
    expect(state.stored.credentials).toMatchObject({ raw: { instance_url: 'https://acme.my.example.com' } });
  });

  it('refreshes a token issued without an expiry once it is as old as the provider allows', async () => {
    const aged = provider({ refreshWithoutExpiryAfterMs: 3_600_000 });
    const young = setup(oauthConnection({ obtainedAt: iso(NOW - 10 * 60_000) }), { provider: aged });
    expect(await young.getCredentials()).toMatchObject({ accessToken: 'at-old' });
    const old = setup(oauthConnection({ obtainedAt: iso(NOW - 3_600_000) }), { provider: aged });
    expect(await old.getCredentials()).toMatchObject({ accessToken: 'at-new' });
    expect(tokenRequests()).toHaveLength(1);
  });

  it('saves a rotated refresh token before using the new access token, and uses it at the next refresh', async () => {
    let issued = 0;
    respond = (req, res) => {
      const used = new URLSearchParams(req.body).get('refresh_token');
      // A rotating provider: each refresh token works once.
      if (used !== (issued === 0 ? 'rt-old' : `rt-${issued}`)) return sendJson(res, 400, { error: 'invalid_grant' });
      issued++;
      sendJson(res, 200, { access_token: `at-${issued}`, refresh_token: `rt-${issued}`, expires_in: 0.001 });
    };
    const { state, getCredentials } = setup(oauthConnection({ expiresAt: iso(NOW) }));

    expect(await getCredentials()).toMatchObject({ accessToken: 'at-1' });
    expect(state.saved.at(-1)!.credentials).toMatchObject({ refreshToken: 'rt-1' });
    expect(await getCredentials()).toMatchObject({ accessToken: 'at-2' });
    expect(state.saved.map((c) => (c.credentials as { refreshToken?: string }).refreshToken)).toEqual(['rt-1', 'rt-2']);
  });

  it('refreshes once and retries once when the provider answers 401 to a token it considers revoked', async () => {
    let refreshed = false;
    respond = (_req, res) => {
      refreshed = true;
      sendJson(res, 200, { access_token: 'at-new', expires_in: 3600 });
    };
    const hits: string[] = [];
    server.close();
    server = await startServer((req, res) => {
      if (req.path === '/oauth/token') return respond(req, res);
      hits.push(req.headers.authorization ?? '');
      // The provider rejects the old token (revoked before its expiry) and, here, the new one too.
      return sendJson(res, 401, { error: 'unauthorized' });
    });
    const { getCredentials } = setup(oauthConnection({ expiresAt: iso(NOW + 3_600_000) }));
    const http = createProviderHttp({ provider: provider(), getCredentials });

    const error = await http.get({ endpoint: '/me', retries: 3 }).catch((e: unknown) => e);

    expect(refreshed).toBe(true);
    expect(hits).toEqual(['Bearer at-old', 'Bearer at-new']);
    expect(tokenRequests()).toHaveLength(1);
    expect(error).toMatchObject({ status: 401 });
  });

  it('waits for the refresh another process holds the lock for, instead of refreshing again', async () => {
    const connection = oauthConnection({ expiresAt: iso(NOW) });
    const state = Object.assign(new MemoryConnections(connection), { lockRefresh: async () => false });
    let polls = 0;
    const getCredentials = makeCredentialsProvider({
      connections: state,
      connection,
      provider: provider(),
      client,
      clock,
      sleep: async () => {
        // The other process saves its new tokens while this one waits.
        if (++polls === 2) await state.put({ ...oauthConnection({ accessToken: 'at-theirs', expiresAt: iso(NOW + 3_600_000) }), updatedAt: iso(NOW) });
      },
    });

    expect(await getCredentials()).toMatchObject({ accessToken: 'at-theirs' });
    expect(tokenRequests()).toHaveLength(0);
  });

  it('fills a per-account token URL from the connection config (http to 127.0.0.1 only where loopback is allowed)', async () => {
    const tokenHost = new URL(server.baseUrl).host;
    const connection = { ...oauthConnection({ expiresAt: iso(NOW) }), connectionConfig: { tokenHost } };
    const templated = parseProvider({
      baseUrl: `${server.baseUrl}/api`,
      auth: { mode: 'OAUTH2', tokenUrl: 'http://${connectionConfig.tokenHost}/oauth/token' },
      connectionConfig: { tokenHost: { title: 'Token host', pattern: '^127\\.0\\.0\\.1:[0-9]+$' } },
    });
    const state = new MemoryConnections(connection);
    const getCredentials = makeCredentialsProvider({ connections: state, connection, provider: templated, client, clock, allowLoopbackHttp: true });

    expect(await getCredentials()).toMatchObject({ accessToken: 'at-new' });
    expect(tokenRequests()).toHaveLength(1);

    const strict = makeCredentialsProvider({ connections: new MemoryConnections(connection), connection, provider: templated, client, clock });
    await expect(strict()).rejects.toMatchObject({ name: 'CredentialsRefreshError', message: expect.stringContaining('must use https') });
    expect(tokenRequests()).toHaveLength(1);
  });

  describe('never sends the client secret to a host the connection config names', () => {
    /** A fetch that records every call and answers like a token endpoint. */
    const spyFetch = () => {
      const calls: string[] = [];
      const fetchSpy = (async (url: string | URL) => {
        calls.push(String(url));
        return new Response(JSON.stringify({ access_token: 'at-new', expires_in: 3600 }), { status: 200, headers: { 'content-type': 'application/json' } });
      }) as typeof fetch;
      return { calls, fetchSpy };
    };
    const refresh = async (provider: ProviderConfig, connectionConfig: Record<string, unknown>) => {
      const { calls, fetchSpy } = spyFetch();
      let clientRead = 0;
      const connection = { ...oauthConnection({ expiresAt: iso(NOW) }), connectionConfig };
      const getCredentials = makeCredentialsProvider({
        connections: new MemoryConnections(connection),
        connection,
        provider,
        getClient: async () => {
          clientRead++;
          return client;
        },
        clock,
        fetch: fetchSpy,
      });
      const outcome = await getCredentials().catch((e: unknown) => e);
      return { outcome, calls, clientRead };
    };

    it.each([
      ['zendesk', { subdomain: 'evil.example/steal?' }, 'subdomain must match'],
      ['shopify', { subdomain: 'evil.example#' }, 'subdomain must match'],
      ['netsuite', { accountId: 'evil.example/x' }, 'accountId must match'],
      ['zoho-crm', { accounts_domain: 'evil.example' }, 'accounts_domain must match'],
      ['zendesk', { subdomain: 42 }, 'subdomain must be a string'],
    ])('%s with %j (stored before import checked it) is refused before the secret is read', async (name, config, reason) => {
      const { outcome, calls, clientRead } = await refresh(catalogProvider(name), config);

      expect(outcome).toBeInstanceOf(CredentialsRefreshError);
      expect(outcome).toMatchObject({ failure: 'revoked', message: expect.stringContaining(reason) });
      expect((outcome as Error).message).not.toContain(CLIENT_SECRET);
      expect((outcome as Error).message).not.toContain('evil.example');
      expect(calls).toEqual([]);
      expect(clientRead).toBe(0);
    });

    it('wants a host-safe value where the provider declares no pattern', async () => {
      const open = parseProvider({ baseUrl: 'https://api.example.com', auth: { mode: 'OAUTH2', tokenUrl: 'https://${connectionConfig.region}.login.example.com/token' } });
      for (const region of ['evil.example/x?', 'evil.example#', 'user@evil.example', 'evil.example:443', 'eu\\evil']) {
        const { outcome, calls } = await refresh(open, { region });
        expect(outcome, region).toMatchObject({ name: 'CredentialsRefreshError', message: expect.stringContaining('region must be a host name') });
        expect(calls).toEqual([]);
      }
      const fine = await refresh(open, { region: 'eu' });
      expect(fine.outcome).toMatchObject({ accessToken: 'at-new' });
      expect(fine.calls).toEqual(['https://eu.login.example.com/token']);
    });

    it('refreshes a catalog connection whose config matches, at its own https token URL', async () => {
      expect((await refresh(catalogProvider('zoho-crm'), { accounts_domain: 'accounts.zoho.eu' })).calls).toEqual(['https://accounts.zoho.eu/oauth/v2/token']);
      expect((await refresh(catalogProvider('zoho-crm'), { accounts_domain: '' })).calls).toEqual(['https://accounts.zoho.com/oauth/v2/token']);
      expect((await refresh(catalogProvider('zendesk'), { subdomain: 'acme' })).calls).toEqual(['https://acme.zendesk.com/oauth/tokens']);
    });
  });

  it('tells a revoked grant (authorize again) from a failure that may pass', async () => {
    const failureOf = async (status: number, body: unknown) => {
      respond = (_req, res) => sendJson(res, status, body);
      return (await setup(oauthConnection({ expiresAt: iso(NOW) }))
        .getCredentials()
        .catch((e: unknown) => e)) as CredentialsRefreshError;
    };
    expect((await failureOf(400, { error: 'invalid_grant' })).needsReauthorization).toBe(true);
    expect((await failureOf(401, { error: 'invalid_client' })).needsReauthorization).toBe(false);
    expect((await failureOf(429, { error: 'slow_down' })).needsReauthorization).toBe(false);
    expect((await failureOf(503, {})).needsReauthorization).toBe(false);
    const noRefreshToken = await setup(oauthConnection({ refreshToken: undefined, expiresAt: iso(NOW) }))
      .getCredentials()
      .catch((e: unknown) => e);
    expect((noRefreshToken as CredentialsRefreshError).needsReauthorization).toBe(true);
  });

  it('hands the script the 401 when the refresh it asked for fails, with the refresh failure as its cause', async () => {
    respond = (_req, res) => sendJson(res, 400, { error: 'invalid_grant' });
    await server.close();
    server = await startServer((req, res) => (req.path === '/oauth/token' ? respond(req, res) : sendJson(res, 401, { error: 'unauthorized' })));
    const { getCredentials } = setup(oauthConnection({ expiresAt: iso(NOW + 3_600_000) }));
    const http = createProviderHttp({ provider: provider(), getCredentials });

    const error = (await http.get({ endpoint: '/me' }).catch((e: unknown) => e)) as Error & { status?: number };

    expect(error).toMatchObject({ name: 'ProviderHttpError', status: 401 });
    expect(error.cause).toBeInstanceOf(CredentialsRefreshError);
    expect((error.cause as CredentialsRefreshError).needsReauthorization).toBe(true);
  });
});
