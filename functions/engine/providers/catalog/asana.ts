// Written from https://developers.asana.com/docs/oauth, https://developers.asana.com/docs/pagination and https://developers.asana.com/docs/rate-limits
import { defineProvider } from '../provider.js';

export default defineProvider({
  name: 'asana',
  displayName: 'Asana',
  categories: ['project-management'],
  docs: 'https://developers.asana.com/docs/oauth',
  baseUrl: 'https://app.asana.com/api/1.0',
  auth: {
    mode: 'OAUTH2',
    authorizationUrl: 'https://app.asana.com/-/oauth_authorize',
    tokenUrl: 'https://app.asana.com/-/oauth_token',
  },
  // Rate limits: 429 with Retry-After in seconds, the default rule.
  // Lists page only when `limit` is sent (max 100): records under `data`, next token at `next_page.offset`.
  pagination: { type: 'cursor', cursor_path_in_response: 'next_page.offset', cursor_name_in_request: 'offset', limit_name_in_request: 'limit', limit: 100, response_path: 'data' },
});
