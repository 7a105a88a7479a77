// Written from https://developer.calendly.com/creating-an-oauth-app, https://developer.calendly.com/how-to-access-calendly-data-on-behalf-of-authenticated-users and https://developer.calendly.com/api-docs/overview/rate-limits
import { defineProvider } from '../provider.js';

export default defineProvider({
  name: 'calendly',
  displayName: 'Calendly',
  categories: ['scheduling'],
  docs: 'https://developer.calendly.com/creating-an-oauth-app',
  baseUrl: 'https://api.calendly.com',
  // Calendly asks every OAuth app to use PKCE (S256). Access tokens last two hours; refresh tokens last until used.
  auth: { mode: 'OAUTH2', authorizationUrl: 'https://auth.calendly.com/oauth/authorize', tokenUrl: 'https://auth.calendly.com/oauth/token', scopeSeparator: ' ', pkce: true },
  // X-RateLimit-Reset is the number of seconds until the limit resets.
  retry: { statuses: [429], wait: { header: 'x-ratelimit-reset', format: 'seconds' } },
  // Lists return `{ collection, pagination: { next_page_token } }` and take `page_token` and `count` (at most 100).
  pagination: { type: 'cursor', cursor_path_in_response: 'pagination.next_page_token', cursor_name_in_request: 'page_token', limit_name_in_request: 'count', response_path: 'collection' },
});
