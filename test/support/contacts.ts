/** The contact model and fixtures the engine tests share. */
import * as z from 'zod';

export const ContactSchema = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string().email(),
  address: z.object({ city: z.string(), zip: z.string() }).partial().optional(),
  tags: z.array(z.string()).optional(),
  bio: z.string().optional(),
});
export type Contact = z.infer<typeof ContactSchema>;

export function makeContacts(count: number, from = 0): Contact[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `c-${String(from + i).padStart(6, '0')}`,
    name: `Contact ${from + i}`,
    email: `contact${from + i}@example.com`,
    address: { city: 'Lisbon', zip: String(1000 + i) },
    tags: ['lead'],
  }));
}
