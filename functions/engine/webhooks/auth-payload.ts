/**
 * The auth webhook body, field for field and in Nango's key order its `NangoAuthWebhookBody`
 * (@nangohq/types, `webhooks/api.ts`). Syncline sends it when a connection's token refresh
 * failed and the connection was marked as needing authorization again (DESIGN §8):
 * `operation: 'refresh', success: false`.
 *
 * Field choices:
 * - `authMode` is the integration's auth mode (`OAUTH2`, `OAUTH2_CC`, …), or the kind of
 *   credentials the connection holds when the integration is unknown to the caller.
 * - `provider` is the integration's provider name; "unknown" when the caller cannot tell (as
 *   Nango falls back).
 * - `environment` is the deployment's name (one Syncline deployment is one Nango environment).
 * - `tags` are the connection's tags, `{}` when it has none: Nango stores tags on every
 *   connection (an empty object by default) and sends them with every webhook about a stored
 *   connection; it leaves them out only when there is no connection to read them from.
 * - `error` is `{type, description}`; the type is Nango's for a provider that refused the
 *   refresh, `refresh_token_external_error`, and the description what the token endpoint said.
 * - Nango's `endUser` (deprecated in favour of tags) is never sent.
 */
import type { ConnectionAuthError } from '../connection.js';
import type { ProviderAuthMode } from '../providers/provider.js';
import { WEBHOOK_FROM } from './payload.js';

export type AuthOperation = 'creation' | 'override' | 'refresh';

export interface AuthWebhookBase {
  from: string;
  type: 'auth';
  connectionId: string;
  authMode: ProviderAuthMode;
  providerConfigKey: string;
  provider: string;
  environment: string;
  operation: AuthOperation;
  tags?: Record<string, string>;
}

export interface AuthWebhookSuccess extends AuthWebhookBase {
  success: true;
}

export interface AuthWebhookError extends AuthWebhookBase {
  success: false;
  error: { type: string; description: string };
}

export type NangoAuthWebhookBody = AuthWebhookSuccess | AuthWebhookError;

/** Nango's error type for a refresh the provider refused. */
export const REFRESH_ERROR_TYPE = 'refresh_token_external_error';

/** What an auth webhook says about the connection, without anything secret. */
export interface AuthSubject {
  providerConfigKey: string;
  connectionId: string;
  authMode: ProviderAuthMode;
  provider: string;
  environment: string;
  tags: Record<string, string> | undefined;
}

export function buildRefreshErrorPayload(subject: AuthSubject, authError: Pick<ConnectionAuthError, 'message'>): AuthWebhookError {
  // Key order is Nango's and JSON.stringify keeps it: the body round-trips byte for byte.
  return {
    from: WEBHOOK_FROM,
    type: 'auth',
    connectionId: subject.connectionId,
    authMode: subject.authMode,
    providerConfigKey: subject.providerConfigKey,
    provider: subject.provider,
    environment: subject.environment,
    operation: 'refresh',
    tags: { ...(subject.tags ?? {}) },
    success: false,
    error: { type: REFRESH_ERROR_TYPE, description: authError.message },
  };
}
