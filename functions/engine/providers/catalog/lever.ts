// Written from https://hire.lever.co/developer/documentation (authentication, pagination, rate limits) and https://hire.lever.co/developer/oauth
import { defineProvider } from '../provider.js';

export default defineProvider({
  name: 'lever',
  displayName: 'Lever',
  categories: ['ats'],
  docs: 'https://hire.lever.co/developer/documentation',
  baseUrl: 'https://api.lever.co/v1',
  // The authorization request must name the API as `audience`; `offline_access` yields a refresh token.
  auth: {
    mode: 'OAUTH2',
    authorizationUrl: 'https://auth.lever.co/authorize',
    tokenUrl: 'https://auth.lever.co/oauth/token',
    defaultScopes: ['offline_access'],
    scopeSeparator: ' ',
    authorizationParams: { audience: 'https://api.lever.co/v1/' },
  },
  // 429 when over the per-key token bucket; no wait header is documented.
  retry: { statuses: [429] },
  // Lists return `{ data, hasNext, next }`; `next` goes back as `offset`, `limit` is 1 to 100.
  pagination: { type: 'cursor', cursor_path_in_response: 'next', cursor_name_in_request: 'offset', limit_name_in_request: 'limit', response_path: 'data' },
});
