// Written from https://linear.app/developers/oauth-2-0-authentication and https://linear.app/developers/rate-limiting
import { defineProvider } from '../provider.js';

export default defineProvider({
  name: 'linear',
  displayName: 'Linear',
  categories: ['ticketing', 'project-management'],
  docs: 'https://linear.app/developers/oauth-2-0-authentication',
  // A GraphQL API: every call is `POST /graphql`.
  baseUrl: 'https://api.linear.app',
  auth: {
    mode: 'OAUTH2',
    authorizationUrl: 'https://linear.app/oauth/authorize',
    tokenUrl: 'https://api.linear.app/oauth/token',
    // Linear's `scope` parameter is comma-separated; `read` is always granted.
    scopeSeparator: ',',
    defaultScopes: ['read'],
  },
  // No default pagination: GraphQL connections page with `first`/`after` inside the query.
});
