// Written from https://developer.clickup.com/docs/authentication and https://developer.clickup.com/docs/rate-limits
import { defineProvider } from '../provider.js';

export default defineProvider({
  name: 'clickup',
  displayName: 'ClickUp',
  categories: ['productivity', 'ticketing'],
  docs: 'https://developer.clickup.com/docs/authentication',
  baseUrl: 'https://api.clickup.com/api/v2',
  // OAuth tokens carry no expiry and there is no refresh grant; the docs take no scopes.
  auth: { mode: 'OAUTH2', authorizationUrl: 'https://app.clickup.com/api', tokenUrl: 'https://api.clickup.com/api/v2/oauth/token' },
  // The docs put the token itself in Authorization, without a `Bearer` prefix.
  proxy: { headers: { authorization: '${accessToken}' } },
  retry: { statuses: [429], wait: { header: 'x-ratelimit-reset', format: 'epoch-seconds' } },
  // No default pagination: list endpoints page differently (tasks by `page` number, others not at all).
});
