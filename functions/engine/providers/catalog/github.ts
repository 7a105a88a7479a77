// Written from https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps, https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api and https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api
import { defineProvider } from '../provider.js';

export default defineProvider({
  name: 'github',
  displayName: 'GitHub',
  categories: ['dev-tools'],
  docs: 'https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps',
  baseUrl: 'https://api.github.com',
  // `scope` is a space-delimited list. The token endpoint answers form-encoded unless asked for JSON (`Accept: application/json`).
  auth: { mode: 'OAUTH2', authorizationUrl: 'https://github.com/login/oauth/authorize', tokenUrl: 'https://github.com/login/oauth/access_token', scopeSeparator: ' ' },
  // Primary limits answer 403 (or 429) with x-ratelimit-remaining: 0 and the reset time in epoch seconds;
  // a 403 with requests left is a permission error, not a rate limit.
  retry: { statuses: [403, 429], remainingHeader: 'x-ratelimit-remaining', wait: { header: 'x-ratelimit-reset', format: 'epoch-seconds' } },
  pagination: { type: 'link', link_rel_in_response_header: 'next', limit_name_in_request: 'per_page' },
});
