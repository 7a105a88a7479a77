// Written from https://airtable.com/developers/web/api/oauth-reference, https://airtable.com/developers/web/api/rate-limits and https://airtable.com/developers/web/api/list-records
import { defineProvider } from '../provider.js';

export default defineProvider({
  name: 'airtable',
  displayName: 'Airtable',
  categories: ['productivity', 'database'],
  docs: 'https://airtable.com/developers/web/api/oauth-reference',
  baseUrl: 'https://api.airtable.com',
  // PKCE is mandatory; integrations with a client secret authenticate at the token endpoint with HTTP Basic.
  // The access token goes in `Authorization: Bearer` (the default), as do personal access tokens.
  auth: {
    mode: 'OAUTH2',
    authorizationUrl: 'https://airtable.com/oauth2/v1/authorize',
    tokenUrl: 'https://airtable.com/oauth2/v1/token',
    scopeSeparator: ' ',
    tokenRequestAuth: 'basic',
    pkce: true,
  },
  // Over the limit Airtable answers 429 and asks for a 30-second pause; it sends no wait header.
  retry: { statuses: [429] },
  // List endpoints return `offset` while more pages remain and take it back as `offset`.
  pagination: { type: 'cursor', cursor_path_in_response: 'offset', cursor_name_in_request: 'offset', limit_name_in_request: 'pageSize', response_path: 'records' },
});
