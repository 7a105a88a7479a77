// Written from https://developers.notion.com/docs/authorization, https://developers.notion.com/reference/create-a-token, https://developers.notion.com/reference/intro (pagination) and https://developers.notion.com/reference/versioning
import { defineProvider } from '../provider.js';

export default defineProvider({
  name: 'notion',
  displayName: 'Notion',
  categories: ['knowledge-base', 'productivity'],
  docs: 'https://developers.notion.com/docs/authorization',
  baseUrl: 'https://api.notion.com',
  auth: {
    mode: 'OAUTH2',
    authorizationUrl: 'https://api.notion.com/v1/oauth/authorize',
    tokenUrl: 'https://api.notion.com/v1/oauth/token',
    // Notion's token endpoint takes the client id and secret as HTTP Basic credentials.
    tokenRequestAuth: 'basic',
    // Required by Notion's authorize URL for public integrations.
    authorizationParams: { owner: 'user' },
  },
  // Every request must name an API version. 2022-06-28 keeps the database endpoints most sync
  // scripts were written against (2025-09-03 moved them to data sources); a script may send its own.
  proxy: { headers: { authorization: 'Bearer ${accessToken}', 'notion-version': '2022-06-28' } },
  // Rate limits: 429 with Retry-After in seconds, the default rule.
  // Lists: `page_size` (max 100) and `start_cursor` (query for GET, body for POST such as search
  // and database queries), records under `results`, next cursor at `next_cursor`.
  pagination: { type: 'cursor', cursor_path_in_response: 'next_cursor', cursor_name_in_request: 'start_cursor', limit_name_in_request: 'page_size', limit: 100, response_path: 'results' },
});
