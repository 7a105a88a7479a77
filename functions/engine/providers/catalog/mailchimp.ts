// Written from https://mailchimp.com/developer/marketing/guides/access-user-data-oauth-2/ and https://mailchimp.com/developer/marketing/docs/fundamentals/ (limits, pagination)
import { defineProvider } from '../provider.js';

/**
 * Each account lives in a data center (`us6`); after the token exchange, GET
 * https://login.mailchimp.com/oauth2/metadata reports it as `dc`, which the connect flow stores
 * as `connectionConfig.dc`.
 */
export default defineProvider({
  name: 'mailchimp',
  displayName: 'Mailchimp',
  categories: ['marketing'],
  docs: 'https://mailchimp.com/developer/marketing/guides/access-user-data-oauth-2/',
  baseUrl: 'https://${connectionConfig.dc}.api.mailchimp.com/3.0',
  // No scopes; tokens do not expire and there is no refresh token.
  auth: { mode: 'OAUTH2', authorizationUrl: 'https://login.mailchimp.com/oauth2/authorize', tokenUrl: 'https://login.mailchimp.com/oauth2/token' },
  // 429 past 10 simultaneous connections; no wait header.
  retry: { statuses: [429] },
  // Lists take `offset` and `count` (at most 1000); the array's key differs per resource (`members`, `lists`...).
  pagination: { type: 'offset', offset_name_in_request: 'offset', limit_name_in_request: 'count' },
  connectionConfig: {
    dc: { title: 'Data center', description: 'The prefix of the API host, from the OAuth metadata endpoint', pattern: '^[a-z]+[0-9]+$', example: 'us6' },
  },
});
