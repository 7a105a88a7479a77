/**
 * Step two of the OAuth2 authorization-code flow (RFC 6749 §4.1.2–4.1.4): the provider sent the
 * browser back with `code` and `state` (or `error`). In order, and every refusal is final:
 *   1. `state` is consumed (deleted in the same write that reads it): a replay finds nothing.
 *   2. The browser must be the one that started the flow (the binding cookie), and the connect
 *      session must still be live.
 *   3. A provider `error` (denied consent) ends the flow.
 *   4. The code is exchanged at the provider's token URL — checked like every URL that receives
 *      the client secret — with the same `redirect_uri` and the PKCE verifier.
 *   5. Only then is the connection created (`completeConnect`): a failure at any step before
 *      leaves no connection behind.
 * Where Nango's callback fires its `connectionCreationFailed` hook — no code in the answer
 * (denied consent) and a failed token request — a failed connect is recorded for the failed
 * `auth` webhook (`auth-failure.ts`); the refusals of steps 1–2 send none, as on Nango.
 */
import { timingSafeEqual } from 'node:crypto';
import { callTokenEndpoint, keptConfig, oauth2Credentials } from '../credentials.js';
import { NotFoundError } from '../errors.js';
import type { Clock } from '../ports.js';
import { renderSecretUrl } from '../providers/connection-config.js';
import { TemplateError } from '../providers/template.js';
import { type RecordAuthFailureDeps, recordAuthFailure } from './auth-failure.js';
import { type CompleteConnectDeps, ConnectRefusedError, completeConnect } from './complete-connect.js';
import type { ConnectSessionRepo } from './connect-session.js';
import { type OAuthIntegrationDeps, resolveOAuthIntegration } from './oauth-integration.js';
import type { OAuthCallbackOutcome, OAuthFlowError } from './oauth-outcome.js';
import { hashOAuthSecret, type OAuthStateRepo } from './oauth-state.js';

export interface CallbackDeps extends OAuthIntegrationDeps, RecordAuthFailureDeps {
  oauthStates: Pick<OAuthStateRepo, 'consume'>;
  connectSessions: Pick<ConnectSessionRepo, 'findByTokenHash'>;
  complete: CompleteConnectDeps;
  clock: Clock;
  allowLoopbackHttp: boolean;
  fetch?: typeof fetch;
  /** Of the token request; default `TOKEN_TIMEOUT_MS`. */
  timeoutMs?: number;
}

/** The token call must end well before API Gateway gives up on the request (30 s) and the Lambda's 29 s. */
export const TOKEN_TIMEOUT_MS = 15_000;

export interface CallbackRequest {
  state?: string | undefined;
  code?: string | undefined;
  /** RFC 6749 §4.1.2.1: the provider's `error` and `error_description`. */
  error?: string | undefined;
  errorDescription?: string | undefined;
  /** The binding cookie's value, when the browser sent it. */
  browserBinding?: string | undefined;
}

/** Provider text shown to the end user: printable, one line, short. The page escapes it. */
function providerText(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const cleaned = value.replace(/[^\x20-\x7e\u00a0-\uffff]+/g, ' ').trim();
  return cleaned === '' ? undefined : cleaned.length > 200 ? `${cleaned.slice(0, 200)}…` : cleaned;
}

export async function finishOAuthFlow(deps: CallbackDeps, request: CallbackRequest): Promise<OAuthCallbackOutcome> {
  const now = deps.clock.now();
  const refuse = (type: OAuthFlowError['type'], message: string, context: { providerConfigKey?: string; wsClientId?: string } = {}): OAuthCallbackOutcome => ({
    ok: false,
    error: { type, message },
    ...context,
  });
  if (!request.state) return refuse('state_err', 'The authorization answer carries no state. Start again from the app.');
  const flow = await deps.oauthStates.consume(hashOAuthSecret(request.state), now);
  if (!flow) return refuse('state_err', 'This authorization was already used or has expired. Start again from the app.');
  const context = { providerConfigKey: flow.providerConfigKey, ...(flow.wsClientId ? { wsClientId: flow.wsClientId } : {}) };

  if (!sameHash(request.browserBinding ? hashOAuthSecret(request.browserBinding) : '', flow.browserBindingHash)) {
    return refuse('state_cookie_err', 'This authorization was started in another browser. Start again from the app in this browser.', context);
  }
  const session = await deps.connectSessions.findByTokenHash(flow.connectSessionTokenHash, now);
  if (!session || session.id !== flow.connectSessionId) return refuse('session_expired', 'The connect session has expired. Start again from the app.', context);

  // What the failed `auth` webhook says; Nango's error types (`invalid_callback`, `unknown`).
  const integration = deps.registry.get(flow.providerConfigKey);
  const recordFailure = (type: string, description: string) =>
    recordAuthFailure(deps, now, {
      providerConfigKey: flow.providerConfigKey,
      connectionId: session.reconnect?.connectionId,
      authMode: integration?.provider.auth.mode ?? 'OAUTH2',
      provider: integration?.providerName ?? 'unknown',
      tags: session.tags,
      error: { type, description },
    });

  if (request.error !== undefined || !request.code) {
    const code = providerText(request.error) ?? 'no_code';
    const description = providerText(request.errorDescription);
    const denied = request.error === 'access_denied' ? 'The authorization was denied.' : 'The provider did not authorize the connection.';
    const message = `${denied} Provider error: ${code}${description ? ` (${description})` : ''}`;
    await recordFailure('invalid_callback', message);
    return refuse('callback_err', message, context);
  }

  const resolved = await resolveOAuthIntegration(deps, flow.providerConfigKey, { withSecret: true });
  if (!resolved.ok) return { ok: false, error: resolved.error, ...context };
  const { provider, client } = resolved.value;
  const auth = provider.auth;

  let tokenUrl: string;
  try {
    const rendered = renderSecretUrl(auth.tokenUrl, { connectionConfig: flow.connectionConfig }, provider.connectionConfig, { allowLoopbackHttp: deps.allowLoopbackHttp });
    if (!rendered.ok) return refuse('url_param_err', `The connection settings cannot be used: ${rendered.reason}.`, context);
    tokenUrl = rendered.url;
  } catch (error) {
    if (error instanceof TemplateError) return refuse('url_param_err', `The connection settings are incomplete: ${error.message}.`, context);
    throw error;
  }
  const form = new URLSearchParams(auth.tokenParams);
  form.set('grant_type', 'authorization_code');
  form.set('code', request.code);
  form.set('redirect_uri', flow.redirectUri);
  if (flow.codeVerifier) form.set('code_verifier', flow.codeVerifier);
  const result = await callTokenEndpoint({
    url: tokenUrl,
    form,
    client: client as { clientId: string; clientSecret: string },
    auth: auth.tokenRequestAuth,
    fetch: deps.fetch,
    timeoutMs: deps.timeoutMs ?? TOKEN_TIMEOUT_MS,
  });
  if (!result.ok) {
    const why =
      result.failure === 'no_answer'
        ? 'the provider did not answer'
        : result.failure === 'refused'
          ? `the provider answered HTTP ${result.status}${result.code ? ` (${result.code})` : ''}`
          : `the provider answered without a usable token (${result.fields})`;
    await recordFailure(result.failure === 'unusable' ? 'unable_to_parse_token_response' : 'unknown', `OAuth2 token request failed: ${why}`);
    return refuse('token_err', `The authorization could not be completed: ${why}. Start again from the app.`, context);
  }

  try {
    const completed = await completeConnect(deps.complete, session, {
      providerConfigKey: flow.providerConfigKey,
      credentials: oauth2Credentials(result.tokens, now),
      connectionConfig: { ...flow.connectionConfig, ...keptConfig(provider, result.tokens) },
    });
    return { ok: true, providerConfigKey: completed.providerConfigKey, connectionId: completed.connectionId, ...(flow.wsClientId ? { wsClientId: flow.wsClientId } : {}) };
  } catch (error) {
    if (error instanceof ConnectRefusedError) return refuse('connection_validation_failed', `The connection was refused: ${error.message}.`, context);
    if (error instanceof NotFoundError) return refuse('unknown_config_key', error.message, context);
    throw error;
  }
}

function sameHash(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
