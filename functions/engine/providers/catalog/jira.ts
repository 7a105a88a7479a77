// Written from https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/, https://developer.atlassian.com/cloud/jira/platform/rate-limiting/ and https://developer.atlassian.com/cloud/jira/platform/rest/v3/intro/#pagination
import { defineProvider } from '../provider.js';

export default defineProvider({
  name: 'jira',
  displayName: 'Jira',
  categories: ['ticketing', 'project-management'],
  docs: 'https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/',
  // OAuth tokens call the Atlassian gateway: `/ex/jira/{cloudId}/rest/api/3/...`. The cloud id of
  // each site the user granted comes from `GET /oauth/token/accessible-resources`.
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
  // Most lists: `?startAt=&maxResults=`; the list key differs (`values`, `issues`), so scripts give response_path.
  pagination: { type: 'offset', offset_name_in_request: 'startAt', offset_calculation_method: 'by-response-size', limit_name_in_request: 'maxResults', limit: 50 },
  connectionConfig: {
    cloudId: {
      title: 'Atlassian cloud id',
      description: 'The site to sync, for scripts that address `/ex/jira/{cloudId}`; found through /oauth/token/accessible-resources.',
      pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
      optional: true,
    },
  },
});
