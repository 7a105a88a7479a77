/**
 * Sync variants (Nango's): one sync run several times on one connection, each variant with its
 * own state, runs, schedule override and records — one per mailbox, channel or workspace the
 * script reads `nango.variant` to pick. `base` is the variant every connection-sync has, the one
 * that existed before variants; its keys name no variant, so data stored before stays valid
 * (`sync-keys.ts`).
 *
 * Creating and deleting a variant are expected to be refused for ordinary reasons (a protected
 * name, an unknown connection, the cap): those outcomes are values carrying Nango's error codes,
 * which the HTTP layer maps to statuses.
 */
import { NotFoundError } from './errors.js';
import type { IntegrationRegistry } from './integration.js';
import type { Clock, ConnectionSyncKey, RecordStore, RunQueue, Scheduler, StateRepos } from './ports.js';
import { deleteSyncRecords, removeConnectionSync } from './remove-syncs.js';
import { BASE_VARIANT, isValidVariantName, MAX_VARIANT_LENGTH, variantOf } from './state-ports.js';
import { connectionSyncId, connectionSyncKey } from './sync-keys.js';

/** Nango's default cap (`MAX_SYNCS_PER_CONNECTION`): syncs of one name on one connection, base included. */
export const DEFAULT_MAX_VARIANTS_PER_SYNC = 100;

/** `base` in any case is protected: Nango refuses to create or delete it. */
export function isProtectedVariant(variant: string): boolean {
  return variant.toLowerCase() === BASE_VARIANT;
}

export interface VariantDeps {
  registry: IntegrationRegistry;
  state: Pick<StateRepos, 'connections' | 'connectionSyncs' | 'runs'>;
  records: RecordStore;
  queue: RunQueue;
  scheduler: Scheduler;
  clock: Clock;
  newId: () => string;
  /** Syncs of one name on one connection, base included. @default DEFAULT_MAX_VARIANTS_PER_SYNC */
  maxVariantsPerSync?: number;
}

/** Nango's error codes for a refused variant request. */
export type VariantRefusalCode = 'invalid_variant' | 'unknown_provider_config' | 'unknown_connection' | 'unknown_sync' | 'sync_variant_already_exists' | 'resource_capped' | 'not_found';

export interface VariantRefusal {
  ok: false;
  code: VariantRefusalCode;
  message: string;
}

export type CreateVariantOutcome = { ok: true; id: string; name: string; variant: string; runId: string | null } | VariantRefusal;
export type DeleteVariantOutcome = { ok: true; cancelledRunId: string | null; deletedRecords: number } | VariantRefusal;

const refuse = (code: VariantRefusalCode, message: string): VariantRefusal => ({ ok: false, code, message });
const unknownConnection = (key: ConnectionSyncKey) => refuse('unknown_connection', `unknown connection "${key.connectionId}" for integration "${key.providerConfigKey}"`);

/**
 * Creates a variant of a sync on a connection. It starts enabled when the sync auto-starts, and
 * then runs at once, as a new connection's auto-start syncs do. The cap is checked before the
 * duplicate, as Nango does; the create itself is conditional, so two requests racing for one
 * name get one success. (Two racing for the last free place may both pass the cap: a soft cap.)
 *
 * The state is created paused, and enabled only once its record partitions are empty: a variant
 * of this name deleted before may have left records (see `remove-syncs.ts`), and while paused
 * nothing runs it — no schedule, no queued message — so nothing new is emptied with them. The
 * connection is checked again once the state exists: a deletion of the connection either came
 * first (seen here: the state is removed again) or comes after, and then lists this variant and
 * removes it. A crash half-way leaves the variant paused: start it, or delete and create it again.
 */
export async function createSyncVariant(deps: VariantDeps, key: ConnectionSyncKey): Promise<CreateVariantOutcome> {
  const variant = variantOf(key);
  if (!isValidVariantName(variant)) return refuse('invalid_variant', `variant "${variant}" must be 1–${MAX_VARIANT_LENGTH} letters, digits, "_" or "-"`);
  if (isProtectedVariant(variant)) return refuse('invalid_variant', `variant name "${variant}" is protected`);
  const target = await checkTarget(deps, key);
  if (!target.ok) return target;

  const max = deps.maxVariantsPerSync ?? DEFAULT_MAX_VARIANTS_PER_SYNC;
  const base = await deps.state.connectionSyncs.get(connectionSyncKey(key.providerConfigKey, key.connectionId, key.syncName));
  const others = await deps.state.connectionSyncs.listVariants(key.providerConfigKey, key.syncName, key.connectionId);
  if (others.length + (base ? 1 : 0) >= max) {
    return refuse('resource_capped', `maximum number of variants per sync (${max}) reached for sync "${key.syncName}" on connection "${key.connectionId}"`);
  }
  const exists = () => refuse('sync_variant_already_exists', `sync "${key.syncName}" already has a variant "${variant}" for connection "${key.connectionId}"`);
  if (others.some((state) => state.variant === variant)) return exists();

  const stored = connectionSyncKey(key.providerConfigKey, key.connectionId, key.syncName, variant);
  if (!(await deps.state.connectionSyncs.create(stored, { enabled: false }))) return exists();
  await deleteSyncRecords(deps, stored);
  if (!(await deps.state.connections.find(key.providerConfigKey, key.connectionId))) {
    await deps.state.connectionSyncs.delete(stored);
    return unknownConnection(key);
  }
  const created = { ok: true as const, id: connectionSyncId(stored), name: key.syncName, variant };
  if (!target.autoStart) return { ...created, runId: null };
  if (!(await enable(deps, stored))) {
    // Removed meanwhile: by the connection's deletion, or by a delete of the variant itself.
    return (await deps.state.connections.find(key.providerConfigKey, key.connectionId)) ? refuse('not_found', `variant "${variant}" was deleted while it was being created`) : unknownConnection(key);
  }
  const runId = deps.newId();
  await deps.queue.send([{ ...stored, runId, trigger: 'MANUAL' }]);
  return { ...created, runId };
}

/**
 * Deletes a variant: stops its running execution, removes its schedule override, its state and
 * its records (every model of the sync). Its runs and their logs stay, as history.
 */
export async function deleteSyncVariant(deps: VariantDeps, key: ConnectionSyncKey): Promise<DeleteVariantOutcome> {
  const variant = variantOf(key);
  if (isProtectedVariant(variant)) return refuse('invalid_variant', `cannot delete protected variant "${variant}"`);
  const target = await checkTarget(deps, key);
  if (!target.ok) return target.code === 'unknown_sync' ? refuse('not_found', target.message) : target;
  const stored = connectionSyncKey(key.providerConfigKey, key.connectionId, key.syncName, variant);
  const state = isValidVariantName(variant) ? await deps.state.connectionSyncs.get(stored) : null;
  if (!state) return refuse('not_found', `sync "${key.syncName}" has no variant "${variant}" for connection "${key.connectionId}"`);
  return { ok: true, ...(await removeConnectionSync(deps, stored, state, 'the sync variant was deleted')) };
}

/** Enables a variant's state; false when it is gone. */
async function enable(deps: VariantDeps, key: ConnectionSyncKey): Promise<boolean> {
  try {
    await deps.state.connectionSyncs.update(key, { enabled: true });
    return true;
  } catch (error) {
    if (error instanceof NotFoundError) return false;
    throw error;
  }
}

/** The integration, connection and sync a variant request names, or Nango's refusal. */
async function checkTarget(deps: VariantDeps, key: ConnectionSyncKey): Promise<{ ok: true; autoStart: boolean } | VariantRefusal> {
  const integration = deps.registry.get(key.providerConfigKey);
  if (!integration) return refuse('unknown_provider_config', `unknown integration "${key.providerConfigKey}"`);
  if (!(await deps.state.connections.find(key.providerConfigKey, key.connectionId))) return unknownConnection(key);
  const sync = integration.syncs.get(key.syncName);
  if (!sync) return refuse('unknown_sync', `integration "${key.providerConfigKey}" has no sync "${key.syncName}"`);
  return { ok: true, autoStart: sync.autoStart };
}
