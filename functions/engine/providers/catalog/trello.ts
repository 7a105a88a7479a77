// Written from https://developer.atlassian.com/cloud/trello/guides/rest-api/authorization/ and https://developer.atlassian.com/cloud/trello/guides/rest-api/rate-limits
import { defineProvider } from '../provider.js';

/**
 * Trello authorizes with two values: the app's API key (public, tied to a Power-Up) and a user
 * token from `https://trello.com/1/authorize` (or OAuth 1.0a, which this schema cannot model).
 * The user token is the connection's `apiKey` credential; the app key is connection config.
 */
export default defineProvider({
  name: 'trello',
  displayName: 'Trello',
  categories: ['productivity'],
  docs: 'https://developer.atlassian.com/cloud/trello/guides/rest-api/authorization/',
  baseUrl: 'https://api.trello.com/1',
  auth: { mode: 'API_KEY' },
  // Trello accepts key and token in this header instead of the `key`/`token` query parameters, which keeps them out of URLs.
  proxy: { headers: { authorization: 'OAuth oauth_consumer_key="${connectionConfig.api_key}", oauth_token="${apiKey}"' } },
  // 429 with an error code in the body; Trello documents no wait header.
  retry: { statuses: [429] },
  connectionConfig: {
    api_key: { title: 'API key', description: "The Power-Up's API key (trello.com/power-ups/admin)", pattern: '^[0-9a-f]{32}$' },
  },
});
