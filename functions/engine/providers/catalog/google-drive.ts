// Written from https://developers.google.com/identity/protocols/oauth2/web-server and https://developers.google.com/drive/api/reference/rest/v3/files/list
import { defineProvider } from '../provider.js';

export default defineProvider({
  name: 'google-drive',
  displayName: 'Google Drive',
  categories: ['storage'],
  docs: 'https://developers.google.com/drive/api/guides/about-sdk',
  // Paths carry the API and version (`/drive/v3/files`).
  baseUrl: 'https://www.googleapis.com',
  auth: {
    mode: 'OAUTH2',
    authorizationUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
    tokenUrl: 'https://oauth2.googleapis.com/token',
    // `offline` returns a refresh token; `consent` makes Google return one on every re-authorization.
    authorizationParams: { access_type: 'offline', prompt: 'consent' },
  },
  // files.list: `?pageSize=&pageToken=`, records under `files`, next token at `nextPageToken`.
  pagination: { type: 'cursor', cursor_path_in_response: 'nextPageToken', cursor_name_in_request: 'pageToken', limit_name_in_request: 'pageSize', limit: 100, response_path: 'files' },
});
