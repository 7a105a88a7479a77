// Written from https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/intro_understanding_web_server_oauth_flow.htm and https://developer.salesforce.com/docs/platform/api-rest/guide/dome-query.html
import { defineProvider } from '../provider.js';

export default defineProvider({
  name: 'salesforce',
  displayName: 'Salesforce',
  categories: ['crm'],
  docs: 'https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/intro_understanding_web_server_oauth_flow.htm',
  // Each org lives on its own instance; the token response names it.
  baseUrl: '${connectionConfig.instance_url}',
  auth: {
    mode: 'OAUTH2',
    authorizationUrl: 'https://login.salesforce.com/services/oauth2/authorize',
    tokenUrl: 'https://login.salesforce.com/services/oauth2/token',
    // `refresh_token` must be requested (and allowed by the connected app) to get a refresh token.
    defaultScopes: ['api', 'refresh_token'],
    tokenResponseToConnectionConfig: { instance_url: 'instance_url' },
    // Salesforce sends no expires_in: a token lives as long as the org's session timeout, which an
    // admin sets between 15 minutes and 24 hours (2 hours by default). Refreshing after an hour
    // stays inside the default; shorter timeouts are still covered by the refresh-on-401 fallback.
    refreshWithoutExpiryAfterMs: 60 * 60 * 1000,
  },
  // SOQL queries (`/services/data/vXX.X/query?q=`) return `records` and, while `done` is false,
  // a relative `nextRecordsUrl` on the same instance.
  pagination: { type: 'link', link_path_in_response_body: 'nextRecordsUrl', response_path: 'records' },
});
