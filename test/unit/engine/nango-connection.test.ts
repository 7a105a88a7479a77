/** `nango.getConnection()` hands a script Nango's public connection shape, with current credentials. */
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { IntegrationRegistry } from '../../../functions/engine/integration.js';
import { runInvocation } from '../../../functions/engine/runner/run-invocation.js';
import type { NangoConnection } from '../../../functions/engine/sdk/nango-connection.js';
import { createSync } from '../../../functions/engine/sync-definition.js';
import { ManualClock } from '../../support/memory-engine.js';
import { MemoryRecordStore } from '../../support/memory-record-store.js';
import { makeMemoryState } from '../../support/memory-state.js';

describe('nango.getConnection()', () => {
  it("returns snake_case fields, connection_config and the credentials in Nango's names", async () => {
    const clock = new ManualClock();
    const state = makeMemoryState(clock);
    let seen: NangoConnection | undefined;
    const registry = new IntegrationRegistry([
      {
        providerConfigKey: 'xero-prod',
        provider: 'xero',
        syncs: {
          invoices: createSync({
            autoStart: true,
            frequency: 'every hour',
            syncType: 'incremental',
            models: { Invoice: z.object({ id: z.string() }) },
            exec: async (nango) => {
              seen = await nango.getConnection();
            },
          }),
        },
      },
    ]);
    const expiresAt = new Date(clock.now() + 3_600_000).toISOString();
    await state.connections.put({
      providerConfigKey: 'xero-prod',
      connectionId: 'acme',
      metadata: { org: 'Acme' },
      connectionConfig: { tenant_id: 't-42' },
      credentials: { type: 'OAUTH2', accessToken: 'at-1', refreshToken: 'rt-1', expiresAt, raw: { scope: 'accounting' } },
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    });

    const outcome = await runInvocation(
      { registry, records: new MemoryRecordStore(() => clock.now()), state, clock, newId: () => 'run-1', logger: { log: () => undefined } },
      { providerConfigKey: 'xero-prod', connectionId: 'acme', syncName: 'invoices', trigger: 'MANUAL', owner: 'o' },
    );

    expect(outcome).toMatchObject({ kind: 'FINISHED', run: { status: 'SUCCESS' } });
    expect(seen).toEqual({
      connection_id: 'acme',
      provider_config_key: 'xero-prod',
      provider: 'xero',
      connection_config: { tenant_id: 't-42' },
      metadata: { org: 'Acme' },
      credentials: { type: 'OAUTH2', access_token: 'at-1', refresh_token: 'rt-1', expires_at: new Date(expiresAt), raw: { scope: 'accounting' } },
      created_at: '2026-01-01T00:00:00.000Z',
      updated_at: '2026-01-01T00:00:00.000Z',
    });
  });
});
