// Written from https://dev.frontapp.com/docs/oauth, https://dev.frontapp.com/docs/rate-limiting and https://dev.frontapp.com/docs/pagination
import { defineProvider } from '../provider.js';

export default defineProvider({
  name: 'front',
  displayName: 'Front',
  categories: ['support', 'communication'],
  docs: 'https://dev.frontapp.com/docs/oauth',
  baseUrl: 'https://api2.frontapp.com',
  auth: {
    mode: 'OAUTH2',
    authorizationUrl: 'https://app.frontapp.com/oauth/authorize',
    tokenUrl: 'https://app.frontapp.com/oauth/token',
    // Front's token endpoint authenticates the client with HTTP Basic (client id : secret).
    tokenRequestAuth: 'basic',
  },
  // Rate limits: 429 with Retry-After in seconds, the default rule.
  // Lists: `?limit=` (max 100), records under `_results`, absolute next-page URL at `_pagination.next`.
  pagination: { type: 'link', link_path_in_response_body: '_pagination.next', limit_name_in_request: 'limit', limit: 100, response_path: '_results' },
});
