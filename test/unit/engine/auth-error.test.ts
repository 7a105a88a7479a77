/**
 * A connection whose token the provider will not refresh is marked, its syncs stop calling the
 * provider, and new credentials bring it back — over in-memory ports and a local token endpoint.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { IntegrationRegistry } from '../../../functions/engine/integration.js';
import { runInvocation, type RunnerDeps } from '../../../functions/engine/runner/run-invocation.js';
import { createSync } from '../../../functions/engine/sync-definition.js';
import { ManualClock } from '../../support/memory-engine.js';
import { MemoryRecordStore } from '../../support/memory-record-store.js';
import { makeMemoryState } from '../../support/memory-state.js';
import { sendJson, startServer, type TestServer } from '../http/test-server.js';

let server: TestServer | undefined;
afterEach(() => server?.close());

describe('a refresh the provider refuses', () => {
  it('marks the connection, stops its syncs until new credentials are saved, then runs again', async () => {
    let apiCalls = 0;
    server = await startServer((req, res) => {
      if (req.path === '/oauth/token') return sendJson(res, 400, { error: 'invalid_grant' });
      apiCalls++;
      sendJson(res, 200, { items: [{ id: '1' }] });
    });
    const clock = new ManualClock();
    const state = makeMemoryState(clock);
    const registry = new IntegrationRegistry([
      {
        providerConfigKey: 'crm',
        provider: { baseUrl: server.baseUrl, auth: { mode: 'OAUTH2', tokenUrl: `${server.baseUrl}/oauth/token` } },
        oauthClient: { clientId: 'c', clientSecret: 's' },
        syncs: {
          items: createSync({
            autoStart: true,
            frequency: 'every hour',
            syncType: 'incremental',
            models: { Item: z.object({ id: z.string() }) },
            exec: async (nango) => {
              const { data } = await nango.get<{ items: { id: string }[] }>({ endpoint: '/items' });
              await nango.batchSave(data.items, 'Item');
            },
          }),
        },
      },
    ]);
    const deps: RunnerDeps = {
      registry,
      records: new MemoryRecordStore(() => clock.now()),
      state,
      clock,
      newId: () => `run-${clock.now()}`,
      logger: { log: () => undefined },
      config: { indexSettleMs: 0 },
    };
    const now = new Date(clock.now()).toISOString();
    const expired = { type: 'OAUTH2' as const, accessToken: 'at-old', refreshToken: 'rt-revoked', expiresAt: new Date(clock.now() - 1_000).toISOString() };
    await state.connections.put({ providerConfigKey: 'crm', connectionId: 'acme', credentials: expired, metadata: {}, connectionConfig: {}, createdAt: now, updatedAt: now });
    const run = () => runInvocation(deps, { providerConfigKey: 'crm', connectionId: 'acme', syncName: 'items', trigger: 'SCHEDULE', owner: 'o' });

    const failed = await run();
    expect(failed).toMatchObject({ kind: 'FINISHED', run: { status: 'ERROR', error: { type: 'CredentialsRefreshError', message: expect.stringMatching(/HTTP 400 \(invalid_grant\)/) } } });
    const marked = await state.connections.find('crm', 'acme');
    expect(marked!.authError).toMatchObject({ type: 'auth', runId: (failed as { run: { runId: string } }).run.runId });

    clock.advance(60_000);
    expect(await run()).toMatchObject({ kind: 'SKIPPED', reason: expect.stringMatching(/must be authorized again/) });
    expect(server.requests.filter((r) => r.path === '/oauth/token')).toHaveLength(1);

    await state.connections.put({
      ...(await state.connections.getWithCredentials('crm', 'acme'))!,
      authError: undefined,
      credentials: { type: 'OAUTH2', accessToken: 'at-new', expiresAt: new Date(clock.now() + 3_600_000).toISOString() },
    });
    expect(await run()).toMatchObject({ kind: 'FINISHED', run: { status: 'SUCCESS', results: { Item: { added: 1 } } } });
    expect(apiCalls).toBe(1);
  });
});
