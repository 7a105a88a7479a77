/**
 * The OAuth2 authorization-code flow over HTTP, driven with plain fetch (no browser): a connect
 * session, `GET /oauth/connect/{key}` → the fake provider's consent (which redirects back at
 * once) → `GET /oauth/callback`, against the API on 127.0.0.1 with DynamoDB Local. The browser
 * side (postMessage, the SDK's WebSocket) is covered by the connect-page browser tests.
 */
import { randomUUID } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { type ConnectSession, hashConnectSessionToken, newConnectSessionToken } from '../../functions/engine/connect/connect-session.js';
import type { OAuthSocketMessage } from '../../functions/engine/connect/oauth-outcome.js';
import { defineIntegration } from '../../functions/engine/integration.js';
import { createSync } from '../../functions/engine/sync-definition.js';
import { type ApiKit, startApiKit } from '../support/api-kit.js';
import { useDynamo } from '../support/dynamo.js';
import { type FakeOAuthProvider, startFakeOAuthProvider } from '../support/fake-oauth-provider.js';

const KEY = 'fake-oauth';
const dynamo = useDynamo();
let kit: ApiKit;
let provider: FakeOAuthProvider;
/** What the flow told Nango's frontend SDK clients (the local runtime's WebSocket stands behind this port). */
const published: { wsClientId: string; message: OAuthSocketMessage }[] = [];

beforeAll(async () => {
  provider = await startFakeOAuthProvider();
  const integration = defineIntegration({
    providerConfigKey: KEY,
    provider: {
      name: KEY,
      displayName: 'Fake OAuth',
      baseUrl: provider.url,
      auth: {
        mode: 'OAUTH2',
        authorizationUrl: `${provider.url}/oauth/authorize`,
        tokenUrl: `${provider.url}/oauth/token`,
        pkce: true,
        defaultScopes: ['items.read', 'items.write'],
        scopeSeparator: ',',
        authorizationParams: { access_type: 'offline', redirect_uri: 'https://evil.example/steal' },
      },
      connectionConfig: { workspace: { title: 'Workspace', pattern: '^[a-z0-9-]+$' } },
    },
    oauthClient: { clientId: provider.clientId, clientSecret: provider.clientSecret },
    syncs: {
      items: createSync({
        frequency: 'every hour',
        syncType: 'full',
        autoStart: true,
        models: { Item: z.object({ id: z.string(), title: z.string() }) },
        exec: async (nango) => {
          const { data } = await nango.get<{ items: { id: string; title: string }[] }>({ endpoint: '/api/items' });
          await nango.batchSave(data.items, 'Item');
        },
      }),
    },
  });
  kit = await startApiKit({
    integrations: [integration],
    initialContacts: 1,
    oauthPublisher: { publish: (wsClientId, message) => published.push({ wsClientId, message }) > 0 },
  });
}, 60_000);

afterAll(async () => {
  await kit?.stop();
  await provider?.stop();
});

beforeEach(() => {
  provider.consent = 'consent';
  provider.token = 'ok';
});

async function newSession(overrides: Partial<ConnectSession> = {}): Promise<{ token: string; session: ConnectSession }> {
  const token = newConnectSessionToken();
  const now = kit.clock.now();
  const session: ConnectSession = {
    id: randomUUID(),
    tokenHash: hashConnectSessionToken(token),
    tags: { end_user_id: 'user-42', organization_id: 'org-7' },
    allowedIntegrations: [KEY],
    integrationsConfigDefaults: {},
    reconnect: null,
    createdAt: now,
    expiresAt: now + 30 * 60_000,
    ...overrides,
  };
  await kit.state.connectSessions.put(session);
  return { token, session };
}

async function connections(): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of kit.state.connections.list(KEY)) ids.push(...page.map((c) => c.connectionId));
  return ids;
}

/** The failed connects recorded for the failed `auth` webhook (the stream side is in test/integration/webhooks-connect). */
async function authFailures(): Promise<Record<string, unknown>[]> {
  const result = await dynamo.doc.send(
    new ScanCommand({ TableName: kit.tables.state, FilterExpression: 'kind = :kind', ExpressionAttributeValues: { ':kind': 'AUTH_FAILURE' }, ConsistentRead: true }),
  );
  return (result.Items ?? []).sort((a, b) => String(a['at']).localeCompare(String(b['at'])));
}

interface Started {
  response: Response;
  /** The provider's authorization URL. */
  authorizeUrl: URL;
  /** `name=value` of the browser-binding cookie. */
  cookie: string;
}

async function start(token: string, extra: Record<string, string> = { 'params[workspace]': 'acme' }): Promise<Started> {
  const url = new URL(`/oauth/connect/${KEY}`, kit.server.url);
  url.searchParams.set('connect_session_token', token);
  for (const [name, value] of Object.entries(extra)) url.searchParams.set(name, value);
  const response = await fetch(url, { redirect: 'manual' });
  const location = response.headers.get('location');
  const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0]!;
  return { response, authorizeUrl: new URL(location ?? 'about:blank'), cookie };
}

/** The fake provider's consent: where it sends the browser back to. */
async function consent(started: Started): Promise<URL> {
  const answer = await fetch(started.authorizeUrl, { redirect: 'manual' });
  expect(answer.status).toBe(302);
  return new URL(answer.headers.get('location')!);
}

async function callback(url: URL | string, cookie?: string): Promise<{ status: number; html: string; headers: Headers }> {
  const response = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  return { status: response.status, html: await response.text(), headers: response.headers };
}

describe('OAuth2 flow', () => {
  it('redirects to the provider with the fixed redirect URI, scopes, state and PKCE, then creates the connection with the session tags and runs its auto-start sync with the token', async () => {
    const before = await connections();
    const { token } = await newSession();
    const started = await start(token, { 'params[workspace]': 'acme', redirect_uri: 'https://evil.example/x', 'params[redirect_uri]': 'https://evil.example/y' });
    expect(started.response.status).toBe(302);
    const q = started.authorizeUrl.searchParams;
    expect(`${started.authorizeUrl.origin}${started.authorizeUrl.pathname}`).toBe(`${provider.url}/oauth/authorize`);
    // The redirect URI comes from configuration, never from the request or authorization params.
    expect(q.get('redirect_uri')).toBe(`${kit.server.url}/oauth/callback`);
    expect(q.getAll('redirect_uri')).toHaveLength(1);
    expect(q.get('client_id')).toBe(provider.clientId);
    expect(q.get('response_type')).toBe('code');
    expect(q.get('scope')).toBe('items.read,items.write');
    expect(q.get('access_type')).toBe('offline');
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(started.authorizeUrl.href).not.toContain(provider.clientSecret);
    expect(started.cookie).toMatch(/^syncline_oauth_[0-9a-f]{16}=/);
    expect(started.response.headers.get('set-cookie')).toMatch(/HttpOnly/i);
    expect(started.response.headers.get('set-cookie')).toMatch(/SameSite=Lax/i);

    const page = await callback(await consent(started), started.cookie);
    expect(page.status).toBe(200);
    expect(page.html).toContain('nango_oauth_callback_success');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'nonce-[^']+'/);

    // The fake checked the PKCE verifier and the redirect URI; the token request repeated them.
    const form = provider.tokenRequests.at(-1)!;
    expect(form.get('grant_type')).toBe('authorization_code');
    expect(form.get('redirect_uri')).toBe(`${kit.server.url}/oauth/callback`);
    expect(form.get('code_verifier')).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const created = (await connections()).filter((id) => !before.includes(id));
    expect(created).toHaveLength(1);
    const connection = (await kit.state.connections.getWithCredentials(KEY, created[0]!))!;
    expect(connection.tags).toEqual({ end_user_id: 'user-42', organization_id: 'org-7' });
    expect(connection.connectionConfig).toMatchObject({ workspace: 'acme' });
    expect(connection.credentials).toMatchObject({ type: 'OAUTH2', accessToken: provider.issued.at(-1), refreshToken: expect.stringMatching(/^fake_rt_/) });
    expect(page.html).toContain(created[0]);

    // The auto-start sync was queued at once and runs with the token the flow obtained.
    await kit.drain();
    expect(provider.dataTokens).toContain(provider.issued.at(-1));
  });

  it("asks for the session's scopes override and authorization params, which cannot replace the reserved ones", async () => {
    const { token } = await newSession({
      integrationsConfigDefaults: {
        [KEY]: { connectionConfig: { oauth_scopes_override: 'items.read, admin' }, authorizationParams: { prompt: 'consent', state: 'forged', client_id: 'other' } },
      },
    });
    const started = await start(token);
    const q = started.authorizeUrl.searchParams;
    expect(q.get('scope')).toBe('items.read,admin');
    expect(q.get('prompt')).toBe('consent');
    expect(q.get('client_id')).toBe(provider.clientId);
    expect(q.get('state')).not.toBe('forged');
    expect(q.getAll('state')).toHaveLength(1);
  });

  it('refuses a PKCE verifier that does not match (the fake provider checks it): error page, no connection', async () => {
    const before = await connections();
    const { token } = await newSession();
    const started = await start(token);
    // Someone swaps the challenge on the way to the provider: the stored verifier no longer matches.
    started.authorizeUrl.searchParams.set('code_challenge', 'A'.repeat(43));
    const page = await callback(await consent(started), started.cookie);
    expect(page.status).toBe(400);
    expect(page.html).toContain('token_err');
    expect(page.html).toContain('nango_oauth_callback_error');
    expect(await connections()).toEqual(before);
  });

  it('ends a denied consent with an error page that shows the provider text escaped, no connection, and a failed connect for the auth webhook', async () => {
    const before = await connections();
    const failuresBefore = (await authFailures()).length;
    provider.consent = 'deny';
    const { token } = await newSession();
    const started = await start(token);
    const back = await consent(started);
    back.searchParams.set('error_description', 'nope </script><script>alert(1)</script> "\'&');
    const page = await callback(back, started.cookie);
    expect(page.status).toBe(400);
    expect(page.html).toContain('callback_err');
    expect(page.html).toContain('access_denied');
    // Nothing of the provider's text is markup: no tag, no closing script, no raw quotes.
    expect(page.html).not.toContain('<script>alert');
    expect(page.html).not.toContain('</script><script>');
    expect(page.html).toContain('&#60;/script&#62;&#60;script&#62;alert(1)');
    expect(page.html.match(/<script/g)).toHaveLength(2);
    expect(await connections()).toEqual(before);
    // Nango's callback fires connectionCreationFailed (`invalid_callback`) when the answer has no code.
    const failures = await authFailures();
    expect(failures).toHaveLength(failuresBefore + 1);
    expect(failures.at(-1)).toMatchObject({
      providerConfigKey: KEY,
      authMode: 'OAUTH2',
      provider: KEY,
      operation: 'creation',
      tags: { end_user_id: 'user-42', organization_id: 'org-7' },
      error: { type: 'invalid_callback', description: expect.stringContaining('access_denied') },
    });
  });

  it('refuses a replayed state (no failed auth webhook: Nango sends none before it knows the flow)', async () => {
    const failuresBefore = (await authFailures()).length;
    const { token } = await newSession();
    const started = await start(token);
    const back = await consent(started);
    expect((await callback(back, started.cookie)).status).toBe(200);
    const after = await connections();
    const replay = await callback(back, started.cookie);
    expect(replay.status).toBe(400);
    expect(replay.html).toContain('state_err');
    expect(await connections()).toEqual(after);
    expect(await authFailures()).toHaveLength(failuresBefore);
  });

  it('refuses a callback after the session expired (no failed auth webhook)', async () => {
    const before = await connections();
    const failuresBefore = (await authFailures()).length;
    const { token } = await newSession({ expiresAt: kit.clock.now() + 60_000 });
    const started = await start(token);
    const back = await consent(started);
    kit.clock.advance(2 * 60_000);
    try {
      const page = await callback(back, started.cookie);
      expect(page.status).toBe(400);
      // The flow never outlives its session: its state expired with it.
      expect(page.html).toMatch(/state_err|session_expired/);
    } finally {
      kit.clock.advance(-2 * 60_000);
    }
    expect(await connections()).toEqual(before);
    expect(await authFailures()).toHaveLength(failuresBefore);
  });

  it('refuses a callback whose session was deleted meanwhile', async () => {
    const before = await connections();
    const { token, session } = await newSession();
    const started = await start(token);
    const back = await consent(started);
    await kit.state.connectSessions.deleteByTokenHash(session.tokenHash);
    const page = await callback(back, started.cookie);
    expect(page.status).toBe(400);
    expect(page.html).toContain('session_expired');
    expect(await connections()).toEqual(before);
  });

  it('ends a failing token endpoint with an error page, no connection, and a failed connect for the auth webhook', async () => {
    const before = await connections();
    const failuresBefore = (await authFailures()).length;
    provider.token = 'fail';
    const { token } = await newSession();
    const started = await start(token);
    const page = await callback(await consent(started), started.cookie);
    expect(page.status).toBe(400);
    expect(page.html).toContain('token_err');
    expect(page.html).toContain('HTTP 500');
    expect(page.html).not.toContain(provider.clientSecret);
    expect(await connections()).toEqual(before);
    const failures = await authFailures();
    expect(failures).toHaveLength(failuresBefore + 1);
    expect(failures.at(-1)).toMatchObject({ providerConfigKey: KEY, operation: 'creation', error: { type: 'unknown', description: expect.stringContaining('HTTP 500') } });
    // What the webhook will say holds no secret of the flow.
    expect(JSON.stringify(failures.at(-1))).not.toContain(provider.clientSecret);
    expect(JSON.stringify(failures.at(-1))).not.toContain(new URL(started.authorizeUrl).searchParams.get('state')!);
  });

  it("binds the state to the browser that started the flow and to its session: another session's browser cannot finish it", async () => {
    const before = await connections();
    const victim = await newSession();
    const attacker = await newSession({ tags: { end_user_id: 'attacker' } });
    const attackerFlow = await start(attacker.token);
    const victimFlow = await start(victim.token);
    // The victim's browser (its own cookie) lands on the attacker's state: refused, and the state is spent.
    const page = await callback(await consent(attackerFlow), victimFlow.cookie);
    expect(page.status).toBe(400);
    expect(page.html).toContain('state_cookie_err');
    // Without any cookie: refused too.
    const other = await start(attacker.token);
    expect((await callback(await consent(other))).html).toContain('state_cookie_err');
    expect(await connections()).toEqual(before);
  });

  it('refuses an integration the session does not allow, a bad connection-config value, and a missing or unknown session', async () => {
    const { token } = await newSession({ allowedIntegrations: ['demo-crm'] });
    const notAllowed = await start(token);
    expect(notAllowed.response.status).toBe(400);
    expect(await notAllowed.response.text()).toContain('unknown_config_key');

    const ok = await newSession();
    const badConfig = await start(ok.token, { 'params[workspace]': 'evil.example/x?' });
    expect(badConfig.response.status).toBe(400);
    const html = await badConfig.response.text();
    expect(html).toContain('url_param_err');
    expect(html).not.toContain('evil.example/x?');

    const missing = await start(ok.token, {});
    expect(missing.response.status).toBe(400);

    expect((await start(`nango_connect_session_${'0'.repeat(64)}`)).response.status).toBe(401);
  });

  it("tells the frontend SDK's WebSocket client the outcome: success with the connection id, or the error type", async () => {
    const { token } = await newSession();
    const ok = await start(token, { 'params[workspace]': 'acme', ws_client_id: 'c0ffee00-1111-4222-8333-444455556666' });
    await callback(await consent(ok), ok.cookie);
    const success = published.at(-1)!;
    expect(success.wsClientId).toBe('c0ffee00-1111-4222-8333-444455556666');
    expect(success.message).toMatchObject({ message_type: 'success', provider_config_key: KEY, is_pending: false, connection_id: expect.any(String) });

    provider.token = 'fail';
    const failing = await start(token, { 'params[workspace]': 'acme', ws_client_id: 'c0ffee00-1111-4222-8333-777788889999' });
    await callback(await consent(failing), failing.cookie);
    expect(published.at(-1)).toEqual({
      wsClientId: 'c0ffee00-1111-4222-8333-777788889999',
      message: { message_type: 'error', provider_config_key: KEY, error_type: 'token_err', error_desc: expect.stringContaining('HTTP 500') },
    });

    // An error before the provider (a refused connection config) reaches the client too.
    await start(token, { 'params[workspace]': 'Not Valid', ws_client_id: 'c0ffee00-1111-4222-8333-aaaabbbbcccc' });
    expect(published.at(-1)).toMatchObject({ wsClientId: 'c0ffee00-1111-4222-8333-aaaabbbbcccc', message: { message_type: 'error', error_type: 'url_param_err' } });
  });

  it('answers a callback without state, or with an unknown one, with an escaped error page', async () => {
    const none = await callback(new URL('/oauth/callback?code=x', kit.server.url));
    expect(none.status).toBe(400);
    expect(none.html).toContain('state_err');
    const unknown = await callback(new URL('/oauth/callback?code=x&state=%3Cscript%3Ealert(1)%3C%2Fscript%3E', kit.server.url));
    expect(unknown.status).toBe(400);
    expect(unknown.html).not.toContain('<script>alert');
  });
});
