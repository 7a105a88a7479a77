/**
 * Integrations: a provider and its syncs, keyed by `providerConfigKey`. The provider is a catalog
 * name (`'hubspot'`) or declared inline; `overrides` point a catalog provider elsewhere (a
 * sandbox such as test.salesforce.com, a test server on 127.0.0.1). Each folder under
 * `integrations/` exports one; the registry is the engine's view of them all.
 */
import * as z from 'zod';
import { catalogProvider } from './providers/catalog.js';
import { parseProvider, type Provider, type ProviderInput } from './providers/provider.js';
import type { DeclaredAction } from './script-definition.js';
import { normalizeSync, SyncConfigError, type DeclaredSync, type SyncDefinition } from './sync-definition.js';

/** What an integration may change of its provider. */
export interface ProviderOverrides {
  baseUrl?: string;
  authorizationUrl?: string;
  tokenUrl?: string;
}

/** The OAuth app's client credentials, used to refresh tokens (and to connect accounts). */
export interface OAuthClient {
  clientId: string;
  clientSecret: string;
}

export interface IntegrationDeclaration {
  providerConfigKey: string;
  /** A catalog provider's name, or a provider declared inline. */
  provider: string | ProviderInput;
  overrides?: ProviderOverrides;
  /** OAuth client credentials from configuration (the environment); never from the repository. */
  oauthClient?: OAuthClient;
  syncs: Record<string, DeclaredSync<any, any>>;
  /** Actions (`createAction`): run on demand by the actions engine (`engine/actions/`) and listed by `GET /scripts/config`. */
  actions?: Record<string, DeclaredAction>;
}

export interface Integration {
  providerConfigKey: string;
  /** The provider's catalog name, or the integration's key for an inline provider. */
  providerName: string;
  provider: Provider;
  oauthClient?: OAuthClient;
  syncs: Map<string, SyncDefinition>;
  /** Declared actions, by name: what `POST /action/trigger` runs. */
  actions: Map<string, DeclaredAction>;
}

export function defineIntegration(declaration: IntegrationDeclaration): IntegrationDeclaration {
  return declaration;
}

export class IntegrationRegistry {
  private readonly integrations = new Map<string, Integration>();

  constructor(declarations: IntegrationDeclaration[]) {
    for (const declaration of declarations) this.add(declaration);
  }

  private add(declaration: IntegrationDeclaration): void {
    const key = declaration.providerConfigKey;
    if (!/^[a-z0-9][a-z0-9_.-]{0,63}$/i.test(key)) throw new SyncConfigError(`integration "${key}": providerConfigKey must be 1–64 letters, digits, ".", "-" or "_"`);
    if (this.integrations.has(key)) throw new SyncConfigError(`integration "${key}" is declared twice`);
    const syncs = new Map<string, SyncDefinition>();
    const modelOwners = new Map<string, string>();
    for (const [name, declared] of Object.entries(declaration.syncs)) {
      const sync = normalizeSync(name, declared);
      // Records are stored per (connection, model): two syncs writing one model would fight over deletions.
      for (const model of Object.keys(sync.models)) {
        const owner = modelOwners.get(model);
        if (owner) throw new SyncConfigError(`integration "${key}": model "${model}" is declared by both "${owner}" and "${name}"`);
        modelOwners.set(model, name);
      }
      syncs.set(name, sync);
    }
    const provider = resolveProvider(key, declaration);
    this.integrations.set(key, {
      providerConfigKey: key,
      providerName: typeof declaration.provider === 'string' ? declaration.provider : (provider.name ?? key),
      provider,
      syncs,
      actions: new Map(Object.entries(declaration.actions ?? {})),
      ...(declaration.oauthClient ? { oauthClient: declaration.oauthClient } : {}),
    });
  }

  get(providerConfigKey: string): Integration | undefined {
    return this.integrations.get(providerConfigKey);
  }

  getSync(providerConfigKey: string, syncName: string): SyncDefinition | undefined {
    return this.integrations.get(providerConfigKey)?.syncs.get(syncName);
  }

  /** The sync that owns a model, for reading records by model name. */
  syncForModel(providerConfigKey: string, model: string): SyncDefinition | undefined {
    for (const sync of this.integrations.get(providerConfigKey)?.syncs.values() ?? []) {
      // Own keys only: `__proto__` or `constructor` is no model.
      if (Object.hasOwn(sync.models, model)) return sync;
    }
    return undefined;
  }

  all(): Integration[] {
    return [...this.integrations.values()];
  }
}

function resolveProvider(key: string, declaration: IntegrationDeclaration): Provider {
  try {
    const base = typeof declaration.provider === 'string' ? catalogProvider(declaration.provider) : parseProvider(declaration.provider);
    const { baseUrl, authorizationUrl, tokenUrl } = declaration.overrides ?? {};
    const auth = base.auth.mode === 'OAUTH2' || base.auth.mode === 'OAUTH2_CC' ? { ...base.auth, ...(tokenUrl ? { tokenUrl } : {}) } : base.auth;
    if (auth.mode === 'OAUTH2' && authorizationUrl) auth.authorizationUrl = authorizationUrl;
    return { ...base, auth, ...(baseUrl ? { baseUrl } : {}) };
  } catch (error) {
    const reason = error instanceof z.ZodError ? z.prettifyError(error) : error instanceof Error ? error.message : String(error);
    throw new SyncConfigError(`integration "${key}": its provider is invalid: ${reason}`);
  }
}
