// Written from https://www.zoho.com/crm/developer/docs/api/v8/multi-dc.html, https://www.zoho.com/accounts/protocol/oauth/web-apps/authorization.html and https://www.zoho.com/crm/developer/docs/api/v8/get-records.html
import { defineProvider } from '../provider.js';

export default defineProvider({
  name: 'zoho-crm',
  displayName: 'Zoho CRM',
  categories: ['crm'],
  docs: 'https://www.zoho.com/crm/developer/docs/api/v8/multi-dc.html',
  // The data centre's API domain (`https://www.zohoapis.eu`), returned with every token.
  baseUrl: '${connectionConfig.api_domain}',
  auth: {
    mode: 'OAUTH2',
    // Tokens must come from the accounts server of the user's data centre.
    authorizationUrl: "https://${connectionConfig.accounts_domain || 'accounts.zoho.com'}/oauth/v2/auth",
    tokenUrl: "https://${connectionConfig.accounts_domain || 'accounts.zoho.com'}/oauth/v2/token",
    scopeSeparator: ',',
    // `offline` returns a refresh token; `consent` makes Zoho return one on every re-authorization.
    authorizationParams: { access_type: 'offline', prompt: 'consent' },
    tokenResponseToConnectionConfig: { api_domain: 'api_domain' },
  },
  // Zoho wants its own scheme name instead of `Bearer`.
  proxy: { headers: { authorization: 'Zoho-oauthtoken ${accessToken}' } },
  // Get Records: `?per_page=` (max 200); `info.next_page_token` (sent as `page_token`) reaches past record 2,000.
  pagination: { type: 'cursor', cursor_path_in_response: 'info.next_page_token', cursor_name_in_request: 'page_token', limit_name_in_request: 'per_page', limit: 200, response_path: 'data' },
  connectionConfig: {
    accounts_domain: {
      title: 'Zoho accounts server',
      description: "The accounts server of the account's data centre; leave empty for the US one.",
      pattern: '^accounts\\.(zoho|zohocloud)\\.[a-z]{2,3}(\\.[a-z]{2})?$',
      example: 'accounts.zoho.eu',
      optional: true,
    },
  },
});
