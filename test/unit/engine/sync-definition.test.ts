import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createSync as createSyncFromNango, type NangoSync } from 'nango';
import { defineIntegration, IntegrationRegistry } from '../../../functions/engine/integration.js';
import { createSync, legacySync, normalizeSync } from '../../../functions/engine/sync-definition.js';

const Contact = z.object({ id: z.string(), name: z.string() });
const provider = { baseUrl: 'https://api.example.com', auth: { mode: 'NONE' as const } };

describe('sync definitions', () => {
  it('resolves the module name "nango" to Syncline\'s SDK', () => {
    expect(createSyncFromNango).toBe(createSync);
  });

  it('fills in Nango defaults for createSync', () => {
    const sync = normalizeSync('contacts', createSync({ frequency: 'every hour', models: { Contact }, exec: async () => undefined }));
    // autoStart: Nango's CLI deploys `autoStart === true`, so an omitted autoStart is a sync started by hand.
    expect(sync).toMatchObject({
      name: 'contacts',
      frequencyMs: 3_600_000,
      syncType: 'full',
      trackDeletes: false,
      autoStart: false,
      metadata: null,
      validation: undefined,
      validateMetadata: false,
      warnings: [],
    });
  });

  it("accepts Nango's options (webhookSubscriptions, onWebhook) and names the unknown ones it ignores", () => {
    const declared = createSync({ frequency: '1h', models: { Contact }, webhookSubscriptions: ['contact.created'], onWebhook: async () => undefined, exec: async () => undefined });
    const sync = normalizeSync('c', Object.assign(declared, { endpoint: { path: '/x' } }));
    expect(sync.webhookSubscriptions).toEqual(['contact.created']);
    expect(sync.warnings).toEqual(['sync "c": ignores unknown option "endpoint"']);
  });

  it("takes Syncline's validation options and refuses a bad mode", () => {
    expect(normalizeSync('c', createSync({ frequency: '1h', models: { Contact }, validation: 'reject', validateMetadata: true, exec: async () => undefined }))).toMatchObject({
      validation: 'reject',
      validateMetadata: true,
    });
    expect(() => normalizeSync('c', createSync({ frequency: '1h', models: { Contact }, validation: 'loud' as 'warn', exec: async () => undefined }))).toThrow(/validation must be "warn" or "reject"/);
  });

  it('treats a sync with a checkpoint schema as incremental, as Nango does', () => {
    const sync = normalizeSync('c', createSync({ frequency: '1h', checkpoint: z.object({ since: z.string() }), models: { Contact }, exec: async () => undefined }));
    expect(sync.syncType).toBe('incremental');
  });

  it('runs an older Nango-style script: default export fetchData plus its yaml config', async () => {
    const calls: string[] = [];
    async function fetchData(nango: NangoSync): Promise<void> {
      calls.push(nango.connectionId);
    }
    const sync = normalizeSync('legacy', legacySync(fetchData, { runs: 'every 30min', sync_type: 'full', track_deletes: true, output: 'Contact', models: { Contact, Other: Contact } }));
    expect(sync).toMatchObject({ frequencyMs: 1_800_000, syncType: 'full', trackDeletes: true });
    expect(Object.keys(sync.models)).toEqual(['Contact']);
    await sync.exec({ connectionId: 'abc' } as unknown as NangoSync);
    expect(calls).toEqual(['abc']);
  });

  it('names the sync in a frequency error', () => {
    expect(() => normalizeSync('contacts', createSync({ frequency: 'every 10 seconds', models: { Contact }, exec: async () => undefined }))).toThrow(
      /sync "contacts": frequency "every 10 seconds" is shorter than the 1-minute minimum/,
    );
  });

  it('refuses a legacy output without a model schema', () => {
    expect(() => legacySync(async () => undefined, { runs: '1h', output: 'Missing', models: { Contact } })).toThrow(/"Missing" has no model schema/);
  });
});

describe('IntegrationRegistry', () => {
  const sync = (models = { Contact }) => createSync({ frequency: '1h', models, exec: async () => undefined });

  it('maps providerConfigKey to provider and syncs', () => {
    const registry = new IntegrationRegistry([defineIntegration({ providerConfigKey: 'hubspot', provider, syncs: { contacts: sync() } })]);
    expect(registry.get('hubspot')?.provider.baseUrl).toBe('https://api.example.com');
    expect(registry.getSync('hubspot', 'contacts')?.frequencyMs).toBe(3_600_000);
    expect(registry.syncForModel('hubspot', 'Contact')?.name).toBe('contacts');
    expect(registry.getSync('hubspot', 'nope')).toBeUndefined();
  });

  it('refuses two syncs writing one model, and duplicate integrations', () => {
    expect(() => new IntegrationRegistry([defineIntegration({ providerConfigKey: 'x', provider, syncs: { a: sync(), b: sync() } })])).toThrow(/model "Contact" is declared by both "a" and "b"/);
    const one = defineIntegration({ providerConfigKey: 'x', provider, syncs: {} });
    expect(() => new IntegrationRegistry([one, one])).toThrow(/declared twice/);
  });
});
