// Written from https://docs.gitlab.com/api/oauth2/, https://docs.gitlab.com/api/rest/#pagination and https://docs.gitlab.com/security/rate_limits/
import { defineProvider } from '../provider.js';

/** GitLab.com only; a self-managed instance needs its own entry with its host. */
export default defineProvider({
  name: 'gitlab',
  displayName: 'GitLab',
  categories: ['dev-tools'],
  docs: 'https://docs.gitlab.com/api/oauth2/',
  baseUrl: 'https://gitlab.com/api/v4',
  // Access tokens expire after two hours and come with a refresh token; GitLab recommends PKCE.
  auth: { mode: 'OAUTH2', authorizationUrl: 'https://gitlab.com/oauth/authorize', tokenUrl: 'https://gitlab.com/oauth/token', scopeSeparator: ' ', pkce: true },
  retry: { statuses: [429], wait: { header: 'retry-after', format: 'seconds' } },
  // Offset-paged lists also send a Link header (rel="next"), which works for keyset paging too.
  pagination: { type: 'link', link_rel_in_response_header: 'next', limit_name_in_request: 'per_page' },
});
