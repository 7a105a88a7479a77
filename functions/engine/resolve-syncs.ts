/**
 * The connection-syncs a control request names (`syncs` of `/sync/start`, `/sync/status`…). A
 * name (or `name::base`) is the base variant, `{name, variant}` or `name::variant` another one;
 * `*` is every variant of every sync. With a connection, a named variant must exist on it;
 * without one, every connection's is listed from the stored connection-syncs.
 */
import { NotFoundError } from './errors.js';
import type { IntegrationRegistry } from './integration.js';
import type { ConnectionSyncKey, StateRepos } from './ports.js';
import { isBaseVariant, isValidVariantName, variantOf } from './state-ports.js';
import { connectionSyncKey, normalizeKey, parseSyncRef, type SyncRef } from './sync-keys.js';

export interface ResolveDeps {
  registry: IntegrationRegistry;
  state: Pick<StateRepos, 'connections' | 'connectionSyncs'>;
}

export async function resolveConnectionSyncs(deps: ResolveDeps, providerConfigKey: string, syncs: readonly (string | SyncRef)[] | '*', connectionId?: string): Promise<ConnectionSyncKey[]> {
  const integration = deps.registry.get(providerConfigKey);
  if (!integration) throw new NotFoundError(`unknown integration "${providerConfigKey}"`);
  const refs = syncs === '*' ? null : uniqueRefs(syncs);
  for (const ref of refs ?? []) {
    if (!integration.syncs.has(ref.name)) throw new NotFoundError(`integration "${providerConfigKey}" has no sync "${ref.name}"`);
    // A name no variant can have (`name::a#b`) names none; it never reaches a key.
    if (ref.variant !== undefined && !isValidVariantName(ref.variant)) throw new NotFoundError(`sync "${ref.name}" has no variant "${ref.variant}"`);
  }
  const connectionSyncs = deps.state.connectionSyncs;
  if (connectionId !== undefined) {
    if (!(await deps.state.connections.find(providerConfigKey, connectionId))) throw new NotFoundError(`unknown connection "${connectionId}" for integration "${providerConfigKey}"`);
    const keys: ConnectionSyncKey[] = [];
    if (refs === null) {
      for (const syncName of integration.syncs.keys()) {
        keys.push(connectionSyncKey(providerConfigKey, connectionId, syncName));
        for (const variant of await connectionSyncs.listVariants(providerConfigKey, syncName, connectionId)) keys.push(normalizeKey(variant));
      }
      return keys;
    }
    for (const ref of refs) {
      const key = connectionSyncKey(providerConfigKey, connectionId, ref.name, ref.variant);
      if (!isBaseVariant(key.variant) && !(await connectionSyncs.get(key))) throw new NotFoundError(`sync "${ref.name}" has no variant "${key.variant}" for connection "${connectionId}"`);
      keys.push(key);
    }
    return keys;
  }
  const keys: ConnectionSyncKey[] = [];
  for (const syncName of refs === null ? integration.syncs.keys() : new Set(refs.map((ref) => ref.name))) {
    const wanted = refs === null ? null : new Set(refs.filter((ref) => ref.name === syncName).map((ref) => variantOf(ref)));
    for await (const page of connectionSyncs.list(providerConfigKey, syncName)) {
      for (const cs of page) if (wanted === null || wanted.has(variantOf(cs))) keys.push(normalizeKey(cs));
    }
  }
  return keys;
}

/** Refs as given, the base variant named by none, each once. */
function uniqueRefs(syncs: readonly (string | SyncRef)[]): SyncRef[] {
  const refs = new Map<string, SyncRef>();
  for (const sync of syncs) {
    const ref = typeof sync === 'string' ? parseSyncRef(sync) : isBaseVariant(sync.variant) ? { name: sync.name } : sync;
    refs.set(JSON.stringify([ref.name, ref.variant ?? null]), ref);
  }
  return [...refs.values()];
}
