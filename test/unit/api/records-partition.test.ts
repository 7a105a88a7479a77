/**
 * Which partition a records call reads or prunes, and whose connection-sync state judges it: the
 * variant's own. A variant the connection never created is a 404, also when the state store
 * answers a variant key with the base state (a store keyed by sync alone).
 */
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { resolveRecordPartition } from '../../../functions/api/routes/records.partition.js';
import { NotFoundError } from '../../../functions/engine/errors.js';
import { defineIntegration, IntegrationRegistry } from '../../../functions/engine/integration.js';
import type { ConnectionSyncKey, ConnectionSyncState } from '../../../functions/engine/ports.js';
import { createSync } from '../../../functions/engine/sync-definition.js';

const registry = new IntegrationRegistry([
  defineIntegration({
    providerConfigKey: 'crm',
    provider: { baseUrl: 'https://api.example.com', auth: { mode: 'NONE' } },
    syncs: { contacts: createSync({ frequency: 'every hour', models: { Contact: z.object({ id: z.string() }) }, exec: async () => undefined }) },
  }),
]);

const stateOf = (key: ConnectionSyncKey, releasedAt: number): ConnectionSyncState => ({
  ...key,
  enabled: true,
  frequencyOverrideMs: null,
  lastSyncDate: null,
  checkpoint: null,
  passId: null,
  lease: null,
  releasedAt,
  lastRun: null,
  recordCounts: {},
  updatedAt: 0,
});

/** A state store holding the base variant of `acme` and, when `variants` say so, other variants. */
function syncline(options: { variants?: string[]; ignoresVariants?: boolean } = {}) {
  const get = async (key: ConnectionSyncKey) => {
    if (key.connectionId !== 'acme') return null;
    const variant = key.variant ?? 'base';
    if (options.ignoresVariants) return stateOf({ providerConfigKey: key.providerConfigKey, connectionId: key.connectionId, syncName: key.syncName }, 1);
    if (variant === 'base') return stateOf({ providerConfigKey: key.providerConfigKey, connectionId: key.connectionId, syncName: key.syncName }, 1);
    return options.variants?.includes(variant) ? stateOf(key, 2) : null;
  };
  return { registry, state: { connectionSyncs: { get } } } as unknown as Parameters<typeof resolveRecordPartition>[0];
}

const target = { providerConfigKey: 'crm', connectionId: 'acme', model: 'Contact' };

describe('resolveRecordPartition', () => {
  it('reads the base partition without a variant or with variant "base"', async () => {
    for (const variant of [undefined, 'base']) {
      const resolved = await resolveRecordPartition(syncline(), { ...target, variant });
      expect(resolved.partition).toEqual(target);
      expect(resolved.sync.name).toBe('contacts');
      expect(resolved.syncState.releasedAt).toBe(1);
    }
  });

  it("reads a variant's own partition, judged by the variant's own state", async () => {
    const resolved = await resolveRecordPartition(syncline({ variants: ['eu'] }), { ...target, variant: 'eu' });
    expect(resolved.partition).toEqual({ ...target, variant: 'eu' });
    expect(resolved.syncState).toMatchObject({ variant: 'eu', releasedAt: 2 });
  });

  it('answers 404 for a variant never created, also from a store that ignores variants', async () => {
    for (const store of [syncline(), syncline({ ignoresVariants: true })]) {
      await expect(resolveRecordPartition(store, { ...target, variant: 'eu' })).rejects.toThrow(
        new NotFoundError('connection "acme" has no variant "eu" of sync "contacts" (model "Contact"); a variant exists once it is created for the connection'),
      );
    }
  });

  it('answers 404 for an unknown integration, model or connection, naming it', async () => {
    await expect(resolveRecordPartition(syncline(), { ...target, providerConfigKey: 'nope' })).rejects.toThrow(/unknown integration "nope"/);
    await expect(resolveRecordPartition(syncline(), { ...target, model: 'Invoice' })).rejects.toThrow(/has no model "Invoice"/);
    await expect(resolveRecordPartition(syncline(), { ...target, connectionId: 'ghost', variant: 'eu' })).rejects.toThrow(/unknown connection "ghost"/);
  });
});
