/** The records the demo CRM's syncs save, as zod models (what `GET /records?model=` returns). */
import { z } from 'zod';

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

export const NoteSchema = z.object({
  id: z.string(),
  contact_id: z.string(),
  body: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Note = z.infer<typeof NoteSchema>;
