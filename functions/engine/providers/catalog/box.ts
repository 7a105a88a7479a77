// Written from https://developer.box.com/guides/authentication/oauth2/, https://developer.box.com/guides/api-calls/permissions-and-errors/rate-limits/ and https://developer.box.com/guides/api-calls/pagination/
import { defineProvider } from '../provider.js';

export default defineProvider({
  name: 'box',
  displayName: 'Box',
  categories: ['storage'],
  docs: 'https://developer.box.com/guides/authentication/oauth2/',
  // Uploads go to upload.box.com, which scripts name in full.
  baseUrl: 'https://api.box.com/2.0',
  // Access tokens last 60 minutes; refresh tokens are single-use and last 60 days.
  auth: { mode: 'OAUTH2', authorizationUrl: 'https://account.box.com/api/oauth2/authorize', tokenUrl: 'https://api.box.com/oauth2/token', scopeSeparator: ' ' },
  retry: { statuses: [429], wait: { header: 'retry-after', format: 'seconds' } },
  // No default pagination: offset paging must advance by `limit`, not by the (possibly shorter) page
  // returned, and marker paging needs `usemarker=true` on every request; neither fits the defaults.
});
