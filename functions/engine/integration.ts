/**
 * Integrations: a provider (base URL, auth mode) and its syncs, keyed by `providerConfigKey`.
 * Each folder under `integrations/` exports one; the registry is the engine's view of them all.
 */
import type { ProviderConfig } from './connection.js';
import { normalizeSync, SyncConfigError, type DeclaredSync, type SyncDefinition } from './sync-definition.js';

export interface IntegrationDeclaration {
  providerConfigKey: string;
  provider: ProviderConfig;
  syncs: Record<string, DeclaredSync<any, any>>;
}

export interface Integration {
  providerConfigKey: string;
  provider: ProviderConfig;
  syncs: Map<string, SyncDefinition>;
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
    this.integrations.set(key, { providerConfigKey: key, provider: declaration.provider, syncs });
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
