/**
 * Connections as the engine sees them: one end-customer's account on an integration, with the
 * credentials the HTTP side injects into provider calls. Providers are data (`providers/`).
 */
import type { Provider } from './providers/provider.js';
import { renderTemplate } from './providers/template.js';

export type { Provider as ProviderConfig, ProviderInput } from './providers/provider.js';
export type ProviderAuth = Provider['auth'];

export type Credentials =
  | { type: 'API_KEY'; apiKey: string }
  | { type: 'BASIC'; username: string; password: string }
  | {
      type: 'OAUTH2';
      accessToken: string;
      refreshToken?: string;
      expiresAt?: string;
      /** When the access token was obtained (ISO): tokens issued without an expiry are refreshed by age. */
      obtainedAt?: string;
      /** The token response as the provider sent it, for `${credentials.raw.*}` templates. */
      raw?: Record<string, unknown>;
    }
  | { type: 'NONE' };

export interface Connection {
  providerConfigKey: string;
  connectionId: string;
  credentials: Credentials;
  metadata: Record<string, unknown>;
  connectionConfig: Record<string, unknown>;
  /**
   * Nango's connection tags (its replacement for `end_user`): up to 10 string pairs, keys
   * lower-cased, set on import or by a connect session; listed, filtered on, sent in auth webhooks.
   */
  tags?: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  /**
   * Set when refreshing its token failed: the end user must authorize again. Its syncs stop
   * until new credentials are saved (which clears it), instead of hammering the provider.
   */
  authError?: ConnectionAuthError;
  /**
   * The last connect-flow event (an end user created or re-authorized the connection), written
   * in the same put as the credentials. The state table's stream turns a new `at` into Nango's
   * `auth` webhook (`operation: creation | override`); nothing else reads it.
   */
  authEvent?: ConnectionAuthEvent;
}

export interface ConnectionAuthEvent {
  operation: 'creation' | 'override';
  /** ISO time; with the connection it makes the webhook's delivery id. */
  at: string;
}

export interface ConnectionAuthError {
  type: 'auth';
  message: string;
  at: string;
  /** The run that met the failure, to read its log. */
  runId?: string;
}

/** A provider base URL for one connection: its `${connectionConfig.*}` and `${credentials.raw.*}` placeholders filled. */
export function interpolateBaseUrl(baseUrl: string, connection: Pick<Connection, 'connectionConfig'> & { credentials?: Credentials }): string {
  const raw = connection.credentials?.type === 'OAUTH2' ? (connection.credentials.raw ?? {}) : {};
  return renderTemplate(baseUrl, { connectionConfig: connection.connectionConfig, credentials: { raw } }, "the provider's base URL");
}
