// Written from https://developers.hubspot.com/docs/api/oauth-quickstart-guide and https://developers.hubspot.com/docs/api/usage-details
import { defineProvider } from '../provider.js';

export default defineProvider({
  name: 'hubspot',
  displayName: 'HubSpot',
  categories: ['crm', 'marketing'],
  docs: 'https://developers.hubspot.com/docs/api/oauth-quickstart-guide',
  baseUrl: 'https://api.hubapi.com',
  auth: {
    mode: 'OAUTH2',
    authorizationUrl: 'https://app.hubspot.com/oauth/authorize',
    tokenUrl: 'https://api.hubapi.com/oauth/v1/token',
  },
  // HubSpot answers 429 and reports its budget in X-HubSpot-RateLimit-* headers, none of which
  // says how long to wait, so the default rule (429, Retry-After when present) stays.
  // CRM v3 lists: `?limit=&after=`, records under `results`, next cursor at `paging.next.after`.
  pagination: { type: 'cursor', cursor_path_in_response: 'paging.next.after', cursor_name_in_request: 'after', limit_name_in_request: 'limit', limit: 100, response_path: 'results' },
});
