/**
 * Step one of the OAuth2 authorization-code flow (RFC 6749 §4.1.1): from a live connect session
 * and the integration the end user picked, the provider's authorization URL to send the browser
 * to. Invariants:
 *   - `redirect_uri` is the one configured for the deployment (`<public URL>/oauth/callback`),
 *     never anything from the request, and `client_id`, `state`, `redirect_uri`, `scope`,
 *     `response_type` and the PKCE challenge cannot be overridden by authorization params.
 *   - Connection-config values (`params[…]` and the session's defaults, which win) are checked
 *     against the provider's declared fields before anything is stored, and the authorization
 *     and token URLs they fill are checked like any URL that carries a secret (`renderSecretUrl`):
 *     no value reaches a URL that could send the code or the client secret elsewhere.
 *   - Only the client id reaches the browser; the secret is not even opened here.
 */
import { NotFoundError } from '../errors.js';
import { declaredFieldsOf, renderSecretUrl } from '../providers/connection-config.js';
import { TemplateError } from '../providers/template.js';
import type { Clock } from '../ports.js';
import { assertConnectAllowed, ConnectRefusedError, sessionConnectionConfig } from './complete-connect.js';
import type { ConnectSession } from './connect-session.js';
import { type OAuthIntegrationDeps, resolveOAuthIntegration } from './oauth-integration.js';
import type { OAuthFlowError } from './oauth-outcome.js';
import { hashOAuthSecret, newOAuthSecret, newPkcePair, OAUTH_STATE_TTL_MS, type OAuthStateRepo } from './oauth-state.js';

export interface AuthorizeDeps extends OAuthIntegrationDeps {
  oauthStates: Pick<OAuthStateRepo, 'put'>;
  clock: Clock;
  /** `<public URL>/oauth/callback`, from configuration. */
  redirectUri: string;
  /** The authorization URL may be http://127.0.0.1 (local development with a fake provider). */
  allowLoopbackHttp: boolean;
}

export interface AuthorizeRequest {
  session: ConnectSession;
  providerConfigKey: string;
  /** `params[name]=value` of the request. */
  params: Record<string, string>;
  /** Nango's frontend SDK's WebSocket client, to tell the outcome to. */
  wsClientId?: string;
}

export type AuthorizeResult =
  /** `browserBinding` goes to the browser as a cookie and must come back with the callback. */
  { ok: true; authorizationUrl: string; browserBinding: string } | { ok: false; error: OAuthFlowError };

/** Reserved parameters of the authorization request: set by Syncline alone. */
const RESERVED = new Set(['client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'code_challenge', 'code_challenge_method']);

export async function startOAuthFlow(deps: AuthorizeDeps, request: AuthorizeRequest): Promise<AuthorizeResult> {
  const { session, providerConfigKey } = request;
  const fail = (type: OAuthFlowError['type'], message: string): AuthorizeResult => ({ ok: false, error: { type, message } });
  // The session's values win over `params[…]`: the app's backend fixed them, the browser only proposes.
  // Only fields the provider declares come from the browser; `oauth_scopes_override` and the like only from the session.
  const browserFields = declaredFieldsOf(deps.registry.get(providerConfigKey)?.provider.connectionConfig ?? {}, request.params);
  const connectionConfig = sessionConnectionConfig(session, providerConfigKey, browserFields) as Record<string, string>;
  // Checked now, as the callback's `completeConnect` will: better no consent at all than a code that cannot be used.
  try {
    assertConnectAllowed(deps, session, providerConfigKey, connectionConfig);
  } catch (error) {
    if (error instanceof NotFoundError) return fail('unknown_config_key', `There is no integration "${providerConfigKey}".`);
    if (error instanceof ConnectRefusedError) {
      return error.code === 'invalid_connection_config'
        ? fail('url_param_err', `Check the connection settings: ${error.problems.map((p) => `${p.field} ${p.message}`).join('; ')}.`)
        : fail('unknown_config_key', `This connect session does not allow the integration "${providerConfigKey}".`);
    }
    throw error;
  }
  const resolved = await resolveOAuthIntegration(deps, providerConfigKey, { withSecret: false });
  if (!resolved.ok) return resolved;
  const { provider, client, scopes: configuredScopes } = resolved.value;
  const auth = provider.auth;
  const defaults = session.integrationsConfigDefaults[providerConfigKey] ?? {};

  const options = { allowLoopbackHttp: deps.allowLoopbackHttp };
  const declared = provider.connectionConfig;
  let authorizationBase: string;
  try {
    const authorization = renderSecretUrl(auth.authorizationUrl, { connectionConfig }, declared, options);
    // The token URL is checked now too, for the same reason.
    const token = renderSecretUrl(auth.tokenUrl, { connectionConfig }, declared, options);
    const refused = [authorization, token].find((r) => !r.ok);
    if (refused && !refused.ok) return fail('url_param_err', `The connection settings cannot be used: ${refused.reason}.`);
    authorizationBase = (authorization as { url: string }).url;
  } catch (error) {
    if (error instanceof TemplateError) return fail('url_param_err', `The connection settings are incomplete: ${error.message}.`);
    throw error;
  }

  const state = newOAuthSecret();
  const browserBinding = newOAuthSecret();
  const pkce = auth.pkce ? newPkcePair() : null;
  const now = deps.clock.now();
  // As Nango: the session's `oauth_scopes_override` (comma-separated) replaces the integration's
  // scopes, which replace the provider's defaults; `user_scopes` is Slack's separate `user_scope`.
  const override = connectionConfig['oauth_scopes_override']
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const scopes = override?.length ? override : configuredScopes.length > 0 ? configuredScopes : auth.defaultScopes;
  const userScope = resolved.value.providerName === 'slack' && defaults.userScopes?.length ? { user_scope: defaults.userScopes.join(',') } : {};

  const url = new URL(authorizationBase);
  for (const [name, value] of Object.entries({ ...auth.authorizationParams, ...userScope, ...defaults.authorizationParams })) {
    if (!RESERVED.has(name)) url.searchParams.set(name, value);
  }
  url.searchParams.set('client_id', client.clientId);
  url.searchParams.set('redirect_uri', deps.redirectUri);
  url.searchParams.set('response_type', 'code');
  if (scopes.length > 0) url.searchParams.set('scope', scopes.join(auth.scopeSeparator));
  url.searchParams.set('state', state);
  if (pkce) {
    url.searchParams.set('code_challenge', pkce.challenge);
    url.searchParams.set('code_challenge_method', 'S256');
  }

  await deps.oauthStates.put({
    stateHash: hashOAuthSecret(state),
    browserBindingHash: hashOAuthSecret(browserBinding),
    connectSessionId: session.id,
    connectSessionTokenHash: session.tokenHash,
    providerConfigKey,
    connectionConfig,
    ...(pkce ? { codeVerifier: pkce.verifier } : {}),
    ...(request.wsClientId ? { wsClientId: request.wsClientId } : {}),
    redirectUri: deps.redirectUri,
    createdAt: now,
    // A flow never outlives its session.
    expiresAt: Math.min(now + OAUTH_STATE_TTL_MS, session.expiresAt),
  });
  return { ok: true, authorizationUrl: url.toString(), browserBinding };
}
