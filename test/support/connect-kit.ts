/**
 * What the connect-flow browser tests share: `npm start`'s runtime (DynamoDB Local with its
 * stream poller for `auth` webhooks, the queue poller running auto-start syncs, the API on
 * 127.0.0.1 whose address is also its public URL), a fake OAuth provider, a webhook receiver
 * subscribed to the auth events, headless Chromium, and Nango's own Node client as the app's
 * backend.
 *
 * Integrations:
 *   - `fake-oauth`: OAuth2 with PKCE against the fake provider, a `workspace` connection-config
 *     field with a pattern, and an auto-start `items` sync that reads the provider's data endpoint.
 *   - `fake-keyed`: an API-key provider (no sync).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Nango } from '@nangohq/node';
import type { Browser } from 'playwright-core';
import * as z from 'zod';
import { defineIntegration } from '../../functions/engine/integration.js';
import { createSync } from '../../functions/engine/sync-definition.js';
import { startLocalRuntime, type LocalRuntime } from '../../functions/local/runtime.js';
import { launchChromium } from './browser.js';
import { type FakeOAuthProvider, startFakeOAuthProvider } from './fake-oauth-provider.js';
import { startReceiver, type WebhookReceiver } from './webhook-receiver.js';

export const OAUTH_KEY = 'fake-oauth';
export const API_KEY_KEY = 'fake-keyed';
export const CONNECT_SECRET_KEY = 'sk_connect_e2e_0123456789abcdef';
export const AUTH_EVENTS = ['auth.creation', 'auth.override', 'auth.refresh_error'] as const;

export interface ConnectKit {
  runtime: LocalRuntime;
  apiUrl: string;
  provider: FakeOAuthProvider;
  receiver: WebhookReceiver;
  /** The receiver's signing secret (`whsec_…`). */
  webhookSecret: string;
  browser: Browser;
  nango: Nango;
  stop(): Promise<void>;
}

export async function startConnectKit(): Promise<ConnectKit> {
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const fn of stops.splice(0).reverse()) await fn().catch(() => undefined);
  };
  try {
    const provider = await startFakeOAuthProvider();
    stops.push(() => provider.stop());
    const dataDir = await mkdtemp(join(tmpdir(), 'syncline-connect-'));
    stops.push(() => rm(dataDir, { recursive: true, force: true }));

    const oauth = defineIntegration({
      providerConfigKey: OAUTH_KEY,
      provider: {
        name: OAUTH_KEY,
        displayName: 'Fake OAuth',
        docs: 'https://docs.example.com/fake-oauth',
        baseUrl: provider.url,
        auth: { mode: 'OAUTH2', authorizationUrl: `${provider.url}/oauth/authorize`, tokenUrl: `${provider.url}/oauth/token`, pkce: true, defaultScopes: ['items.read'] },
        connectionConfig: { workspace: { title: 'Workspace', description: 'The workspace name in your Fake OAuth URL', pattern: '^[a-z0-9-]+$', example: 'acme' } },
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
    const keyed = defineIntegration({
      providerConfigKey: API_KEY_KEY,
      provider: { name: API_KEY_KEY, displayName: 'Keyed API', baseUrl: provider.url, auth: { mode: 'API_KEY' } },
      syncs: {},
    });

    const runtime = await startLocalRuntime({ dataDir, integrations: [oauth, keyed], logger: { log: () => undefined }, demo: false, apiPort: 0, secretKey: CONNECT_SECRET_KEY });
    stops.push(() => runtime.stop());
    const apiUrl = runtime.api!.url;

    const receiver = await startReceiver();
    stops.push(() => receiver.stop());
    const subscribed = await fetch(`${apiUrl}/webhooks/subscriptions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${CONNECT_SECRET_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: receiver.url, events: AUTH_EVENTS }),
    });
    if (subscribed.status !== 201) throw new Error(`subscribing the receiver failed: ${subscribed.status} ${await subscribed.text()}`);
    const { secret } = (await subscribed.json()) as { secret: string };

    const browser = await launchChromium();
    stops.push(() => browser.close());
    const nango = new Nango({ secretKey: CONNECT_SECRET_KEY, host: apiUrl });
    return { runtime, apiUrl, provider, receiver, webhookSecret: secret, browser, nango, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The connections of one integration, as the app's backend lists them. */
export async function connectionsOf(kit: ConnectKit, providerConfigKey: string): Promise<{ connection_id: string; provider_config_key: string; tags?: Record<string, string> }[]> {
  const { connections } = await kit.nango.listConnections({ integrationId: providerConfigKey });
  return connections as never;
}
