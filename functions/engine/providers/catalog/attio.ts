// Written from https://docs.attio.com/rest-api/guides/authentication, https://docs.attio.com/docs/oauth/authorize, https://docs.attio.com/docs/oauth/token and https://docs.attio.com/rest-api/guides/rate-limiting
import { defineProvider } from '../provider.js';

export default defineProvider({
  name: 'attio',
  displayName: 'Attio',
  categories: ['crm'],
  docs: 'https://docs.attio.com/rest-api/guides/authentication',
  baseUrl: 'https://api.attio.com',
  // OAuth for apps used by many workspaces; Attio's tokens (and its workspace API keys, also Bearer) do not expire.
  auth: {
    mode: 'OAUTH2',
    authorizationUrl: 'https://app.attio.com/authorize',
    tokenUrl: 'https://app.attio.com/oauth/token',
  },
  // Attio's Retry-After on a 429 is a date (when the limit resets), not a number of seconds.
  retry: { statuses: [429], wait: { header: 'retry-after', format: 'http-date' } },
  // No default pagination: endpoints mix limit/offset (in the query or the body) and cursors.
});
