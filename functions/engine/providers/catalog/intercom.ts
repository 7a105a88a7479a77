// Written from https://developers.intercom.com/docs/build-an-integration/learn-more/authentication/setting-up-oauth and https://developers.intercom.com/docs/references/rest-api/errors/rate-limiting
import { defineProvider } from '../provider.js';

export default defineProvider({
  name: 'intercom',
  displayName: 'Intercom',
  categories: ['support', 'communication'],
  docs: 'https://developers.intercom.com/docs/build-an-integration/learn-more/authentication/setting-up-oauth',
  // US-hosted workspaces; EU and AU workspaces use api.eu.intercom.io and api.au.intercom.io.
  baseUrl: 'https://api.intercom.io',
  // Permissions are chosen on the app in the Developer Hub, not per authorization; tokens do not expire.
  auth: {
    mode: 'OAUTH2',
    authorizationUrl: 'https://app.intercom.com/oauth',
    tokenUrl: 'https://api.intercom.io/auth/eagle/token',
  },
  // 429 with X-RateLimit-Reset: the UNIX time the window resets.
  retry: { statuses: [429], wait: { header: 'x-ratelimit-reset', format: 'epoch-seconds' } },
  // Cursor lists: `?per_page=&starting_after=`, next cursor at `pages.next.starting_after`.
  // The list key differs per endpoint (`data`, `conversations`), so scripts give response_path.
  pagination: { type: 'cursor', cursor_path_in_response: 'pages.next.starting_after', cursor_name_in_request: 'starting_after', limit_name_in_request: 'per_page', limit: 50 },
});
