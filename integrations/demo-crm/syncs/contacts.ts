/**
 * Demo CRM contacts, written exactly as a Nango sync is: a full refresh every minute, walking
 * the cursor-paginated `/contacts` endpoint; contacts that disappear are marked deleted.
 */
import { createSync } from 'nango';
import { type ApiContact, ContactSchema, toContact } from '../models.js';

export default createSync({
  description: 'Contacts of the demo CRM (full refresh with deletion detection)',
  frequency: 'every minute',
  syncType: 'full',
  trackDeletes: true,
  autoStart: true,
  models: { Contact: ContactSchema },
  exec: async (nango) => {
    const pages = nango.paginate<ApiContact>({
      endpoint: '/crm/v3/objects/contacts',
      params: { properties: 'firstname,lastname,email,company,phone,lifecyclestage,about' },
      retries: 5,
      paginate: { type: 'cursor', cursor_path_in_response: 'paging.next.after', cursor_name_in_request: 'after', response_path: 'results', limit: 100, limit_name_in_request: 'limit' },
    });
    for await (const page of pages) {
      const contacts = page.map(toContact);
      await nango.batchSave(contacts, 'Contact');
    }
  },
});
