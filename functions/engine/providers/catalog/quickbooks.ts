// Written from https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/oauth-2.0, https://developer.intuit.com/app/developer/qbo/docs/learn/rest-api-features and https://developer.intuit.com/app/developer/qbo/docs/learn/limits-and-throttles
import { defineProvider } from '../provider.js';

/**
 * Production only (the sandbox API is `sandbox-quickbooks.api.intuit.com`). Intuit returns the
 * company id as `realmId` on the authorization redirect, not in the token response, so the
 * connect flow must store it as `connectionConfig.realmId`.
 */
export default defineProvider({
  name: 'quickbooks',
  displayName: 'QuickBooks Online',
  categories: ['accounting'],
  docs: 'https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/oauth-2.0',
  baseUrl: 'https://quickbooks.api.intuit.com/v3/company/${connectionConfig.realmId}',
  auth: {
    mode: 'OAUTH2',
    authorizationUrl: 'https://appcenter.intuit.com/connect/oauth2',
    tokenUrl: 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer',
    defaultScopes: ['com.intuit.quickbooks.accounting'],
    scopeSeparator: ' ',
    tokenRequestAuth: 'basic',
  },
  // Throttled requests get 429 and Intuit says to wait 60 seconds; no wait header is sent.
  retry: { statuses: [429] },
  // No default pagination: reads page inside the query text (`STARTPOSITION n MAXRESULTS m`).
  connectionConfig: {
    realmId: { title: 'Company ID (realm ID)', pattern: '^[0-9]+$', example: '9130346851234567' },
  },
});
