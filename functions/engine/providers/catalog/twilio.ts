// Written from https://www.twilio.com/docs/usage/requests-to-twilio, https://www.twilio.com/docs/usage/twilios-response and https://www.twilio.com/docs/api/errors/20429
import { defineProvider } from '../provider.js';

/**
 * HTTP Basic: username is the Account SID (or an API key SID), password the Auth Token (or the
 * API key secret). Core API paths name the account (`/2010-04-01/Accounts/{sid}/Messages.json`),
 * so the Account SID is also kept as connection config.
 */
export default defineProvider({
  name: 'twilio',
  displayName: 'Twilio',
  categories: ['communication'],
  docs: 'https://www.twilio.com/docs/usage/requests-to-twilio',
  baseUrl: 'https://api.twilio.com',
  auth: { mode: 'BASIC' },
  // 429 (error 20429) on too many concurrent requests; safe to retry, no wait header.
  retry: { statuses: [429] },
  // 2010-04-01 lists return `next_page_uri`, a path on this host; `PageSize` sets the page size.
  pagination: { type: 'link', link_path_in_response_body: 'next_page_uri', limit_name_in_request: 'PageSize' },
  connectionConfig: {
    account_sid: { title: 'Account SID', pattern: '^AC[0-9a-fA-F]{32}$', example: 'ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX' },
  },
});
