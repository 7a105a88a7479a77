/**
 * Connections and providers as the engine sees them: one end-customer's account on an
 * integration, with the credentials the HTTP side injects into provider calls.
 */

/** How a provider authenticates requests. Declared once per integration. */
export type ProviderAuth =
  | { mode: 'API_KEY' /** Where the key goes; default header `Authorization: Bearer <key>`. */; in?: 'header' | 'query'; name?: string; prefix?: string }
  | { mode: 'BASIC' }
  | {
      mode: 'OAUTH2';
      /** Where expired access tokens are refreshed (`grant_type=refresh_token`). */
      tokenUrl?: string;
      /** The OAuth app's client credentials, sent with a refresh; the composition root fills them in (e.g. from the environment). */
      clientId?: string;
      clientSecret?: string;
    }
  | { mode: 'NONE' };

export interface ProviderConfig {
  /** Base URL every relative proxy endpoint is resolved against, e.g. `https://api.hubapi.com`. */
  baseUrl: string;
  auth: ProviderAuth;
  /** Headers sent on every call to this provider. */
  headers?: Record<string, string>;
}

export type Credentials =
  | { type: 'API_KEY'; apiKey: string }
  | { type: 'BASIC'; username: string; password: string }
  | { type: 'OAUTH2'; accessToken: string; refreshToken?: string; expiresAt?: string }
  | { type: 'NONE' };

export interface Connection {
  providerConfigKey: string;
  connectionId: string;
  credentials: Credentials;
  metadata: Record<string, unknown>;
  connectionConfig: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

/**
 * Fills `${connectionConfig.name}` placeholders in a provider's base URL from the connection's
 * config (e.g. a subdomain per customer), as Nango's provider templates do.
 */
export function interpolateBaseUrl(baseUrl: string, connection: Pick<Connection, 'connectionConfig'>): string {
  return baseUrl.replace(/\$\{connectionConfig\.([A-Za-z0-9_]+)\}/g, (_, name: string) => {
    const value = connection.connectionConfig[name];
    if (value === undefined || value === null || value === '') throw new Error(`the connection has no connectionConfig.${name}, needed by the provider's base URL`);
    return String(value);
  });
}
