// Written from https://developers.google.com/identity/protocols/oauth2/web-server and https://developers.google.com/sheets/api/guides/concepts
import { defineProvider } from '../provider.js';

export default defineProvider({
  name: 'google-sheets',
  displayName: 'Google Sheets',
  categories: ['spreadsheets'],
  docs: 'https://developers.google.com/sheets/api/guides/concepts',
  // Paths carry the version (`/v4/spreadsheets/{id}/values/{range}`).
  baseUrl: 'https://sheets.googleapis.com',
  auth: {
    mode: 'OAUTH2',
    authorizationUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
    tokenUrl: 'https://oauth2.googleapis.com/token',
    // `offline` returns a refresh token; `consent` makes Google return one on every re-authorization.
    authorizationParams: { access_type: 'offline', prompt: 'consent' },
  },
  // No default pagination: the Sheets API reads ranges, it does not page lists.
});
