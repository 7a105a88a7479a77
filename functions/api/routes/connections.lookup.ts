/** Finding the integration and connection(s) a connections route names, with Nango's not-found answers. */
import type { Credentials, ProviderAuth } from '../../engine/connection.js';
import { NotFoundError } from '../../engine/errors.js';
import type { Integration } from '../../engine/integration.js';
import type { ConnectionInfo } from '../../engine/ports.js';
import type { ApiDeps } from '../deps.js';

export interface ConnectionLookups {
  integrationOf(providerConfigKey: string): Integration;
  connectionOf(providerConfigKey: string, connectionId: string): Promise<ConnectionInfo>;
  /** Every named connection must exist before any is changed (Nango: all or nothing). */
  allConnections(providerConfigKey: string, ids: string[]): Promise<ConnectionInfo[]>;
}

export function connectionLookups(deps: ApiDeps): ConnectionLookups {
  const { registry, state } = deps.syncline;
  const integrationOf = (providerConfigKey: string): Integration => {
    const integration = registry.get(providerConfigKey);
    if (!integration) throw new NotFoundError(`unknown integration "${providerConfigKey}"`);
    return integration;
  };
  return {
    integrationOf,
    async connectionOf(providerConfigKey, connectionId) {
      integrationOf(providerConfigKey);
      const connection = await state.connections.find(providerConfigKey, connectionId);
      if (!connection) throw new NotFoundError(`unknown connection "${connectionId}" for integration "${providerConfigKey}"`);
      return connection;
    },
    async allConnections(providerConfigKey, ids) {
      integrationOf(providerConfigKey);
      const found = await Promise.all(ids.map((id) => state.connections.find(providerConfigKey, id)));
      const missing = ids.filter((_, i) => !found[i]);
      if (missing.length > 0) throw new NotFoundError(`unknown connection(s) for integration "${providerConfigKey}": ${missing.join(', ')}; nothing was changed`);
      return found as ConnectionInfo[];
    },
  };
}

/** The credentials a provider's connections hold: client-credentials tokens are OAuth2 tokens too. */
export function credentialsTypeOf(mode: ProviderAuth['mode']): Credentials['type'] {
  return mode === 'OAUTH2_CC' ? 'OAUTH2' : mode;
}
