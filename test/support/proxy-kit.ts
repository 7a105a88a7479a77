/**
 * The proxy end to end: the API kit's stores (DynamoDB Local), served twice on 127.0.0.1 — as the
 * local runtime serves it (`proxy: { allowPrivate: true }`) and as the API Lambda does (private
 * addresses refused; its fetch records and sends nothing) — with a fake provider on 127.0.0.1 that records every request it gets:
 *
 *   - `/v1/*` wants the API key in `x-api-key` (the `proxy-keyed` integration's template);
 *   - `/oauth/token` refreshes any refresh token; `/api/*` wants the latest token as a bearer
 *     (`proxy-oauth`), so an imported stale token gets a 401 and the refresh is what fixes it.
 */
import type { ServerResponse } from 'node:http';
import { createApiApp } from '../../functions/api/app.js';
import type { ApiDeps } from '../../functions/api/deps.js';
import { defineIntegration } from '../../functions/engine/integration.js';
import { startApiServer } from '../../functions/local/api-server.js';
import { type RecordedRequest, sendJson, startServer } from '../unit/http/test-server.js';
import { startApiKit, VISIBILITY_LAG_MS } from './api-kit.js';

export const KEYED = 'proxy-keyed';
export const OAUTH = 'proxy-oauth';
export const PROVIDER_KEY = 'pk-proxy-e2e-31337';
export const CLIENT_SECRET = 'cs-proxy-e2e-8086';

export interface FakeProviderState {
  /** The access token `/api/*` accepts; each refresh issues the next. */
  validToken: string;
  issued: number;
  /** How many more times `/v1/flaky` answers 429 before 200. */
  flakyFailures: number;
}

export async function startProxyKit() {
  const state: FakeProviderState = { validToken: 'at-proxy-valid-0', issued: 0, flakyFailures: 0 };
  const provider = await startServer((req, res) => answer(state, req, res));
  const kit = await startApiKit({
    initialContacts: 1,
    integrations: [
      defineIntegration({
        providerConfigKey: KEYED,
        provider: { name: KEYED, baseUrl: `${provider.baseUrl}/v1`, auth: { mode: 'API_KEY' }, proxy: { headers: { 'x-api-key': '${apiKey}' }, query: {} } },
        syncs: {},
      }),
      defineIntegration({
        providerConfigKey: OAUTH,
        provider: { name: OAUTH, baseUrl: provider.baseUrl, auth: { mode: 'OAUTH2', authorizationUrl: `${provider.baseUrl}/oauth/authorize`, tokenUrl: `${provider.baseUrl}/oauth/token` } },
        oauthClient: { clientId: 'proxy-client', clientSecret: CLIENT_SECRET },
        syncs: {},
      }),
    ],
  });
  const logger: ApiDeps['logger'] = { log: (level, message, fields) => void kit.logs.push({ level, message, ...(fields ? { fields } : {}) }) };
  const serve = (proxy: ApiDeps['proxy']) =>
    startApiServer({
      app: (url) => createApiApp({ syncline: kit.syncline, apiKeys: kit.apiKeys, clock: kit.clock, visibilityLagMs: VISIBILITY_LAG_MS, logger, publicUrl: url, ...(proxy ? { proxy } : {}) }),
      port: 0,
    });
  const local = await serve({ allowPrivate: true });
  // The AWS configuration's refusals happen before any fetch; should one fail, this fetch still
  // sends nothing (no test may reach an address but 127.0.0.1's fake) and shows what was tried.
  const awsAttempts: string[] = [];
  const tripwire: typeof fetch = async (input) => {
    awsAttempts.push(String(input instanceof Request ? input.url : input));
    throw new TypeError('the test tripwire sends nothing');
  };
  const aws = await serve({ fetch: tripwire });
  const stop = async () => {
    await Promise.all([local.stop(), aws.stop()]);
    await kit.stop();
    await provider.close();
  };
  return { kit, provider, state, local, aws, awsAttempts, stop };
}

export type ProxyKit = Awaited<ReturnType<typeof startProxyKit>>;

function answer(state: FakeProviderState, req: RecordedRequest, res: ServerResponse) {
  if (req.path === '/oauth/token') {
    const form = new URLSearchParams(req.body);
    if (form.get('client_secret') !== CLIENT_SECRET || form.get('grant_type') !== 'refresh_token') return sendJson(res, 401, { error: 'invalid_client' });
    state.issued++;
    state.validToken = `at-proxy-valid-${state.issued}`;
    return sendJson(res, 200, { access_token: state.validToken, refresh_token: `rt-proxy-${state.issued}`, expires_in: 3600 });
  }
  if (req.path.startsWith('/api/')) {
    if (req.headers.authorization !== `Bearer ${state.validToken}`) return sendJson(res, 401, { error: 'invalid_token' });
    return sendJson(res, 200, { path: req.path, user: 'ada' });
  }
  if (!req.path.startsWith('/v1/')) return sendJson(res, 404, { error: 'no such path' });
  if (req.headers['x-api-key'] !== PROVIDER_KEY) return sendJson(res, 401, { error: 'bad key' });
  switch (req.path) {
    case '/v1/flaky':
      if (state.flakyFailures > 0) {
        state.flakyFailures--;
        return sendJson(res, 429, { error: 'slow down' }, { 'retry-after': '0' });
      }
      return sendJson(res, 200, { ok: true });
    case '/v1/missing':
      return sendJson(res, 404, { message: 'Contact not found', code: 'NOT_FOUND' }, { 'set-cookie': 'session=provider-cookie' });
    default:
      return sendJson(res, req.method === 'POST' ? 201 : 200, { method: req.method, path: req.path, query: req.url.split('?')[1] ?? '', body: req.body });
  }
}
