/**
 * What the OAuth flow needs of an integration: its provider (declared in code, overrides applied,
 * or the catalog entry a runtime-configured integration names) and its OAuth app. The app
 * configured through the integrations API wins over one declared in code, as for refreshes.
 */
import type { Integration, IntegrationRegistry, OAuthClient } from '../integration.js';
import type { IntegrationConfigRepo } from '../ports.js';
import { findProvider } from '../providers/catalog.js';
import type { Provider } from '../providers/provider.js';
import type { OAuthFlowError } from './oauth-outcome.js';

export type OAuth2Auth = Extract<Provider['auth'], { mode: 'OAUTH2' }>;

export interface OAuthIntegration {
  providerConfigKey: string;
  providerName: string;
  provider: Provider & { auth: OAuth2Auth & { authorizationUrl: string; tokenUrl: string } };
  /** Scopes configured on the integration (integrations API); empty: the provider's defaults. */
  scopes: string[];
}

export interface OAuthIntegrationDeps {
  registry: Pick<IntegrationRegistry, 'get'>;
  integrations: Pick<IntegrationConfigRepo, 'find' | 'getWithSecrets'>;
}

type Resolved<T> = { ok: true; value: T } | { ok: false; error: OAuthFlowError };

/**
 * The integration with its client id only (`find`: the secret is not opened), for building the
 * authorization URL; `withSecret` opens it, for the code exchange.
 */
export async function resolveOAuthIntegration(
  deps: OAuthIntegrationDeps,
  providerConfigKey: string,
  options: { withSecret: boolean },
): Promise<Resolved<OAuthIntegration & { client: Pick<OAuthClient, 'clientId'> & Partial<OAuthClient> }>> {
  const code: Integration | undefined = deps.registry.get(providerConfigKey);
  const config = options.withSecret ? await deps.integrations.getWithSecrets(providerConfigKey) : await deps.integrations.find(providerConfigKey);
  const fail = (type: OAuthFlowError['type'], message: string) => ({ ok: false as const, error: { type, message } });
  if (!code && !config) return fail('unknown_config_key', `There is no integration "${providerConfigKey}".`);
  const provider = code?.provider ?? (config ? findProvider(config.provider) : undefined);
  if (!provider) return fail('provider_config_err', `The integration "${providerConfigKey}" names a provider Syncline does not know.`);
  const auth = provider.auth;
  if (auth.mode !== 'OAUTH2') return fail('auth_mode_err', `The integration "${providerConfigKey}" does not use OAuth2 authorization (it uses ${auth.mode}).`);
  if (!auth.authorizationUrl || !auth.tokenUrl) return fail('provider_config_err', `The provider of "${providerConfigKey}" declares no authorization or token URL.`);
  const configured = config?.credentials?.type === 'OAUTH2' ? config.credentials : null;
  const secret = configured && 'clientSecret' in configured ? (configured as { clientSecret: string }).clientSecret : undefined;
  const client = configured ? { clientId: configured.clientId, ...(secret ? { clientSecret: secret } : {}) } : code?.oauthClient;
  if (!client) return fail('provider_config_err', `The integration "${providerConfigKey}" has no OAuth client configured (set its client id and secret with the integrations API).`);
  if (options.withSecret && !client.clientSecret) return fail('provider_config_err', `The integration "${providerConfigKey}" has no OAuth client secret.`);
  return {
    ok: true,
    value: {
      providerConfigKey,
      providerName: code?.providerName ?? config?.provider ?? providerConfigKey,
      provider: provider as OAuthIntegration['provider'],
      scopes: configured?.scopes ?? [],
      client,
    },
  };
}
