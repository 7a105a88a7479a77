/**
 * How an OAuth flow step ends, as values: the routes turn them into a redirect or the callback
 * page, and into the messages Nango's frontend SDK waits for on its WebSocket. Error types are
 * Nango's (`WSErr` types of its server, which the SDK passes to the app as `AuthError.type`).
 */

export type OAuthFlowErrorType =
  /** No such integration, or the session does not allow it. */
  | 'unknown_config_key'
  /** The integration cannot do an OAuth2 authorization-code flow (no client, no URLs). */
  | 'provider_config_err'
  | 'auth_mode_err'
  /** A connection-config value (`params[…]`) is missing or refused. */
  | 'url_param_err'
  /** The `state` is missing, unknown, used already, or expired. */
  | 'state_err'
  /** The callback came to another browser than the one that started the flow. */
  | 'state_cookie_err'
  /** The connect session ended before the callback. */
  | 'session_expired'
  /** The provider sent no code (the end user denied consent, or the provider failed). */
  | 'callback_err'
  /** The token endpoint refused the code or answered without a token. */
  | 'token_err'
  /** The tokens were fine but the connection was refused (e.g. the connection to re-authorize is gone). */
  | 'connection_validation_failed'
  | 'unknown_err';

export interface OAuthFlowError {
  type: OAuthFlowErrorType;
  /** For the end user; never a secret, never raw provider input except as said in `callback_err`. */
  message: string;
}

/** Where the result goes besides the page: Nango's frontend SDK listening on a WebSocket. */
export interface OAuthFlowContext {
  providerConfigKey?: string;
  connectionId?: string;
  wsClientId?: string;
}

export type OAuthCallbackOutcome = ({ ok: true; providerConfigKey: string; connectionId: string } & OAuthFlowContext) | ({ ok: false; error: OAuthFlowError } & OAuthFlowContext);

/**
 * Messages of Nango's frontend SDK WebSocket protocol (`@nangohq/types` WebSocketConnection*):
 * `connection_ack` when the socket opens, then one `success` or `error`.
 */
export type OAuthSocketMessage =
  | { message_type: 'connection_ack'; ws_client_id: string }
  | { message_type: 'success'; provider_config_key: string; connection_id: string; is_pending: boolean }
  | { message_type: 'error'; provider_config_key: string | undefined; connection_id: string | undefined; error_type: string; error_desc: string };

/**
 * Delivers a flow's outcome to the SDK client waiting on `wsClientId`. Only the local runtime
 * has one (API Gateway HTTP APIs carry no WebSockets); false when no such client is connected.
 */
export interface OAuthOutcomePublisher {
  publish(wsClientId: string, message: OAuthSocketMessage): boolean;
}

export function socketMessageOf(outcome: OAuthCallbackOutcome): OAuthSocketMessage {
  return outcome.ok
    ? { message_type: 'success', provider_config_key: outcome.providerConfigKey, connection_id: outcome.connectionId, is_pending: false }
    : { message_type: 'error', provider_config_key: outcome.providerConfigKey, connection_id: outcome.connectionId, error_type: outcome.error.type, error_desc: outcome.error.message };
}
