// Written from https://developers.google.com/identity/protocols/oauth2/web-server and https://developers.google.com/calendar/api/v3/reference/events/list
import { defineProvider } from '../provider.js';

export default defineProvider({
  name: 'google-calendar',
  displayName: 'Google Calendar',
  categories: ['calendar'],
  docs: 'https://developers.google.com/calendar/api/guides/overview',
  // Paths carry the API and version (`/calendar/v3/calendars/primary/events`).
  baseUrl: 'https://www.googleapis.com',
  auth: {
    mode: 'OAUTH2',
    authorizationUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
    tokenUrl: 'https://oauth2.googleapis.com/token',
    // `offline` returns a refresh token; `consent` makes Google return one on every re-authorization.
    authorizationParams: { access_type: 'offline', prompt: 'consent' },
  },
  // Lists: `?maxResults=&pageToken=`, records under `items`, next token at `nextPageToken`.
  pagination: { type: 'cursor', cursor_path_in_response: 'nextPageToken', cursor_name_in_request: 'pageToken', limit_name_in_request: 'maxResults', limit: 250, response_path: 'items' },
});
