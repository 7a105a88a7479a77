// Written from https://developer.atlassian.com/cloud/confluence/oauth-2-3lo-apps/ and https://developer.atlassian.com/cloud/confluence/rate-limiting/
import { defineProvider } from '../provider.js';

export default defineProvider({
  name: 'confluence',
  displayName: 'Confluence',
  categories: ['knowledge-base'],
  docs: 'https://developer.atlassian.com/cloud/confluence/oauth-2-3lo-apps/',
  // OAuth tokens call the Atlassian gateway: `/ex/confluence/{cloudId}/wiki/api/v2/...`. The cloud
  // id of each site the user granted comes from `GET /oauth/token/accessible-resources`.
  baseUrl: 'https://api.atlassian.com',
  auth: {
    mode: 'OAUTH2',
    authorizationUrl: 'https://auth.atlassian.com/authorize',
    tokenUrl: 'https://auth.atlassian.com/oauth/token',
    // offline_access returns a (rotating) refresh token.
    defaultScopes: ['offline_access'],
    authorizationParams: { audience: 'api.atlassian.com', prompt: 'consent' },
  },
  // Rate limits: 429 with Retry-After in seconds, the default rule.
  // No default pagination: v2 next links (`_links.next`) are relative to the site, not to the
  // gateway path, so scripts page with the `cursor` they carry.
  connectionConfig: {
    cloudId: {
      title: 'Atlassian cloud id',
      description: 'The site to sync, for scripts that address `/ex/confluence/{cloudId}`; found through /oauth/token/accessible-resources.',
      pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
      optional: true,
    },
  },
});
