/**
 * What the benchmark runs: the real demo CRM integration (full refresh with deletion
 * detection), an incremental variant of its contacts sync, and an integration whose only
 * purpose is to own 10,000 connection-syncs for the fan-out measurement.
 */
import * as z from 'zod';
import { createSync } from 'nango';
import { defineIntegration, type IntegrationDeclaration } from '../../functions/engine/integration.js';
import demoCrm from '../../integrations/demo-crm/index.js';
import { type ApiContact, ContactSchema, toContact } from '../../integrations/demo-crm/models.js';

export const FULL = { providerConfigKey: 'demo-crm', syncName: 'contacts', model: 'Contact' } as const;
export const INCREMENTAL = { providerConfigKey: 'demo-crm-incremental', syncName: 'contacts', model: 'Contact' } as const;
export const FANOUT = { providerConfigKey: 'bench-fanout', syncName: 'ping' } as const;

/**
 * The demo contacts sync as an incremental one. The sandbox has no `updated_since` filter, so
 * the script drops unchanged contacts itself: the engine sees exactly what an incremental
 * provider API would return (only the changed records), which is what the cost figure is about.
 */
const incrementalContacts = createSync({
  description: 'Demo CRM contacts, incremental (benchmark)',
  frequency: 'every hour',
  syncType: 'incremental',
  autoStart: true,
  models: { Contact: ContactSchema },
  exec: async (nango) => {
    const since = nango.lastSyncDate?.toISOString() ?? '';
    for await (const page of nango.paginate<ApiContact>({
      endpoint: '/crm/v3/objects/contacts',
      paginate: { type: 'cursor', cursor_path_in_response: 'paging.next.after', cursor_name_in_request: 'after', response_path: 'results', limit: 100, limit_name_in_request: 'limit' },
    })) {
      const changed = page.filter((c) => c.updatedAt > since).map(toContact);
      if (changed.length > 0) await nango.batchSave(changed, 'Contact');
    }
  },
});

const ping = createSync({
  description: 'Owns the fan-out benchmark connections; never executed',
  frequency: 'every hour',
  syncType: 'incremental',
  autoStart: true,
  models: { Ping: z.object({ id: z.string() }) },
  exec: async () => undefined,
});

export const benchIntegrations: IntegrationDeclaration[] = [
  demoCrm,
  defineIntegration({ providerConfigKey: INCREMENTAL.providerConfigKey, provider: demoCrm.provider, syncs: { contacts: incrementalContacts } }),
  defineIntegration({ providerConfigKey: FANOUT.providerConfigKey, provider: { baseUrl: 'http://127.0.0.1:9', auth: { mode: 'NONE' } }, syncs: { ping } }),
];
