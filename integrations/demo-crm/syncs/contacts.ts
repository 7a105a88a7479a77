/**
 * Demo CRM contacts, written exactly as a Nango sync is: a full refresh every minute, walking
 * the cursor-paginated `/contacts` endpoint; contacts that disappear are marked deleted.
 */
import { createSync } from 'nango';
import { ContactSchema, type Contact } from '../models.js';

interface ApiContact {
  id: number;
  properties: { firstname: string; lastname: string; email: string; company?: string | null; phone?: string | null; lifecyclestage: Contact['lifecycle_stage']; about?: string };
  updatedAt: string;
}

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
      const contacts: Contact[] = page.map((c) => ({
        id: String(c.id),
        first_name: c.properties.firstname,
        last_name: c.properties.lastname,
        email: c.properties.email,
        company: c.properties.company ?? null,
        phone: c.properties.phone ?? null,
        lifecycle_stage: c.properties.lifecyclestage,
        ...(c.properties.about === undefined ? {} : { about: c.properties.about }),
        updated_at: c.updatedAt,
      }));
      await nango.batchSave(contacts, 'Contact');
    }
  },
});
