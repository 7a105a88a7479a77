/**
 * The demo CRM integration: a HubSpot-shaped sandbox API (served locally by `npm start`),
 * authenticated with an API key, two syncs — one in each of Nango's script forms — and an action
 * that creates a contact.
 */
import { defineIntegration } from '../../functions/engine/integration.js';
import { legacySync } from '../../functions/engine/sync-definition.js';
import createContact from './actions/create-contact.js';
import { NoteSchema } from './models.js';
import contacts from './syncs/contacts.js';
import fetchNotes from './syncs/notes.js';

export default defineIntegration({
  providerConfigKey: 'demo-crm',
  // A provider that is not in the catalog, declared inline the way a catalog entry is.
  provider: {
    name: 'demo-crm',
    displayName: 'Demo CRM (local sandbox)',
    categories: ['crm'],
    // Each connection says where its sandbox listens, as a per-customer subdomain would.
    baseUrl: '${connectionConfig.baseUrl}',
    auth: { mode: 'API_KEY' }, // Authorization: Bearer <key>, the default for API keys
    retry: { statuses: [429], wait: { header: 'retry-after', format: 'seconds' } },
    connectionConfig: { baseUrl: { title: 'Sandbox URL', pattern: '^http://127\\.0\\.0\\.1:[0-9]+$', example: 'http://127.0.0.1:4010' } },
  },
  syncs: {
    contacts,
    notes: legacySync(fetchNotes, {
      description: 'Notes of the demo CRM (incremental)',
      runs: 'every minute',
      sync_type: 'incremental',
      auto_start: true,
      output: 'Note',
      models: { Note: NoteSchema },
    }),
  },
  actions: { 'create-contact': createContact },
});
