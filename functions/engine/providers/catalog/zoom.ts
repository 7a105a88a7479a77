// Written from https://developers.zoom.us/docs/integrations/oauth/, https://developers.zoom.us/docs/api/using-zoom-apis/ and https://developers.zoom.us/docs/api/rate-limits/
import { defineProvider } from '../provider.js';

export default defineProvider({
  name: 'zoom',
  displayName: 'Zoom',
  categories: ['video', 'communication'],
  docs: 'https://developers.zoom.us/docs/integrations/oauth/',
  baseUrl: 'https://api.zoom.us/v2',
  // Scopes are set on the app; the token endpoint takes the client as HTTP Basic.
  auth: { mode: 'OAUTH2', authorizationUrl: 'https://zoom.us/oauth/authorize', tokenUrl: 'https://zoom.us/oauth/token', scopeSeparator: ' ', tokenRequestAuth: 'basic' },
  // 429 for per-second and daily limits. The daily limit's Retry-After is an ISO 8601 timestamp,
  // a form the retry rule cannot read, so no wait header: the engine backs off.
  retry: { statuses: [429] },
  pagination: { type: 'cursor', cursor_path_in_response: 'next_page_token', cursor_name_in_request: 'next_page_token', limit_name_in_request: 'page_size' },
});
