// Written from https://developer.monday.com/apps/docs/oauth and https://developer.monday.com/api-reference/docs/rate-limits
import { defineProvider } from '../provider.js';

export default defineProvider({
  name: 'monday',
  displayName: 'monday.com',
  categories: ['productivity'],
  docs: 'https://developer.monday.com/apps/docs/oauth',
  // One GraphQL endpoint: scripts POST `{ query, variables }` to `/v2`.
  baseUrl: 'https://api.monday.com',
  // Tokens stay valid until the app is uninstalled; there is no refresh grant.
  auth: { mode: 'OAUTH2', authorizationUrl: 'https://auth.monday.com/oauth2/authorize', tokenUrl: 'https://auth.monday.com/oauth2/token', scopeSeparator: ' ' },
  // The API docs send the token as the whole Authorization value, no `Bearer` prefix.
  proxy: { headers: { authorization: '${accessToken}' } },
  // The minute limit answers 429 with Retry-After (seconds). Paging is GraphQL cursors inside the query, so no default.
  retry: { statuses: [429], wait: { header: 'retry-after', format: 'seconds' } },
});
