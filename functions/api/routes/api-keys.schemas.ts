/** API keys of the Syncline API (an extra; Nango manages its keys in its dashboard), with their scopes. */
import * as z from 'zod';
import { API_KEY_SCOPES, ApiKeyScopesSchema, FULL_SCOPE } from '../../engine/api-key-scopes.js';

const SCOPES_DESCRIPTION = `What the key may do: "full" (everything, credentials included), or restricted scopes among ${API_KEY_SCOPES.slice(1).join(', ')} ("x:write" implies "x:read"; restricted keys never see a stored secret — connection credentials, client secrets, an existing webhook subscription's signing secret — and get only the signing secret of a webhook subscription they create with webhooks:write)`;

export const ApiKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  created_at: z.string(),
  prefix: z.string().meta({ description: 'The first characters of the key, to recognise it' }),
  scopes: z.array(z.enum(API_KEY_SCOPES)).meta({ description: SCOPES_DESCRIPTION }),
});

export const CreateApiKeyBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    scopes: ApiKeyScopesSchema.default([FULL_SCOPE]).meta({ description: `${SCOPES_DESCRIPTION}. Default ["full"]` }),
  })
  .strict();
export const CreatedApiKeyResponse = ApiKeySchema.extend({ secret: z.string().meta({ description: 'The key itself: shown only in this answer, stored only as a SHA-256 hash' }) });
/** What a key may learn about itself (any valid key): enough for a client to show what it may do. */
export const CurrentApiKeyResponse = ApiKeySchema.pick({ id: true, name: true, scopes: true });
export const ListApiKeysResponse = z.object({ api_keys: z.array(ApiKeySchema) });
export const ApiKeyPath = z.object({ id: z.string().min(1).max(128) }).strict();
