/**
 * The proxy engine over in-memory state and a fetch that sends nothing: each test scripts the
 * provider's answers and reads the calls that would have left.
 */
import type { Connection } from '../../../functions/engine/connection.js';
import { defineIntegration, IntegrationRegistry } from '../../../functions/engine/integration.js';
import type { LogLevel } from '../../../functions/engine/ports.js';
import { type ProxyDeps, type ProxyRequest, proxyRequest } from '../../../functions/engine/proxy/proxy-request.js';
import { TestClock } from '../../support/engine-kit.js';
import { makeMemoryState } from '../../support/memory-state.js';
import { fakeFetch, type Responder } from '../http/fake-fetch.js';

export const KEYED = 'keyed';
export const OAUTH = 'oauth';
export const API_KEY = 'key-7f3a9c-secret';
export const ACCESS_TOKEN = 'at-old-4e1d';

export async function startProxyKit(respond: Responder, options: Partial<ProxyDeps> = {}) {
  const clock = new TestClock();
  const state = makeMemoryState(clock);
  const registry = new IntegrationRegistry([
    defineIntegration({
      providerConfigKey: KEYED,
      provider: { name: KEYED, baseUrl: 'https://api.keyed.example/v1', auth: { mode: 'API_KEY' }, proxy: { headers: { 'x-api-key': '${apiKey}' }, query: {} } },
      syncs: {},
    }),
    defineIntegration({
      providerConfigKey: OAUTH,
      provider: { name: OAUTH, baseUrl: 'https://${connectionConfig.host}/api', auth: { mode: 'OAUTH2', authorizationUrl: 'https://auth.example/authorize', tokenUrl: 'https://auth.example/token' } },
      oauthClient: { clientId: 'cid', clientSecret: 'cs-secret-5150' },
      syncs: {},
    }),
  ]);
  const now = new Date(clock.now()).toISOString();
  const base = { metadata: {}, createdAt: now, updatedAt: now };
  await state.connections.put({ ...base, providerConfigKey: KEYED, connectionId: 'k1', credentials: { type: 'API_KEY', apiKey: API_KEY }, connectionConfig: {} } satisfies Connection);
  await state.connections.put({
    ...base,
    providerConfigKey: OAUTH,
    connectionId: 'o1',
    credentials: { type: 'OAUTH2', accessToken: ACCESS_TOKEN, refreshToken: 'rt-1', expiresAt: new Date(clock.now() + 3_600_000).toISOString() },
    connectionConfig: { host: 'api.oauth.example' },
  } satisfies Connection);
  const net = fakeFetch(respond);
  const logs: { level: LogLevel; message: string }[] = [];
  const delays: number[] = [];
  const deps: ProxyDeps = {
    registry,
    state,
    clock,
    logger: { log: (level, message) => void logs.push({ level, message }) },
    fetch: net.fetch,
    sleep: async (ms) => void delays.push(ms),
    random: () => 0.5,
    ...options,
  };
  const call = (request: Partial<ProxyRequest>) => proxyRequest(deps, { providerConfigKey: KEYED, connectionId: 'k1', method: 'GET', path: '/things', query: '', headers: {}, retries: 0, ...request });
  return { clock, state, registry, deps, calls: net.calls, logs, delays, call };
}

export const text = (body: Uint8Array) => Buffer.from(body).toString('utf8');
