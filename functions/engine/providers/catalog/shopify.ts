// Written from https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/authorization-code-grant, https://shopify.dev/docs/api/usage/rate-limits and https://shopify.dev/docs/api/usage/pagination-rest
import { defineProvider } from '../provider.js';

export default defineProvider({
  name: 'shopify',
  displayName: 'Shopify',
  categories: ['ecommerce'],
  docs: 'https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/authorization-code-grant',
  // Scripts name the versioned path themselves (`/admin/api/2025-01/products.json`, `/admin/api/2025-01/graphql.json`).
  baseUrl: 'https://${connectionConfig.subdomain}.myshopify.com',
  // Scopes are comma-separated.
  auth: {
    mode: 'OAUTH2',
    authorizationUrl: 'https://${connectionConfig.subdomain}.myshopify.com/admin/oauth/authorize',
    tokenUrl: 'https://${connectionConfig.subdomain}.myshopify.com/admin/oauth/access_token',
    scopeSeparator: ',',
  },
  // The Admin API takes the token in its own header, not in Authorization.
  proxy: { headers: { 'x-shopify-access-token': '${accessToken}' } },
  retry: { statuses: [429], wait: { header: 'retry-after', format: 'seconds' } },
  // REST Admin lists page with a Link header (rel="next", page_info) and `limit`; GraphQL pages by cursor in the query.
  pagination: { type: 'link', link_rel_in_response_header: 'next', limit_name_in_request: 'limit' },
  connectionConfig: {
    subdomain: { title: 'Shop subdomain', description: 'The part before .myshopify.com', pattern: '^[a-zA-Z0-9][a-zA-Z0-9-]*$', example: 'my-store' },
  },
});
