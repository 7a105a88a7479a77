/**
 * Connecting an `OAUTH2_CC` integration (Nango's `POST /oauth2/auth/{providerConfigKey}`): no
 * end-user consent, a token is requested with the integration's OAuth client and stored like an
 * OAuth2 token, then `completeConnect` creates or overrides the connection.
 *
 * The client is the integration's (configured through the integrations API, or declared in
 * code), the same one token refreshes use — Nango lets the end user type a client id and secret
 * of their own, which Syncline would then have no way to refresh with. A body naming another
 * client id is therefore refused rather than silently ignored.
 *
 * A failed token request is recorded for the failed `auth` webhook (`auth-failure.ts`), as
 * Nango's `connectionCreationFailed` hook does; the refusals before it (unknown integration,
 * another client id, invalid config) answer the caller only.
 */
import { callTokenEndpoint, keptConfig, oauth2Credentials } from '../credentials.js';
import { NotFoundError } from '../errors.js';
import type { IntegrationConfigRepo } from '../ports.js';
import { renderSecretUrl } from '../providers/connection-config.js';
import { assertConnectAllowed, type CompleteConnectDeps, type CompletedConnect, completeConnect, ConnectRefusedError, sessionConnectionConfig } from './complete-connect.js';
import type { ConnectSession } from './connect-session.js';
import { type RecordAuthFailureDeps, recordAuthFailure } from './auth-failure.js';

export interface ClientCredentialsDeps extends CompleteConnectDeps, RecordAuthFailureDeps {
  integrations: Pick<IntegrationConfigRepo, 'getWithSecrets'>;
  fetch?: typeof fetch;
  /** A token URL may be http://127.0.0.1 (the local runtime and tests); otherwise https only. */
  allowLoopbackHttp?: boolean;
  timeoutMs?: number;
}

export async function connectWithClientCredentials(
  deps: ClientCredentialsDeps,
  session: ConnectSession,
  input: { providerConfigKey: string; connectionConfig: Record<string, unknown>; clientId?: string | undefined },
): Promise<CompletedConnect> {
  const { providerConfigKey } = input;
  const integration = deps.registry.get(providerConfigKey);
  if (!integration) throw new NotFoundError(`unknown integration "${providerConfigKey}"`);
  const connectionConfig = sessionConnectionConfig(session, providerConfigKey, input.connectionConfig);
  assertConnectAllowed(deps, session, providerConfigKey, connectionConfig);
  // The token is got with the app's own OAuth client, so a session must name the integration
  // explicitly: a session that allows every integration does not hand out the app's service token.
  if (!session.allowedIntegrations?.includes(providerConfigKey)) {
    throw new ConnectRefusedError(
      'integration_not_allowed',
      `client-credentials connections use the app's own OAuth client: the connect session must name "${providerConfigKey}" in allowed_integrations`,
    );
  }
  const auth = integration.provider.auth;
  if (auth.mode !== 'OAUTH2_CC') throw new ConnectRefusedError('invalid_auth_mode', `the integration "${providerConfigKey}" does not use OAuth2 client credentials (it uses ${auth.mode})`);
  if (!auth.tokenUrl) throw new ConnectRefusedError('missing_client_credentials', `the provider of "${providerConfigKey}" declares no token URL`);

  const rendered = renderSecretUrl(auth.tokenUrl, { connectionConfig, credentials: { raw: {} } }, integration.provider.connectionConfig, { allowLoopbackHttp: deps.allowLoopbackHttp ?? false });
  if (!rendered.ok) throw new ConnectRefusedError('invalid_connection_config', `the token URL cannot be used: ${rendered.reason}`);
  const configured = (await deps.integrations.getWithSecrets(providerConfigKey))?.credentials ?? null;
  const client = configured ?? integration.oauthClient;
  if (!client)
    throw new ConnectRefusedError('missing_client_credentials', `the integration "${providerConfigKey}" has no OAuth client configured (set it with PATCH /integrations/${providerConfigKey})`);
  if (input.clientId !== undefined && input.clientId !== client.clientId) {
    throw new ConnectRefusedError('invalid_client_credentials', "per-connection client credentials are not supported: the integration's OAuth client is used");
  }

  const scopes = (configured?.scopes.length ? configured.scopes : null) ?? session.integrationsConfigDefaults[providerConfigKey]?.userScopes ?? auth.defaultScopes;
  const form = new URLSearchParams(auth.tokenParams);
  form.set('grant_type', 'client_credentials');
  if (scopes.length > 0) form.set('scope', scopes.join(auth.scopeSeparator));
  const result = await callTokenEndpoint({ url: rendered.url, form, client, auth: auth.tokenRequestAuth, fetch: deps.fetch, timeoutMs: deps.timeoutMs });
  if (!result.ok) {
    const why =
      result.failure === 'no_answer'
        ? `no answer from the token URL (${result.reason})`
        : result.failure === 'refused'
          ? `HTTP ${result.status}${result.code ? ` (${result.code})` : ''}`
          : `HTTP ${result.status} without a usable token (${result.fields})`;
    const message = `the provider refused the client credentials: ${why}`;
    await recordAuthFailure(deps, deps.clock.now(), {
      providerConfigKey,
      connectionId: session.reconnect?.connectionId,
      authMode: 'OAUTH2_CC',
      provider: integration.providerName,
      tags: session.tags,
      error: { type: 'unknown', description: message },
    });
    throw new ConnectRefusedError('token_request_failed', message);
  }
  const now = deps.clock.now();
  const { tokens } = result;
  const credentials = oauth2Credentials(tokens, now);
  return completeConnect(deps, session, { providerConfigKey, credentials, connectionConfig: { ...connectionConfig, ...keptConfig(integration.provider, tokens) } });
}
