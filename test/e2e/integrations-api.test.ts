/**
 * Integrations configured at runtime, end to end over HTTP on 127.0.0.1: the OAuth app set with
 * `POST /integrations` refreshes an expired token against a local token endpoint, its secret
 * shows only with `include=credentials` and never in a log, and a 401 from the provider costs
 * exactly one refresh and one retry.
 */
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { defineIntegration } from '../../functions/engine/integration.js';
import { createSync } from '../../functions/engine/sync-definition.js';
import { type ApiKit, startApiKit } from '../support/api-kit.js';
import { type RecordedRequest, sendJson, startServer, type TestServer } from '../unit/http/test-server.js';

const CLIENT_SECRET = 'cs-integration-secret-4711';
let kit: ApiKit;
let provider: TestServer;
/** Access tokens the provider's API accepts; the token endpoint adds the ones it issues. */
const accepted = new Set<string>();
let issued = 0;

function handleProvider(req: RecordedRequest, res: ServerResponse): void {
  if (req.path === '/oauth/token') {
    const form = new URLSearchParams(req.body);
    if (form.get('client_id') !== 'cid-1' || form.get('client_secret') !== CLIENT_SECRET) {
      sendJson(res, 401, { error: 'invalid_client' });
      return;
    }
    const token = `at-${++issued}`;
    accepted.add(token);
    sendJson(res, 200, { access_token: token, refresh_token: `rt-${issued}`, expires_in: 3600 });
  } else if (accepted.has((req.headers.authorization ?? '').replace(/^Bearer /, ''))) {
    sendJson(res, 200, { items: [{ id: 'i-1' }, { id: 'i-2' }] });
  } else {
    sendJson(res, 401, { error: 'unauthorized' });
  }
}

beforeAll(async () => {
  provider = await startServer(handleProvider);
  const integration = defineIntegration({
    providerConfigKey: 'oauth-crm',
    provider: {
      name: 'oauth-crm',
      displayName: 'OAuth CRM',
      baseUrl: provider.baseUrl,
      auth: { mode: 'OAUTH2', authorizationUrl: `${provider.baseUrl}/oauth/authorize`, tokenUrl: `${provider.baseUrl}/oauth/token` },
    },
    syncs: {
      items: createSync({
        frequency: 'every hour',
        syncType: 'incremental',
        autoStart: true,
        models: { Item: z.object({ id: z.string() }) },
        exec: async (nango) => {
          const { data } = await nango.get<{ items: { id: string }[] }>({ endpoint: '/items' });
          await nango.batchSave(data.items, 'Item');
        },
      }),
    },
  });
  kit = await startApiKit({ integrations: [integration] });
}, 60_000);
afterAll(async () => {
  await kit?.stop();
  await provider?.close();
});

const tokenRequests = () => provider.requests.filter((r) => r.path === '/oauth/token');
const apiRequests = () => provider.requests.filter((r) => r.path === '/items');

describe('integrations API', () => {
  it('configures the OAuth app of an integration declared in code, without showing its secret', async () => {
    const wrongProvider = await kit.call('POST', '/integrations', { body: { unique_key: 'oauth-crm', provider: 'hubspot' } });
    expect(wrongProvider).toMatchObject({ status: 400, body: { error: { errors: [{ path: 'body.provider' }] } } });

    const created = await kit.call('POST', '/integrations', {
      body: { unique_key: 'oauth-crm', provider: 'oauth-crm', display_name: 'Our CRM', credentials: { type: 'OAUTH2', client_id: 'cid-1', client_secret: CLIENT_SECRET, scopes: 'read,write' } },
    });
    expect(created).toMatchObject({ status: 200, body: { data: { unique_key: 'oauth-crm', provider: 'oauth-crm', display_name: 'Our CRM', syncs: ['items'] } } });
    expect((await kit.call('POST', '/integrations', { body: { unique_key: 'oauth-crm', provider: 'oauth-crm' } })).status).toBe(409);

    const list = await kit.call('GET', '/integrations');
    expect(list.body.data.map((i: { unique_key: string }) => i.unique_key)).toEqual(['demo-crm', 'oauth-crm']);
    const plain = await kit.call('GET', '/integrations/oauth-crm');
    expect(plain.body.data).not.toHaveProperty('credentials');
    const full = await kit.call('GET', '/integrations/oauth-crm', { query: { include: 'credentials' } });
    expect(full.body.data.credentials).toEqual({ type: 'OAUTH2', client_id: 'cid-1', client_secret: CLIENT_SECRET, scopes: 'read,write' });
    for (const answer of [created, list, plain]) expect(answer.text).not.toContain(CLIENT_SECRET);

    // Auth only: an integration of a catalog provider without syncs in code.
    const authOnly = await kit.call('POST', '/integrations', {
      body: { unique_key: 'github-login', provider: 'github', credentials: { type: 'OAUTH2', client_id: 'gh', client_secret: 'gh-secret' } },
    });
    expect(authOnly).toMatchObject({ status: 200, body: { data: { provider: 'github', syncs: [] } } });
    expect((await kit.call('POST', '/integrations', { body: { unique_key: 'x', provider: 'no-such-api' } })).status).toBe(400);
    expect(await kit.call('DELETE', '/integrations/github-login')).toMatchObject({ status: 200, body: { success: true } });
    expect((await kit.call('GET', '/integrations/github-login')).status).toBe(404);
  });

  it('refreshes an expired token with the configured client, and the run reads with the new token', async () => {
    const imported = await kit.call('POST', '/connections', {
      body: {
        provider_config_key: 'oauth-crm',
        connection_id: 'acme',
        credentials: { type: 'OAUTH2', access_token: 'at-expired', refresh_token: 'rt-0', expires_at: new Date(kit.clock.now() - 60_000).toISOString() },
      },
    });
    expect(imported.status).toBe(201);

    await kit.drain();

    expect(tokenRequests()).toHaveLength(1);
    expect(apiRequests().map((r) => r.headers.authorization)).toEqual(['Bearer at-1']);
    const [run] = await kit.state.runs.list({ providerConfigKey: 'oauth-crm', connectionId: 'acme', syncName: 'items' }, 1);
    expect(run).toMatchObject({ status: 'SUCCESS', results: { Item: { added: 2 } } });
  });

  it('answers a 401 with exactly one refresh and one retry', async () => {
    accepted.clear(); // the provider revokes every token it issued
    const before = { tokens: tokenRequests().length, calls: apiRequests().length };

    await kit.call('POST', '/sync/trigger', { body: { provider_config_key: 'oauth-crm', connection_id: 'acme', syncs: ['items'] } });
    await kit.drain();

    expect(tokenRequests().length - before.tokens).toBe(1);
    expect(
      apiRequests()
        .slice(before.calls)
        .map((r) => r.headers.authorization),
    ).toEqual(['Bearer at-1', 'Bearer at-2']);
    const [run] = await kit.state.runs.list({ providerConfigKey: 'oauth-crm', connectionId: 'acme', syncName: 'items' }, 1);
    expect(run).toMatchObject({ status: 'SUCCESS' });
  });

  it('never writes the client secret or a token to a log line', () => {
    const logged = JSON.stringify(kit.logs);
    for (const secret of [CLIENT_SECRET, 'at-1', 'at-2', 'rt-1', 'rt-2']) expect(logged).not.toContain(secret);
    expect(kit.logs.some((l) => l.message.includes('client secret of integration "oauth-crm" was read'))).toBe(true);
  });
});
