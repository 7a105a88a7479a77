// Written from https://developer.close.com/api/overview/oauth-authentication, https://developer.close.com/api/overview/pagination and https://developer.close.com/api/overview/rate-limits
import { defineProvider } from '../provider.js';

export default defineProvider({
  name: 'close',
  displayName: 'Close',
  categories: ['crm'],
  docs: 'https://developer.close.com/api/overview/oauth-authentication',
  // Endpoints are under /api/v1 (`/api/v1/lead/`).
  baseUrl: 'https://api.close.com',
  // OAuth, which Close recommends for integrations many users connect. Every OAuth app gets
  // `all.full_access offline_access`, so no scopes are requested.
  auth: {
    mode: 'OAUTH2',
    authorizationUrl: 'https://app.close.com/oauth2/authorize/',
    tokenUrl: 'https://api.close.com/oauth2/token/',
  },
  // Close's 429 carries the wait as `rate_reset` in the body and a `RateLimit: limit=, remaining=,
  // reset=` header; neither is a plain wait header, so the default rule (Retry-After if sent) stays.
  // Most list endpoints: `?_skip=&_limit=`, records under `data`.
  pagination: { type: 'offset', offset_name_in_request: '_skip', offset_calculation_method: 'by-response-size', limit_name_in_request: '_limit', limit: 100, response_path: 'data' },
});
