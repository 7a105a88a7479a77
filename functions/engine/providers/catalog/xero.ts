// Written from https://developer.xero.com/documentation/guides/oauth2/auth-flow, https://developer.xero.com/documentation/guides/oauth2/tenants and https://developer.xero.com/documentation/guides/oauth2/limits
import { defineProvider } from '../provider.js';

/**
 * Each call names the organisation in `xero-tenant-id`. After consent, GET
 * https://api.xero.com/connections lists the tenants the token reaches; the connect flow stores
 * the chosen one as `connectionConfig.tenant_id`.
 */
export default defineProvider({
  name: 'xero',
  displayName: 'Xero',
  categories: ['accounting'],
  docs: 'https://developer.xero.com/documentation/guides/oauth2/auth-flow',
  baseUrl: 'https://api.xero.com',
  // `offline_access` is what yields a refresh token; access tokens last 30 minutes.
  auth: {
    mode: 'OAUTH2',
    authorizationUrl: 'https://login.xero.com/identity/connect/authorize',
    tokenUrl: 'https://identity.xero.com/connect/token',
    defaultScopes: ['offline_access'],
    scopeSeparator: ' ',
    tokenRequestAuth: 'basic',
  },
  proxy: { headers: { authorization: 'Bearer ${accessToken}', 'xero-tenant-id': '${connectionConfig.tenant_id}' } },
  retry: { statuses: [429], wait: { header: 'retry-after', format: 'seconds' } },
  // No default pagination: only some endpoints take `page`, and the others would return the same page forever.
  connectionConfig: {
    tenant_id: { title: 'Tenant ID', description: 'The organisation id from GET /connections', pattern: '^[0-9a-fA-F-]{36}$' },
  },
});
