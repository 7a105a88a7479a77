// Written from https://developers.google.com/identity/protocols/oauth2/web-server and https://developers.google.com/gmail/api/reference/rest/v1/users.messages/list
import { defineProvider } from '../provider.js';

export default defineProvider({
  name: 'google-mail',
  displayName: 'Gmail',
  categories: ['email'],
  docs: 'https://developers.google.com/gmail/api/guides',
  // Paths carry the API and version (`/gmail/v1/users/me/messages`).
  baseUrl: 'https://gmail.googleapis.com',
  auth: {
    mode: 'OAUTH2',
    authorizationUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
    tokenUrl: 'https://oauth2.googleapis.com/token',
    // `offline` returns a refresh token; `consent` makes Google return one on every re-authorization.
    authorizationParams: { access_type: 'offline', prompt: 'consent' },
  },
  // users.messages.list: `?maxResults=&pageToken=`, records under `messages`, next token at `nextPageToken`.
  pagination: { type: 'cursor', cursor_path_in_response: 'nextPageToken', cursor_name_in_request: 'pageToken', limit_name_in_request: 'maxResults', limit: 100, response_path: 'messages' },
});
