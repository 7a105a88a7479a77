/** API keys of the Syncline API (an extra; Nango manages its keys in its dashboard). */
import { z } from 'zod';

export const ApiKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  created_at: z.string(),
  prefix: z.string().meta({ description: 'The first characters of the key, to recognise it' }),
});

export const CreateApiKeyBody = z.object({ name: z.string().trim().min(1).max(100) }).strict();
export const CreatedApiKeyResponse = ApiKeySchema.extend({ secret: z.string().meta({ description: 'The key itself: shown only in this answer, stored only as a SHA-256 hash' }) });
export const ListApiKeysResponse = z.object({ api_keys: z.array(ApiKeySchema) });
export const ApiKeyPath = z.object({ id: z.string().min(1).max(128) }).strict();
