/**
 * Creates a contact in the demo CRM, written exactly as a Nango action is: the input and output
 * are zod models, the provider call goes through `nango.post` (credentials injected), and a
 * contact that already exists fails with an `ActionError` whose payload the caller receives.
 */
import { createAction } from 'nango';
import { type ApiContact, ContactSchema, CreateContactInputSchema, toContact } from '../models.js';

export default createAction({
  description: 'Create a contact in the demo CRM',
  version: '1.0.0',
  endpoint: { method: 'POST', path: '/contacts', group: 'Contacts' },
  input: CreateContactInputSchema,
  output: ContactSchema,
  exec: async (nango, input) => {
    const properties = {
      firstname: input.first_name,
      lastname: input.last_name,
      email: input.email,
      company: input.company ?? null,
      phone: input.phone ?? null,
      lifecyclestage: input.lifecycle_stage,
    };
    try {
      const response = await nango.post<ApiContact>({ endpoint: '/crm/v3/objects/contacts', data: { properties } });
      await nango.log(`created contact ${response.data.id}`);
      return toContact(response.data);
    } catch (error) {
      if ((error as { response?: { status?: number } }).response?.status === 409) {
        throw new nango.ActionError({ message: 'A contact with this email already exists', code: 'contact_exists', email: input.email });
      }
      throw error;
    }
  },
});
