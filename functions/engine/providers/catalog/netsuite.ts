// Written from https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_158081944642.html (authorize), https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_160855590788.html (token) and https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_156414087576.html (paging)
import { defineProvider } from '../provider.js';

/**
 * OAuth 2.0 authorization code flow for REST web services and RESTlets.
 * Gap: token-based authentication (TBA, OAuth 1.0a request signing) can't be modelled by this
 * schema, and neither can the machine-to-machine client-credentials flow with a signed JWT.
 */
export default defineProvider({
  name: 'netsuite',
  displayName: 'NetSuite',
  categories: ['accounting', 'erp'],
  docs: 'https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_158081944642.html',
  baseUrl: 'https://${connectionConfig.accountId}.suitetalk.api.netsuite.com',
  // The token endpoint takes client credentials as HTTP Basic and supports PKCE.
  auth: {
    mode: 'OAUTH2',
    authorizationUrl: 'https://${connectionConfig.accountId}.app.netsuite.com/app/login/oauth2/authorize.nl',
    tokenUrl: 'https://${connectionConfig.accountId}.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token',
    defaultScopes: ['rest_webservices'],
    scopeSeparator: ' ',
    tokenRequestAuth: 'basic',
    pkce: true,
  },
  // Concurrency-limit rejections are 429 with no wait header.
  retry: { statuses: [429] },
  // REST record collections take `limit` and `offset` and return the page in `items`.
  pagination: { type: 'offset', offset_name_in_request: 'offset', limit_name_in_request: 'limit', response_path: 'items' },
  connectionConfig: {
    accountId: {
      title: 'Account ID',
      description: 'As it appears in the account URLs: lower case, `_` written as `-` (1234567_SB1 becomes 1234567-sb1)',
      pattern: '^[a-z0-9-]+$',
      example: '1234567-sb1',
    },
  },
});
