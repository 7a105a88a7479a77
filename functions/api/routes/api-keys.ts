/**
 * Create, list and revoke API keys. The secret is shown once, at creation; the store keeps only
 * its hash. Only a `full` key may manage keys (the tag's rule in `scopes.ts`): a restricted key
 * could otherwise mint itself a full one. Any key may read its own name and scopes
 * (`/api-keys/current`), which is how the console decides what to show.
 */
import type { ApiKeyInfo } from '../../engine/ports.js';
import { NotFoundError, ConflictError } from '../../engine/errors.js';
import type { ApiDeps } from '../deps.js';
import { defineRoute, json, type ApiRoute } from '../route.js';
import { SuccessResponse } from '../schemas.js';
import { ApiKeyPath, CreateApiKeyBody, CreatedApiKeyResponse, CurrentApiKeyResponse, ListApiKeysResponse } from './api-keys.schemas.js';

export function apiKeysRoutes(deps: ApiDeps): ApiRoute[] {
  return [
    defineRoute(
      {
        method: 'post',
        path: '/api-keys',
        tag: 'API keys',
        summary: 'Create an API key',
        description: 'The secret is in this answer only; store it now. Scopes default to ["full"].',
        body: CreateApiKeyBody,
        responses: { 201: { description: 'Created', schema: CreatedApiKeyResponse } },
      },
      async ({ body, c }) => {
        const key = await deps.apiKeys.create(body.name, body.scopes);
        return json(c, 201, { ...toApiKeyResponse(key), secret: key.secret });
      },
    ),

    defineRoute(
      {
        method: 'get',
        path: '/api-keys',
        tag: 'API keys',
        summary: 'List API keys',
        responses: { 200: { description: 'Keys, without secrets', schema: ListApiKeysResponse } },
      },
      async ({ c }) => json(c, 200, { api_keys: (await deps.apiKeys.list()).map(toApiKeyResponse) }),
    ),

    defineRoute(
      {
        method: 'get',
        path: '/api-keys/current',
        // Meta, not API keys: any valid key may read itself (`scopes.ts` gives Meta `any`),
        // while managing keys stays `full`.
        tag: 'Meta',
        summary: 'The API key making the request',
        description: 'Its id, name and scopes, for any valid key (no scope needed): a client such as the console learns what it may do before offering it.',
        responses: { 200: { description: 'The key, without its secret', schema: CurrentApiKeyResponse } },
      },
      ({ c }) => {
        // The auth middleware has verified a key for every route that is not public.
        const key = c.get('apiKey')!;
        return json(c, 200, { id: key.id, name: key.name, scopes: key.scopes });
      },
    ),

    defineRoute(
      {
        method: 'delete',
        path: '/api-keys/{id}',
        tag: 'API keys',
        summary: 'Revoke an API key',
        description: 'The key stops working at once. The key making the request cannot revoke itself (409), so a caller cannot lock itself out by mistake.',
        params: ApiKeyPath,
        responses: { 200: { description: 'Revoked', schema: SuccessResponse } },
      },
      async ({ params, c }) => {
        if (c.get('apiKey')?.id === params.id) throw new ConflictError('this request is authenticated with that key: revoke it with another key');
        if (!(await deps.apiKeys.revoke(params.id))) throw new NotFoundError(`unknown API key "${params.id}"`);
        return json(c, 200, { success: true });
      },
    ),
  ];
}

function toApiKeyResponse(key: ApiKeyInfo) {
  return { id: key.id, name: key.name, created_at: key.createdAt, prefix: key.prefix, scopes: key.scopes };
}
