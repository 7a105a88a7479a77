// Written from https://help.gong.io/apidocs/introduction-2 (limits, cursors) and https://contact.gong.io/hc/en-us/articles/13944551222157-Create-an-app-for-Gong (OAuth)
import { defineProvider } from '../provider.js';

export default defineProvider({
  name: 'gong',
  displayName: 'Gong',
  categories: ['sales'],
  docs: 'https://help.gong.io/apidocs/introduction-2',
  // Each customer's API host comes back in the token response (`api_base_url_for_customer`).
  baseUrl: "${connectionConfig.api_base_url_for_customer || 'https://api.gong.io'}",
  auth: {
    mode: 'OAUTH2',
    authorizationUrl: 'https://app.gong.io/oauth2/authorize',
    tokenUrl: 'https://app.gong.io/oauth2/generate-customer-token',
    scopeSeparator: ' ',
    tokenRequestAuth: 'basic',
    tokenResponseToConnectionConfig: { api_base_url_for_customer: 'api_base_url_for_customer' },
  },
  retry: { statuses: [429], wait: { header: 'retry-after', format: 'seconds' } },
  // Lists return `records.cursor` while more remain; it goes back as `cursor` (query or body).
  pagination: { type: 'cursor', cursor_path_in_response: 'records.cursor', cursor_name_in_request: 'cursor' },
});
