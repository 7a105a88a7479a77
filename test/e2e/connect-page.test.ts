/**
 * The hosted connect page in headless Chromium, end to end against `npm start`'s runtime: the
 * app's backend creates a session with `@nangohq/node`, the end user opens `connect_link`, picks
 * an integration and authorizes it at a fake OAuth provider on 127.0.0.1 (or types an API key).
 * Checked afterwards: the connection and its token, the signed `auth` webhook, the auto-start
 * sync calling the provider with that token — and for denied consent, a replayed `state`, an
 * expired session and a failing token endpoint, a clear error page and no connection.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { hashConnectSessionToken } from '../../functions/engine/connect/connect-session.js';
import { makeDynamoClients } from '../../functions/adapters/dynamodb/client.js';
import { newTestContext } from '../support/browser.js';
import { API_KEY_KEY, type ConnectKit, connectionsOf, OAUTH_KEY, startConnectKit } from '../support/connect-kit.js';
import { verifySignatures } from '../support/webhook-receiver.js';
import type { Page } from 'playwright-core';

let kit: ConnectKit;

beforeAll(async () => {
  kit = await startConnectKit();
}, 60_000);
afterAll(async () => {
  await kit?.stop();
});

async function newSession(tags: Record<string, string>, allowed: string[] = [OAUTH_KEY, API_KEY_KEY]) {
  const { data } = await kit.nango.createConnectSession({ tags, allowed_integrations: allowed } as never);
  return data as { token: string; connect_link: string; expires_at: string };
}

/** Opens the link, picks the OAuth integration, fills the workspace and continues to the provider. */
async function startOAuthOnPage(page: Page, link: string): Promise<void> {
  await page.goto(link);
  await page.getByRole('button', { name: /Fake OAuth/ }).click();
  await page.getByLabel('Workspace').fill('acme');
  await page.getByRole('button', { name: 'Continue to Fake OAuth' }).click();
}

const heading = (page: Page) => page.locator('h1').first().textContent();
const callbackPath = (url: URL) => url.pathname === '/oauth/callback';

describe('hosted connect page', () => {
  it('connects an OAuth account: the connection holds the fake provider’s token, the auth webhook arrives signed, the auto-start sync used the token', async () => {
    const session = await newSession({ end_user_id: 'user-oauth' });
    expect(session.connect_link).toBe(`${kit.apiUrl}/connect?session_token=${session.token}`);
    const { context, page, problems } = await newTestContext(kit.browser);
    try {
      const response = await page.goto(session.connect_link);
      const headers = response!.headers();
      expect(headers['cache-control']).toBe('no-store');
      expect(headers['content-security-policy']).toMatch(/default-src 'none'; script-src 'sha256-[^']+'; style-src 'sha256-[^']+';.*connect-src 'self'/);
      expect(headers['referrer-policy']).toBe('no-referrer');

      // The list: both allowed integrations, with their initial and the docs link.
      await page.getByRole('button', { name: /Fake OAuth/ }).waitFor();
      await page.getByRole('button', { name: /Keyed API/ }).waitFor();
      expect(await page.getByRole('link', { name: /Docs for Fake OAuth/ }).getAttribute('href')).toBe('https://docs.example.com/fake-oauth');

      await page.getByRole('button', { name: /Fake OAuth/ }).click();
      // The catalog's pattern is checked in the page before the browser leaves it.
      await page.getByLabel('Workspace').fill('Not A Workspace!');
      await page.getByRole('button', { name: 'Continue to Fake OAuth' }).click();
      expect(await page.locator('#param-workspace-error').textContent()).toMatch(/Workspace is not in the expected format \(for example acme\)/);
      expect(await page.getByLabel('Workspace').getAttribute('aria-invalid')).toBe('true');
      expect(kit.provider.authorizations).toHaveLength(0);

      await page.getByLabel('Workspace').fill('acme');
      await page.getByRole('button', { name: 'Continue to Fake OAuth' }).click();
      await page.waitForURL(callbackPath);
      expect(await heading(page)).toBe('Connected');

      // The authorization request: the fixed redirect URI, PKCE, the provider's scopes.
      const authorization = kit.provider.authorizations.at(-1)!;
      expect(authorization.get('redirect_uri')).toBe(`${kit.apiUrl}/oauth/callback`);
      expect(authorization.get('code_challenge_method')).toBe('S256');
      expect(authorization.get('scope')).toBe('items.read');

      const connections = (await connectionsOf(kit, OAUTH_KEY)).filter((c) => c.tags?.['end_user_id'] === 'user-oauth');
      expect(connections).toHaveLength(1);
      const connectionId = connections[0]!.connection_id;
      const accessToken = kit.provider.issued.at(-1)!;
      const connection = (await kit.nango.getConnection(OAUTH_KEY, connectionId)) as any;
      expect(connection.credentials.access_token).toBe(accessToken);
      expect(connection.connection_config).toMatchObject({ workspace: 'acme' });

      const webhook = await vi.waitFor(
        () => {
          const found = kit.receiver.received.find((w) => w.json.connectionId === connectionId);
          if (!found) throw new Error('no auth webhook yet');
          return found;
        },
        { timeout: 15_000, interval: 50 },
      );
      expect(webhook.json).toMatchObject({ type: 'auth', operation: 'creation', success: true, connectionId, providerConfigKey: OAUTH_KEY, authMode: 'OAUTH2' });
      expect(verifySignatures(webhook, kit.webhookSecret)).toEqual({ hmac: true, legacy: true, standard: true });

      // The auto-start sync ran at once (not at the next hourly tick) with the new token.
      await vi.waitFor(() => expect(kit.provider.dataTokens).toContain(accessToken), { timeout: 20_000, interval: 100 });
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('connects an API-key account through the form; the key is stored encrypted and never shown again', async () => {
    const apiKey = `sk_live_${Date.now()}_never_shown_again`;
    const session = await newSession({ end_user_id: 'user-key' }, [API_KEY_KEY]);
    const { context, page, problems } = await newTestContext(kit.browser);
    try {
      await page.goto(session.connect_link);
      // One allowed integration: its form at once.
      await page.getByRole('heading', { name: 'Connect Keyed API' }).waitFor();
      await page.getByRole('button', { name: 'Connect' }).click();
      expect(await page.locator('#cred-apiKey-error').textContent()).toBe('API key is required.');
      expect(await page.getByLabel('API key').getAttribute('type')).toBe('password');
      // By keyboard: Enter in the field submits the form.
      await page.getByLabel('API key').fill(apiKey);
      await page.getByLabel('API key').press('Enter');
      await page.getByRole('heading', { name: 'Connected to Keyed API' }).waitFor();
      expect(await page.locator('#status').textContent()).toBe('Keyed API is connected.');
      // Gone from the page: no input holds it, the document does not contain it.
      expect(await page.getByLabel('API key').inputValue()).toBe('');
      expect(await page.content()).not.toContain(apiKey);

      const connections = (await connectionsOf(kit, API_KEY_KEY)).filter((c) => c.tags?.['end_user_id'] === 'user-key');
      expect(connections).toHaveLength(1);
      const connection = (await kit.nango.getConnection(API_KEY_KEY, connections[0]!.connection_id)) as any;
      expect(connection.credentials).toMatchObject({ type: 'API_KEY', apiKey });

      // At rest the key is ciphertext: no item of the state table contains it.
      const { doc, client } = makeDynamoClients({ endpoint: kit.runtime.dynamo.endpoint });
      try {
        const items: unknown[] = [];
        let start: Record<string, unknown> | undefined;
        do {
          const page = await doc.send(new ScanCommand({ TableName: kit.runtime.tables.state, ...(start ? { ExclusiveStartKey: start } : {}) }));
          items.push(...(page.Items ?? []));
          start = page.LastEvaluatedKey;
        } while (start);
        expect(items.length).toBeGreaterThan(0);
        expect(JSON.stringify(items)).not.toContain(apiKey);
      } finally {
        client.destroy();
      }

      // The link again: the page asks for a key afresh; nothing of the stored one comes back.
      await page.goto(session.connect_link);
      expect(await page.getByLabel('API key').inputValue()).toBe('');
      expect(await page.content()).not.toContain(apiKey);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  describe('failures end on a clear error page, with no connection', () => {
    it('denied consent: the provider’s error is shown as text, never as markup', async () => {
      const before = (await connectionsOf(kit, OAUTH_KEY)).length;
      kit.provider.consent = 'deny';
      const { context, page } = await newTestContext(kit.browser);
      try {
        await startOAuthOnPage(page, (await newSession({ end_user_id: 'user-deny' })).connect_link);
        await page.waitForURL(callbackPath);
        expect(await heading(page)).toBe('The connection failed');
        const text = await page.locator('main').textContent();
        expect(text).toMatch(/denied/i);
        // The hostile description came back inert.
        expect(await page.locator('main img').count()).toBe(0);
        expect(await page.evaluate('window.__xss')).toBeUndefined();
        expect(await connectionsOf(kit, OAUTH_KEY)).toHaveLength(before);
      } finally {
        kit.provider.consent = 'consent';
        await context.close();
      }
    });

    it('a replayed state: the second use of the callback URL fails and creates nothing', async () => {
      const { context, page } = await newTestContext(kit.browser);
      try {
        await startOAuthOnPage(page, (await newSession({ end_user_id: 'user-replay' })).connect_link);
        await page.waitForURL(callbackPath);
        expect(await heading(page)).toBe('Connected');
        const callbackUrl = page.url();
        const after = (await connectionsOf(kit, OAUTH_KEY)).length;
        const issued = kit.provider.issued.length;

        const replay = await page.goto(callbackUrl);
        expect(replay!.status()).toBe(400);
        expect(await heading(page)).toBe('The connection failed');
        expect(await page.locator('main').textContent()).toMatch(/state_err|already|expired|not valid|unknown/i);
        expect(await connectionsOf(kit, OAUTH_KEY)).toHaveLength(after);
        // The code was not even taken to the token endpoint again.
        expect(kit.provider.issued).toHaveLength(issued);
      } finally {
        await context.close();
      }
    });

    it('an expired session: the link shows that it expired; a flow started before the expiry fails at the callback', async () => {
      const before = (await connectionsOf(kit, OAUTH_KEY)).length;
      const repo = kit.runtime.syncline.state.connectSessions;
      const expire = async (token: string) => {
        const session = await repo.findByTokenHash(hashConnectSessionToken(token), Date.now());
        await repo.put({ ...session!, expiresAt: Date.now() - 1_000 });
      };
      const { context, page } = await newTestContext(kit.browser);
      try {
        const expired = await newSession({ end_user_id: 'user-expired' });
        await expire(expired.token);
        await page.goto(expired.connect_link);
        await page.getByRole('heading', { name: 'Could not connect' }).waitFor();
        expect(await page.locator('#result-message').textContent()).toMatch(/expired/);

        // A forged link: the page is the same static document, nothing of the URL is written into it.
        const forged = await page.goto(`${kit.apiUrl}/connect?session_token=${encodeURIComponent('<script>window.__xss=1</script>')}`);
        expect(await forged!.text()).not.toContain('__xss');
        await page.getByRole('heading', { name: 'Could not connect' }).waitFor();
        expect(await page.evaluate('window.__xss')).toBeUndefined();

        // Mid-flow: the session expires while the end user is on the provider's consent page.
        kit.provider.consent = 'manual';
        const midFlow = await newSession({ end_user_id: 'user-expired' });
        await startOAuthOnPage(page, midFlow.connect_link);
        await page.waitForURL((url) => url.href.startsWith(`${kit.provider.url}/oauth/authorize`));
        await expire(midFlow.token);
        await page.getByRole('link', { name: 'Allow' }).click();
        await page.waitForURL(callbackPath);
        expect(await heading(page)).toBe('The connection failed');
        expect(await page.locator('main').textContent()).toMatch(/expired/i);
        expect(await connectionsOf(kit, OAUTH_KEY)).toHaveLength(before);
      } finally {
        kit.provider.consent = 'consent';
        await context.close();
      }
    });

    it('a failing token endpoint', async () => {
      const before = (await connectionsOf(kit, OAUTH_KEY)).length;
      kit.provider.token = 'fail';
      const { context, page } = await newTestContext(kit.browser);
      try {
        await startOAuthOnPage(page, (await newSession({ end_user_id: 'user-token-fail' })).connect_link);
        await page.waitForURL(callbackPath);
        expect(await heading(page)).toBe('The connection failed');
        expect(await page.locator('main').textContent()).toMatch(/token/i);
        // The client secret never reaches the browser.
        expect(await page.content()).not.toContain(kit.provider.clientSecret);
        expect(await connectionsOf(kit, OAUTH_KEY)).toHaveLength(before);
      } finally {
        kit.provider.token = 'ok';
        await context.close();
      }
    });
  });
});
