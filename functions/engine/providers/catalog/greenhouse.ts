// Written from https://developers.greenhouse.io/harvest.html (authentication, throttling, pagination)
import { defineProvider } from '../provider.js';

/** Harvest v1: HTTP Basic with the API token as the username and an empty password. */
export default defineProvider({
  name: 'greenhouse',
  displayName: 'Greenhouse',
  categories: ['ats'],
  docs: 'https://developers.greenhouse.io/harvest.html',
  baseUrl: 'https://harvest.greenhouse.io/v1',
  auth: { mode: 'BASIC' },
  // A rolling 10-second window; over it, 429 with Retry-After in seconds.
  retry: { statuses: [429], wait: { header: 'retry-after', format: 'seconds' } },
  // Lists page with an RFC 5988 Link header (rel="next") and `per_page` (at most 500).
  pagination: { type: 'link', link_rel_in_response_header: 'next', limit_name_in_request: 'per_page' },
});
