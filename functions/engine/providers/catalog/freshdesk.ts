// Written from https://developers.freshdesk.com/api/ (Authentication, Rate Limit and Pagination sections)
import { defineProvider } from '../provider.js';

export default defineProvider({
  name: 'freshdesk',
  displayName: 'Freshdesk',
  categories: ['support', 'ticketing'],
  docs: 'https://developers.freshdesk.com/api/',
  // Endpoints are under /api/v2 (`/api/v2/tickets`).
  baseUrl: 'https://${connectionConfig.subdomain}.freshdesk.com',
  // Freshdesk takes the API key as the username of HTTP Basic auth with any password (`X`), so
  // BASIC mode with username = API key and password = X gives the right header with the default
  // `Basic ${basicAuth}`; API_KEY mode could not, as templates cannot base64-encode.
  auth: { mode: 'BASIC' },
  // Rate limits: 429 with Retry-After in seconds, the default rule.
  // Lists: `?per_page=` (max 100) and a `Link: <…>; rel="next"` header; the body is the array itself.
  pagination: { type: 'link', link_rel_in_response_header: 'next', limit_name_in_request: 'per_page', limit: 100 },
  connectionConfig: {
    subdomain: { title: 'Freshdesk subdomain', description: 'The `acme` in acme.freshdesk.com.', pattern: '^[a-zA-Z0-9][a-zA-Z0-9-]*$', example: 'acme' },
  },
});
