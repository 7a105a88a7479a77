/**
 * The one place a route's required API-key scope is decided: from its tag (the area it serves)
 * and its method (GET reads, anything else writes), unless the route names its own `scope`.
 * A tag missing from the table needs `full`, so a new kind of route is closed until it is
 * mapped here. The app checks the scope before the route reads its input.
 */
import { type ApiKeyArea, type ApiKeyScope, FULL_SCOPE, scopesAllow } from '../engine/api-key-scopes.js';
import type { ApiKeyInfo } from '../engine/ports.js';
import { ApiError } from './errors.js';
import type { ApiRoute } from './route.js';

/** What a route needs: a scope, or `any` valid key (the catalog, the API's own documentation). */
export type RouteScope = ApiKeyScope | 'any';

/** Route tag → what it needs: an area (read/write by method), `any` key, or `full`. */
const TAG_SCOPES: Record<string, ApiKeyArea | 'any' | typeof FULL_SCOPE> = {
  Records: 'records',
  Syncs: 'syncs',
  Connections: 'connections',
  Integrations: 'integrations',
  Webhooks: 'webhooks',
  // Calls to the provider with the connection's credentials (the secret is never shown).
  Proxy: 'proxy',
  // Triggering an action writes; reading a result or the history reads.
  Actions: 'actions',
  // The syncs and actions each integration declares (Nango's functions list).
  Scripts: 'integrations',
  // Creating a connect session is creating a connection, by proxy. (The end user's own calls
  // carry the session token instead and have no scope: `auth: 'connect_session'`.)
  Connect: 'connections',
  Providers: 'any',
  Meta: 'any',
  // Managing keys is managing who may do what: only a full key may.
  'API keys': FULL_SCOPE,
};

export function requiredScope(spec: Pick<ApiRoute['spec'], 'tag' | 'method' | 'scope'>): RouteScope {
  if (spec.scope !== undefined) return spec.scope;
  const target = TAG_SCOPES[spec.tag] ?? FULL_SCOPE;
  if (target === 'any' || target === FULL_SCOPE) return target;
  return `${target}:${spec.method === 'get' ? 'read' : 'write'}`;
}

/** Throws the 403 when the key lacks `scope`. */
export function assertScope(key: ApiKeyInfo | undefined, scope: RouteScope): void {
  if (scope === 'any' || keyAllows(key, scope)) return;
  throw new ApiError(403, 'forbidden', `this API key lacks the ${scope} scope`);
}

/** Whether the key may read secrets: connection credentials, an integration's client secret. */
export function canReadSecrets(key: ApiKeyInfo | undefined): boolean {
  return keyAllows(key, FULL_SCOPE);
}

function keyAllows(key: ApiKeyInfo | undefined, scope: ApiKeyScope): boolean {
  // No key only on public routes, which need none. A key object without scopes may do nothing:
  // failing closed. The store already reads items written before scopes existed as `full`
  // (`api-key-store.ts`), so a missing value here is a bug, not a legacy key.
  if (!key) return false;
  return scopesAllow(key.scopes ?? [], scope);
}
