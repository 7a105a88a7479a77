/**
 * Nango's frontend SDK (`@nangohq/frontend`, unchanged) in an app's page on its own origin,
 * pointed at Syncline's host with a session token from `@nangohq/node`:
 *   - `nango.auth()` with an API key (a plain POST to `/api-auth/api-key`),
 *   - `nango.auth()` with OAuth (popup + the SDK's WebSocket, which the local runtime serves),
 *   - `nango.openConnectUI()` showing Syncline's hosted page in its iframe, which speaks the
 *     Connect UI protocol back (`ready`, `connect`, `close`), for an API key and for OAuth
 *     (consent in a popup, whose callback page tells the iframe).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { newTestContext } from '../support/browser.js';
import { API_KEY_KEY, type ConnectKit, connectionsOf, OAUTH_KEY, startConnectKit } from '../support/connect-kit.js';
import { type SdkTestPage, startSdkTestPage } from '../support/sdk-test-page.js';

let kit: ConnectKit;
let app: SdkTestPage;

beforeAll(async () => {
  [kit, app] = await Promise.all([startConnectKit(), startSdkTestPage()]);
}, 60_000);
afterAll(async () => {
  await app?.stop();
  await kit?.stop();
});

async function newToken(endUser: string): Promise<string> {
  const { data } = await kit.nango.createConnectSession({ tags: { end_user_id: endUser }, allowed_integrations: [OAUTH_KEY, API_KEY_KEY] } as never);
  return (data as { token: string }).token;
}

async function openApp(page: Page): Promise<void> {
  await page.goto(app.url);
  await page.locator('body[data-ready="true"]').waitFor();
}

/** Runs `nango.auth(...)` in the app's page; resolves with its result or `{error: {type, message}}`. */
function sdkAuth(page: Page, token: string, key: string, options: unknown): Promise<any> {
  return page.evaluate(
    async ([token, host, key, options]) => {
      const w = globalThis as unknown as { Nango: new (o: unknown) => { auth(k: string, o: unknown): Promise<unknown> } };
      try {
        return await new w.Nango({ connectSessionToken: token, host }).auth(key as string, options);
      } catch (error) {
        const e = error as { type?: string; message?: string };
        return { error: { type: e.type, message: e.message } };
      }
    },
    [token, kit.apiUrl, key, options] as const,
  );
}

/** Opens Syncline's page in the SDK's iframe; events land in `window.connectEvents`. */
function openConnectUI(page: Page, token: string): Promise<void> {
  return page.evaluate(
    ([token, host]) => {
      const w = globalThis as unknown as { Nango: new (o: unknown) => { openConnectUI(o: unknown): unknown }; connectEvents: unknown[] };
      new w.Nango({ connectSessionToken: token }).openConnectUI({ baseURL: `${host}/connect`, apiURL: host, onEvent: (event: unknown) => void w.connectEvents.push(event) });
    },
    [token, kit.apiUrl] as const,
  );
}

const connectEvents = (page: Page) => page.evaluate(() => (globalThis as unknown as { connectEvents: { type: string; payload?: any }[] }).connectEvents);

describe("Nango's frontend SDK against Syncline", () => {
  it('auth() with an API key connects, with the session’s tags', async () => {
    const { context, page, problems } = await newTestContext(kit.browser);
    try {
      await openApp(page);
      const result = await sdkAuth(page, await newToken('sdk-key'), API_KEY_KEY, { credentials: { apiKey: 'sdk-secret-key-1' } });
      expect(result).toEqual({ providerConfigKey: API_KEY_KEY, connectionId: expect.any(String) });
      const connection = (await connectionsOf(kit, API_KEY_KEY)).find((c) => c.connection_id === result.connectionId);
      expect(connection?.tags).toMatchObject({ end_user_id: 'sdk-key' });
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('auth() with OAuth: the popup goes through the provider’s consent and the SDK hears the outcome on its WebSocket', async () => {
    const { context, page } = await newTestContext(kit.browser);
    try {
      await openApp(page);
      const result = await sdkAuth(page, await newToken('sdk-oauth'), OAUTH_KEY, { params: { workspace: 'acme' } });
      expect(result).toEqual({ providerConfigKey: OAUTH_KEY, connectionId: expect.any(String), isPending: false });
      const connection = (await kit.nango.getConnection(OAUTH_KEY, result.connectionId)) as any;
      expect(connection.credentials.access_token).toBe(kit.provider.issued.at(-1));
      expect(connection.tags).toMatchObject({ end_user_id: 'sdk-oauth' });
    } finally {
      await context.close();
    }
  });

  it('openConnectUI() shows the hosted page in its iframe: ready, connect with the new connection, close', async () => {
    const { context, page, problems } = await newTestContext(kit.browser);
    try {
      await openApp(page);
      await openConnectUI(page, await newToken('sdk-ui-key'));
      const frame = page.frameLocator('#connect-ui');
      // The token came by postMessage after `ready`: the page lists the session's integrations.
      await frame.getByRole('button', { name: /Keyed API/ }).click();
      await frame.getByLabel('API key').fill('sdk-ui-secret');
      await frame.getByRole('button', { name: 'Connect' }).click();
      await frame.getByRole('heading', { name: 'Connected to Keyed API' }).waitFor();

      const events = await vi.waitFor(async () => {
        const events = await connectEvents(page);
        if (!events.some((e) => e.type === 'connect')) throw new Error(`no connect event yet: ${JSON.stringify(events)}`);
        return events;
      });
      expect(events[0]).toEqual({ type: 'ready' });
      const connect = events.find((e) => e.type === 'connect')!;
      expect(connect.payload).toEqual({ providerConfigKey: API_KEY_KEY, connectionId: expect.any(String) });
      expect((await connectionsOf(kit, API_KEY_KEY)).map((c) => c.connection_id)).toContain(connect.payload.connectionId);

      await frame.getByRole('button', { name: 'Done' }).click();
      await page.locator('#connect-ui').waitFor({ state: 'detached' });
      expect((await connectEvents(page)).at(-1)).toEqual({ type: 'close' });
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('openConnectUI() with OAuth: consent in a popup, the iframe reports the connection', async () => {
    const { context, page } = await newTestContext(kit.browser);
    try {
      await openApp(page);
      await openConnectUI(page, await newToken('sdk-ui-oauth'));
      const frame = page.frameLocator('#connect-ui');
      await frame.getByRole('button', { name: /Fake OAuth/ }).click();
      await frame.getByLabel('Workspace').fill('acme');
      const popup = context.waitForEvent('page');
      await frame.getByRole('button', { name: 'Continue to Fake OAuth' }).click();
      await (await popup).waitForEvent('close');
      await frame.getByRole('heading', { name: 'Connected to Fake OAuth' }).waitFor();
      const connect = (await connectEvents(page)).find((e) => e.type === 'connect');
      expect(connect?.payload).toEqual({ providerConfigKey: OAUTH_KEY, connectionId: expect.any(String) });
      const connection = (await kit.nango.getConnection(OAUTH_KEY, connect!.payload.connectionId)) as any;
      expect(connection.credentials.access_token).toBe(kit.provider.issued.at(-1));
    } finally {
      await context.close();
    }
  });
});
