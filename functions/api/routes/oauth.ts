/**
 * The OAuth2 authorization-code flow, as Nango's frontend SDK and connect UI drive it:
 *   - `GET /oauth/connect/{providerConfigKey}?connect_session_token=…&params[x]=…[&ws_client_id=…]`
 *     (authenticated and rate-limited by the connect session, see `connect-session-auth.ts`):
 *     302 to the provider's consent page, with a cookie binding the flow to this browser.
 *   - `GET /oauth/callback?code=…&state=…` (public: the provider sends the browser here): the
 *     page that tells the opener, and the SDK's WebSocket client where there is one.
 * Both answer errors with the same page (`oauth.page.ts`), never JSON: a person reads them.
 *
 * The redirect URI is `<public URL>/oauth/callback`, fixed by configuration (`publicUrl`: the
 * stack's API URL or custom domain in AWS, the server's address locally).
 */
import { getCookie, setCookie } from 'hono/cookie';
import * as z from 'zod';
import { startOAuthFlow } from '../../engine/connect/oauth-authorize.js';
import { finishOAuthFlow } from '../../engine/connect/oauth-callback.js';
import { type OAuthCallbackOutcome, socketMessageOf } from '../../engine/connect/oauth-outcome.js';
import { hashOAuthSecret } from '../../engine/connect/oauth-state.js';
import type { ApiDeps } from '../deps.js';
import { deepObjectParam, defineRoute, type ApiContext, type ApiRoute } from '../route.js';
import { renderOAuthPage } from './oauth.page.js';

const PAGE = { contentType: 'text/html', schema: z.string() };

/** Nango's frontend SDK sends its WebSocket client id (a UUID); anything else is not kept. */
const WsClientId = z
  .string()
  .regex(/^[A-Za-z0-9-]{8,64}$/)
  .optional();

const ConnectQuery = z.object({
  connect_session_token: z.string().optional().meta({ description: 'The connect session token (or `Authorization: Bearer <token>`)' }),
  /** Connection-config values, `params[subdomain]=acme`; the session's defaults win. (No `.meta`: it would copy the schema and lose the deepObject mark.) */
  params: deepObjectParam(
    z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/), z.string().max(1_024)).meta({ description: 'Connection-config values, `params[subdomain]=acme`; the session’s defaults win' }),
  ),
  ws_client_id: WsClientId.meta({ description: 'The WebSocket client of Nango’s frontend SDK to tell the outcome to (local runtime)' }),
});

const CallbackQuery = z.object({
  state: z.string().max(256).optional(),
  code: z.string().max(4_096).optional(),
  error: z.string().max(1_024).optional(),
  error_description: z.string().max(4_096).optional(),
});

/** The cookie of one flow: named after its state so that parallel flows in one browser do not collide. */
const bindingCookieName = (stateHash: string) => `syncline_oauth_${stateHash.slice(0, 16)}`;

export function oauthRoutes(deps: ApiDeps): ApiRoute[] {
  const { syncline, clock } = deps;
  const publicUrl = deps.publicUrl?.replace(/\/+$/, '');
  const redirectUri = publicUrl ? `${publicUrl}/oauth/callback` : undefined;
  const origin = publicUrl ? new URL(publicUrl).origin : 'null';
  const cookiePath = redirectUri ? new URL(redirectUri).pathname : '/oauth/callback';
  const secureCookie = publicUrl?.startsWith('https://') ?? false;
  const allowLoopbackHttp = deps.allowLoopbackTokenUrl ?? false;

  /** The page, and the same outcome to the SDK's WebSocket client when one waits for it. */
  const answer = (c: ApiContext, outcome: OAuthCallbackOutcome): Response => {
    if (outcome.wsClientId) deps.oauthPublisher?.publish(outcome.wsClientId, socketMessageOf(outcome));
    if (!outcome.ok) deps.logger.log('info', `OAuth flow of "${outcome.providerConfigKey ?? '?'}" ended: ${outcome.error.type}`, { requestId: c.get('requestId') });
    const page = renderOAuthPage(outcome, origin);
    return c.body(page.html, page.status, page.headers);
  };
  const notConfigured: OAuthCallbackOutcome = {
    ok: false,
    error: { type: 'provider_config_err', message: 'This Syncline deployment has no public URL configured (SYNCLINE_PUBLIC_URL), so it cannot receive OAuth callbacks.' },
  };

  return [
    defineRoute(
      {
        method: 'get',
        path: '/oauth/connect/{providerConfigKey}',
        tag: 'Connect',
        summary: 'Start the OAuth2 flow of a connect session (redirects to the provider)',
        description:
          "Nango's `/oauth/connect`: what its frontend SDK's `auth()` and the hosted connect page open in the end user's browser. Redirects to the provider's consent page with the integration's client id, the fixed redirect URI `<public URL>/oauth/callback`, the scopes (the session's, else the integration's, else the provider's), a single-use `state` and PKCE where the provider uses it. Errors are an HTML page.",
        auth: 'connect_session',
        params: z.object({ providerConfigKey: z.string().min(1).max(64) }),
        query: ConnectQuery,
        responses: { 302: { description: "Redirect to the provider's consent page" }, 400: { description: 'Error page', ...PAGE } },
      },
      async ({ c, params, query }) => {
        const session = c.get('connectSession')!;
        const wsClientId = query.ws_client_id;
        if (!redirectUri) return answer(c, { ...notConfigured, providerConfigKey: params.providerConfigKey, ...(wsClientId ? { wsClientId } : {}) });
        const result = await startOAuthFlow(
          { registry: syncline.registry, integrations: syncline.state.integrations, oauthStates: syncline.state.oauthStates, clock, redirectUri, allowLoopbackHttp },
          { session, providerConfigKey: params.providerConfigKey, params: { ...query.params }, ...(wsClientId ? { wsClientId } : {}) },
        );
        if (!result.ok) return answer(c, { ok: false, error: result.error, providerConfigKey: params.providerConfigKey, ...(wsClientId ? { wsClientId } : {}) });
        const state = new URL(result.authorizationUrl).searchParams.get('state')!;
        setCookie(c, bindingCookieName(hashOAuthSecret(state)), result.browserBinding, {
          path: cookiePath,
          httpOnly: true,
          secure: secureCookie,
          // Lax: sent on the provider's top-level redirect back to the callback, not on cross-site subrequests.
          sameSite: 'Lax',
          maxAge: 600,
        });
        c.header('Cache-Control', 'no-store');
        c.header('Referrer-Policy', 'no-referrer');
        return c.redirect(result.authorizationUrl, 302);
      },
    ),

    defineRoute(
      {
        method: 'get',
        path: '/oauth/callback',
        tag: 'Connect',
        summary: 'OAuth2 redirect URI: finishes the flow and creates the connection',
        description:
          'Register `<public URL>/oauth/callback` (the stack output `OAuthRedirectUri`) as the redirect URI of every OAuth app. Checks the single-use `state` (and that this browser started the flow), exchanges the code, creates or re-authorizes the connection, and answers a page that tells its opener (Nango’s `nango_oauth_callback_success` / `_error` messages) and closes.',
        auth: 'public',
        query: CallbackQuery,
        responses: { 200: { description: 'Success page', ...PAGE }, 400: { description: 'Error page', ...PAGE } },
      },
      async ({ c, query }) => {
        if (!redirectUri) return answer(c, notConfigured);
        const cookieName = query.state ? bindingCookieName(hashOAuthSecret(query.state)) : undefined;
        const browserBinding = cookieName ? getCookie(c, cookieName) : undefined;
        const outcome = await finishOAuthFlow(
          {
            registry: syncline.registry,
            integrations: syncline.state.integrations,
            oauthStates: syncline.state.oauthStates,
            connectSessions: syncline.state.connectSessions,
            authFailures: syncline.state.authFailures,
            logger: deps.logger,
            complete: { registry: syncline.registry, state: syncline.state, connections: syncline.connections, clock },
            clock,
            allowLoopbackHttp,
          },
          { state: query.state, code: query.code, error: query.error, errorDescription: query.error_description, browserBinding },
        );
        if (cookieName && browserBinding !== undefined) setCookie(c, cookieName, '', { path: cookiePath, httpOnly: true, secure: secureCookie, sameSite: 'Lax', maxAge: 0 });
        return answer(c, outcome);
      },
    ),
  ];
}
