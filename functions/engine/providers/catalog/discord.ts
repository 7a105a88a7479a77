// Written from https://discord.com/developers/docs/reference#authentication and https://discord.com/developers/docs/topics/rate-limits
import { defineProvider } from '../provider.js';

/**
 * A bot token, not user OAuth: syncing guilds, channels and messages needs a bot in the guild,
 * and user bearer tokens can read little beyond the user's own profile and guild list.
 */
export default defineProvider({
  name: 'discord',
  displayName: 'Discord',
  categories: ['communication'],
  docs: 'https://discord.com/developers/docs/reference#authentication',
  baseUrl: 'https://discord.com/api/v10',
  auth: { mode: 'API_KEY' },
  proxy: { headers: { authorization: 'Bot ${apiKey}' } },
  // 429 with Retry-After in seconds (possibly fractional).
  retry: { statuses: [429], wait: { header: 'retry-after', format: 'seconds' } },
  // No default pagination: lists page by snowflake ids (`before`/`after` an item's id), not a response field.
});
