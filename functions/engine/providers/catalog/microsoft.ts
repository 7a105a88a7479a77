// Written from https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow, https://learn.microsoft.com/en-us/graph/paging and https://learn.microsoft.com/en-us/graph/throttling
import { defineProvider } from '../provider.js';

export default defineProvider({
  name: 'microsoft',
  displayName: 'Microsoft (Graph: Outlook, Teams, OneDrive)',
  categories: ['email', 'calendar', 'communication', 'storage'],
  docs: 'https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow',
  // Paths carry the version (`/v1.0/me/messages`).
  baseUrl: 'https://graph.microsoft.com',
  auth: {
    mode: 'OAUTH2',
    // `common` accepts work, school and personal Microsoft accounts.
    authorizationUrl: 'https://login.microsoftonline.com/common/oauth2/v2.0/authorize',
    tokenUrl: 'https://login.microsoftonline.com/common/oauth2/v2.0/token',
    // Without offline_access the identity platform issues no refresh token.
    defaultScopes: ['offline_access'],
  },
  // Throttling: 429 with Retry-After in seconds, the default rule.
  // Collections: records under `value`, the full next-page URL at `@odata.nextLink`.
  pagination: { type: 'link', link_path_in_response_body: '@odata.nextLink', response_path: 'value' },
});
