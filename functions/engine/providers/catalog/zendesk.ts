// Written from https://support.zendesk.com/hc/en-us/articles/4408845965210, https://developer.zendesk.com/api-reference/introduction/pagination/ and https://developer.zendesk.com/api-reference/introduction/rate-limits/
import { defineProvider } from '../provider.js';

export default defineProvider({
  name: 'zendesk',
  displayName: 'Zendesk',
  categories: ['support', 'ticketing'],
  docs: 'https://developer.zendesk.com/documentation/authentication/',
  baseUrl: 'https://${connectionConfig.subdomain}.zendesk.com',
  // OAuth clients and their endpoints belong to each Zendesk account (subdomain).
  auth: {
    mode: 'OAUTH2',
    authorizationUrl: 'https://${connectionConfig.subdomain}.zendesk.com/oauth/authorizations/new',
    tokenUrl: 'https://${connectionConfig.subdomain}.zendesk.com/oauth/tokens',
    defaultScopes: ['read'],
  },
  // Rate limits: 429 with Retry-After in seconds, the default rule.
  // Cursor pagination: `?page[size]=` (max 100), next cursor at `meta.after_cursor` sent as `page[after]`.
  // The list key is the resource name (`tickets`, `users`), so scripts give response_path.
  pagination: { type: 'cursor', cursor_path_in_response: 'meta.after_cursor', cursor_name_in_request: 'page[after]', limit_name_in_request: 'page[size]', limit: 100 },
  connectionConfig: {
    subdomain: { title: 'Zendesk subdomain', description: 'The `acme` in acme.zendesk.com.', pattern: '^[a-zA-Z0-9][a-zA-Z0-9-]*$', example: 'acme' },
  },
});
