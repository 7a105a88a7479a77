// Written from https://docs.slack.dev/authentication/installing-with-oauth, https://docs.slack.dev/reference/methods/oauth.v2.access, https://docs.slack.dev/apis/web-api/pagination and https://docs.slack.dev/apis/web-api/rate-limits
import { defineProvider } from '../provider.js';

export default defineProvider({
  name: 'slack',
  displayName: 'Slack',
  categories: ['communication'],
  docs: 'https://docs.slack.dev/authentication/installing-with-oauth',
  // Web API methods are `/method.name` under this base (`/conversations.list`).
  baseUrl: 'https://slack.com/api',
  auth: {
    mode: 'OAUTH2',
    authorizationUrl: 'https://slack.com/oauth/v2/authorize',
    tokenUrl: 'https://slack.com/api/oauth.v2.access',
    // Slack's `scope` parameter is comma-separated.
    scopeSeparator: ',',
  },
  // Rate limits: 429 with Retry-After in seconds, the default rule.
  // Cursor lists: `?limit=&cursor=`, next cursor at `response_metadata.next_cursor` (blank at the end).
  // The list key is per method (`channels`, `members`, `messages`), so scripts give response_path.
  pagination: { type: 'cursor', cursor_path_in_response: 'response_metadata.next_cursor', cursor_name_in_request: 'cursor', limit_name_in_request: 'limit', limit: 200 },
});
