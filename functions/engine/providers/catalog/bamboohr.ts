// Written from https://documentation.bamboohr.com/docs/getting-started
import { defineProvider } from '../provider.js';

/**
 * API-key access, the way a single customer connects: HTTP Basic with the key as the username
 * and any password (the docs use `x`). Partner apps use OAuth on the company's own host
 * (`https://{subdomain}.bamboohr.com/authorize.php`), which would be a separate entry.
 */
export default defineProvider({
  name: 'bamboohr',
  displayName: 'BambooHR',
  categories: ['hris'],
  docs: 'https://documentation.bamboohr.com/docs/getting-started',
  baseUrl: 'https://api.bamboohr.com/api/gateway.php/${connectionConfig.subdomain}/v1',
  auth: { mode: 'BASIC' },
  // Responses are XML unless JSON is asked for.
  proxy: { headers: { authorization: 'Basic ${basicAuth}', accept: 'application/json' } },
  // Throttled requests are answered 503 (429 on some endpoints), with Retry-After in seconds.
  retry: { statuses: [429, 503], wait: { header: 'retry-after', format: 'seconds' } },
  connectionConfig: {
    subdomain: { title: 'Company subdomain', description: 'The part before .bamboohr.com', pattern: '^[a-zA-Z0-9][a-zA-Z0-9-]*$', example: 'mycompany' },
  },
});
