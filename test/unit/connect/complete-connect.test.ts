/**
 * `completeConnect` with in-memory ports: what the session allows, which connection config is
 * stored, creation versus override, the connect event written with the connection, and the
 * auto-start syncs queued by the same call.
 */
import { describe, expect, it } from 'vitest';
import { ConnectRefusedError, completeConnect } from '../../../functions/engine/connect/complete-connect.js';
import type { ConnectSession } from '../../../functions/engine/connect/connect-session.js';
import { ConnectionService } from '../../../functions/engine/connection-service.js';
import { IntegrationRegistry } from '../../../functions/engine/integration.js';
import * as z from 'zod';
import { createSync } from '../../../functions/engine/sync-definition.js';
import { TestClock } from '../../support/engine-kit.js';
import { MemoryRunQueue } from '../../support/memory-queue.js';
import { MemoryRecordStore } from '../../support/memory-record-store.js';
import { makeMemoryState } from '../../support/memory-state.js';

function setup() {
  const clock = new TestClock();
  const registry = new IntegrationRegistry([
    {
      providerConfigKey: 'shop',
      provider: {
        baseUrl: 'https://${connectionConfig.subdomain}.shop.example',
        auth: { mode: 'API_KEY' },
        connectionConfig: { subdomain: { title: 'Shop subdomain', pattern: '^[a-z0-9-]+$' }, region: { title: 'Region', optional: true } },
      },
      syncs: {
        orders: createSync({ frequency: 'every hour', autoStart: true, models: { Order: z.object({ id: z.string() }) }, exec: async () => undefined }),
        refunds: createSync({ frequency: 'every hour', autoStart: false, models: { Refund: z.object({ id: z.string() }) }, exec: async () => undefined }),
      },
    },
    { providerConfigKey: 'other', provider: { baseUrl: 'https://other.example', auth: { mode: 'API_KEY' } }, syncs: {} },
  ]);
  const state = makeMemoryState(clock);
  const queue = new MemoryRunQueue();
  let n = 0;
  const connections = new ConnectionService({ registry, state, records: new MemoryRecordStore(() => clock.now()), queue, clock, newId: () => `run-${++n}` });
  let ids = 0;
  const deps = { registry, state, connections, clock, newConnectionId: () => `conn-${++ids}` };
  return { clock, state, queue, deps };
}

const session = (extra: Partial<ConnectSession> = {}): ConnectSession => ({
  id: 's1',
  tokenHash: 'a'.repeat(64),
  tags: { end_user_id: 'u1' },
  allowedIntegrations: null,
  integrationsConfigDefaults: {},
  reconnect: null,
  createdAt: 0,
  expiresAt: Number.MAX_SAFE_INTEGER,
  ...extra,
});

const apiKey = (key: string) => ({ type: 'API_KEY' as const, apiKey: key });

describe('completeConnect', () => {
  it("creates a connection with a new id and the session's tags, writes the creation event with it, and queues its auto-start syncs at once", async () => {
    const { deps, state, queue, clock } = setup();
    const result = await completeConnect(deps, session(), { providerConfigKey: 'shop', credentials: apiKey('k1'), connectionConfig: { subdomain: 'acme' } });
    expect(result).toEqual({ providerConfigKey: 'shop', connectionId: 'conn-1', operation: 'creation' });
    const stored = await state.connections.getWithCredentials('shop', 'conn-1');
    expect(stored).toMatchObject({ tags: { end_user_id: 'u1' }, connectionConfig: { subdomain: 'acme' }, credentials: apiKey('k1'), metadata: {} });
    expect(stored?.authEvent).toEqual({ operation: 'creation', at: expect.any(String) });
    expect(Math.abs(Date.parse(stored!.authEvent!.at) - clock.now())).toBeLessThan(1_000);
    expect(queue.messages.map((m) => [m.connectionId, m.syncName, m.trigger])).toEqual([['conn-1', 'orders', 'MANUAL']]);
  });

  it("applies the session's fixed connection config over what the end user typed", async () => {
    const { deps, state } = setup();
    const fixed = session({ integrationsConfigDefaults: { shop: { connectionConfig: { subdomain: 'fixed' } } } });
    await completeConnect(deps, fixed, { providerConfigKey: 'shop', credentials: apiKey('k'), connectionConfig: { subdomain: 'typed', region: 'eu' } });
    expect((await state.connections.find('shop', 'conn-1'))?.connectionConfig).toEqual({ subdomain: 'fixed', region: 'eu' });
  });

  it.each([
    ['an integration the session does not allow', session({ allowedIntegrations: ['other'] }), { subdomain: 'acme' }, 'integration_not_allowed'],
    ['a missing required field', session(), { region: 'eu' }, 'invalid_connection_config'],
    ['a value against the pattern', session(), { subdomain: 'evil.example/x?' }, 'invalid_connection_config'],
    ['a reconnect session for another integration', session({ reconnect: { providerConfigKey: 'other', connectionId: 'x' } }), { subdomain: 'acme' }, 'integration_not_allowed'],
    ['a reconnect of a deleted connection', session({ reconnect: { providerConfigKey: 'shop', connectionId: 'gone' } }), { subdomain: 'acme' }, 'invalid_connection'],
  ])('refuses %s and stores nothing', async (_name, s, connectionConfig, code) => {
    const { deps, state, queue } = setup();
    const attempt = completeConnect(deps, s, { providerConfigKey: 'shop', credentials: apiKey('k'), connectionConfig });
    await expect(attempt).rejects.toBeInstanceOf(ConnectRefusedError);
    await expect(attempt).rejects.toMatchObject({ code });
    expect(state.connections.items.size).toBe(0);
    expect(queue.messages).toEqual([]);
  });

  it('overrides a connection for a reconnect session: same id, metadata and tags, new credentials, auth error cleared, no new runs', async () => {
    const { deps, state, queue, clock } = setup();
    await completeConnect(deps, session(), { providerConfigKey: 'shop', credentials: apiKey('old'), connectionConfig: { subdomain: 'acme', region: 'eu' } });
    await state.connections.updateMetadata('shop', 'conn-1', { plan: 'pro' });
    const before = await state.connections.find('shop', 'conn-1');
    await state.connections.recordAuthError('shop', 'conn-1', { type: 'auth', message: 'revoked', at: new Date(clock.now()).toISOString() }, before!.updatedAt);
    queue.take();
    clock.advance(5_000);

    const reconnect = session({ tags: { end_user_id: 'someone-else' }, reconnect: { providerConfigKey: 'shop', connectionId: 'conn-1' } });
    const result = await completeConnect(deps, reconnect, { providerConfigKey: 'shop', credentials: apiKey('new'), connectionConfig: { subdomain: 'acme' } });
    expect(result).toEqual({ providerConfigKey: 'shop', connectionId: 'conn-1', operation: 'override' });
    const stored = await state.connections.getWithCredentials('shop', 'conn-1');
    expect(stored).toMatchObject({ credentials: apiKey('new'), metadata: { plan: 'pro' }, tags: { end_user_id: 'u1' }, connectionConfig: { subdomain: 'acme', region: 'eu' } });
    expect(stored?.authError).toBeUndefined();
    expect(stored?.authEvent?.operation).toBe('override');
    expect(Date.parse(stored!.authEvent!.at)).toBeGreaterThanOrEqual(Date.parse(before!.updatedAt) + 5_000);
    expect(stored?.createdAt).toBe(before?.createdAt);
    expect(queue.messages).toEqual([]);
  });
});
