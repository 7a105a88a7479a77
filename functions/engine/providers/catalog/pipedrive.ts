// Written from https://pipedrive.readme.io/docs/marketplace-oauth-authorization, https://developers.pipedrive.com/changelog/post/new-parameter-in-oauth-oauthtoken-responses and https://pipedrive.readme.io/docs/core-api-concepts-pagination
import { defineProvider } from '../provider.js';

export default defineProvider({
  name: 'pipedrive',
  displayName: 'Pipedrive',
  categories: ['crm'],
  docs: 'https://pipedrive.readme.io/docs/marketplace-oauth-authorization',
  // The company's own domain (`https://acme.pipedrive.com`), returned with every token.
  baseUrl: '${connectionConfig.api_domain}',
  auth: {
    mode: 'OAUTH2',
    authorizationUrl: 'https://oauth.pipedrive.com/oauth/authorize',
    tokenUrl: 'https://oauth.pipedrive.com/oauth/token',
    // Pipedrive's token endpoint takes the client id and secret as HTTP Basic credentials.
    tokenRequestAuth: 'basic',
    tokenResponseToConnectionConfig: { api_domain: 'api_domain' },
  },
  // API v2 lists (and v1 `/collection` endpoints): `?cursor=&limit=`, next at `additional_data.next_cursor`.
  pagination: { type: 'cursor', cursor_path_in_response: 'additional_data.next_cursor', cursor_name_in_request: 'cursor', limit_name_in_request: 'limit', limit: 100, response_path: 'data' },
});
