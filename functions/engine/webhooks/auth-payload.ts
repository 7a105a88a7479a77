/**
 * The auth webhook body, field for field and in Nango's key order its `NangoAuthWebhookBody`
 * (@nangohq/types, `webhooks/api.ts`). Syncline sends it when a connection's token refresh
 * failed and the connection was marked as needing authorization again (DESIGN §8):
 * `operation: 'refresh', success: false`; and when an end user connected an account through the
 * connect flow (DESIGN §9): `operation: 'creation'` (a new connection) or `'override'` (a
 * reconnect session), `success: true`. A failed connect attempt sends `operation: 'creation',
 * success: false` where Nango's `connectionCreationFailed` hook fires (denied consent, a failed
 * token request: `engine/connect/auth-failure.ts`), with no `endUser`, like Nango's.
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
 * - Nango's `endUser` (deprecated in favour of tags) is sent only on creation and override, and
 *   only when the tags name an end user (`end_user_id`, as a session's deprecated `end_user`
 *   maps to): `{endUserId, endUserEmail, organizationId, tags: {}}` as Nango's `sendAuth` builds
 *   it from a connect session's end user. The refresh-error body never carries it.
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

/** Nango's deprecated end-user block of an auth webhook. */
export interface AuthWebhookEndUser {
  endUserId: string;
  endUserEmail?: string;
  organizationId?: string;
  tags: Record<string, string>;
}

export interface AuthWebhookSuccess extends AuthWebhookBase {
  endUser?: AuthWebhookEndUser;
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

/** An end user connected (`creation`) or re-authorized (`override`) the connection. */
export function buildAuthSuccessPayload(subject: AuthSubject, operation: 'creation' | 'override'): AuthWebhookSuccess {
  const tags = { ...(subject.tags ?? {}) };
  const endUser = endUserOf(tags);
  return {
    from: WEBHOOK_FROM,
    type: 'auth',
    connectionId: subject.connectionId,
    authMode: subject.authMode,
    providerConfigKey: subject.providerConfigKey,
    provider: subject.provider,
    environment: subject.environment,
    operation,
    tags,
    ...(endUser ? { endUser } : {}),
    success: true,
  };
}

function endUserOf(tags: Record<string, string>): AuthWebhookEndUser | null {
  const endUserId = tags['end_user_id'];
  if (!endUserId) return null;
  return {
    endUserId,
    ...(tags['end_user_email'] ? { endUserEmail: tags['end_user_email'] } : {}),
    ...(tags['organization_id'] ? { organizationId: tags['organization_id'] } : {}),
    tags: {},
  };
}

/** A connect attempt failed (`AuthFailure`); Nango's `connectionCreationFailed` body. */
export function buildAuthFailurePayload(
  failure: { providerConfigKey: string; connectionId: string; authMode: ProviderAuthMode; provider: string; tags: Record<string, string>; error: { type: string; description: string } },
  environment: string,
): AuthWebhookError {
  return {
    from: WEBHOOK_FROM,
    type: 'auth',
    connectionId: failure.connectionId,
    authMode: failure.authMode,
    providerConfigKey: failure.providerConfigKey,
    provider: failure.provider,
    environment,
    operation: 'creation',
    // Nango's hook has no connection to read tags from; the session's tags are what lets the
    // backend tell which end user failed (the connection id names no connection).
    tags: { ...failure.tags },
    success: false,
    error: { type: failure.error.type, description: failure.error.description },
  };
}
