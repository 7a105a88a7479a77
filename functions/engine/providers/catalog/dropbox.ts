// Written from https://developers.dropbox.com/oauth-guide and https://www.dropbox.com/developers/documentation/http/documentation (errors, rate limits)
import { defineProvider } from '../provider.js';

export default defineProvider({
  name: 'dropbox',
  displayName: 'Dropbox',
  categories: ['storage'],
  docs: 'https://developers.dropbox.com/oauth-guide',
  // RPC endpoints; content upload/download lives on content.dropboxapi.com, which scripts name in full.
  baseUrl: 'https://api.dropboxapi.com/2',
  // Access tokens are short-lived; `token_access_type=offline` is what returns a refresh token.
  auth: {
    mode: 'OAUTH2',
    authorizationUrl: 'https://www.dropbox.com/oauth2/authorize',
    tokenUrl: 'https://api.dropboxapi.com/oauth2/token',
    scopeSeparator: ' ',
    authorizationParams: { token_access_type: 'offline' },
  },
  retry: { statuses: [429], wait: { header: 'retry-after', format: 'seconds' } },
  // No default pagination: lists continue through a second endpoint (`.../list_folder/continue`) with the cursor in a POST body.
});
