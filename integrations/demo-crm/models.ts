/** The records the demo CRM's syncs save, as zod models (what `GET /records?model=` returns). */
import * as z from 'zod';

export const ContactSchema = z.object({
  id: z.string(),
  first_name: z.string(),
  last_name: z.string(),
  email: z.string().email(),
  company: z.string().nullable(),
  phone: z.string().nullable(),
  lifecycle_stage: z.enum(['subscriber', 'lead', 'opportunity', 'customer']),
  about: z.string().optional(),
  updated_at: z.string(),
});
export type Contact = z.infer<typeof ContactSchema>;

/** A contact as the demo CRM's API sends it (HubSpot's shape). */
export interface ApiContact {
  id: number;
  properties: { firstname: string; lastname: string; email: string; company?: string | null; phone?: string | null; lifecyclestage: Contact['lifecycle_stage']; about?: string };
  updatedAt: string;
}

/** The API's contact as the `Contact` model: what the sync saves and the create action returns. */
export function toContact(c: ApiContact): Contact {
  return {
    id: String(c.id),
    first_name: c.properties.firstname,
    last_name: c.properties.lastname,
    email: c.properties.email,
    company: c.properties.company ?? null,
    phone: c.properties.phone ?? null,
    lifecycle_stage: c.properties.lifecyclestage,
    ...(c.properties.about === undefined ? {} : { about: c.properties.about }),
    updated_at: c.updatedAt,
  };
}

/** What the `create-contact` action takes. */
export const CreateContactInputSchema = z.object({
  first_name: z.string().min(1),
  last_name: z.string().min(1),
  email: z.string().email(),
  company: z.string().nullable().optional(),
  phone: z.string().nullable().optional(),
  lifecycle_stage: ContactSchema.shape.lifecycle_stage.default('lead'),
});

export const NoteSchema = z.object({
  id: z.string(),
  contact_id: z.string(),
  body: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Note = z.infer<typeof NoteSchema>;
