/**
 * Sync variants (Nango's): one sync run several times on one connection, each variant with its
 * own state, runs, schedule override and records — one per mailbox, channel or workspace the
 * script reads `nango.variant` to pick. `base` is the variant every connection-sync has, the one
 * that existed before variants; its keys name no variant, so data stored before stays valid.
 *
 * Creating and deleting a variant are expected to be refused for ordinary reasons (a protected
 * name, an unknown connection, the cap): those outcomes are values carrying Nango's error codes,
 * which the HTTP layer maps to statuses.
 */
import type { IntegrationRegistry } from './integration.js';
import type { Clock, ConnectionSyncKey, ConnectionSyncState, RecordPartition, RecordStore, RunQueue, Scheduler, StateRepos } from './ports.js';
import { scheduleName } from './schedules.js';
import { BASE_VARIANT } from './state-ports.js';

/** Nango's rule for a variant name (`variantSchema` in its server's validation helpers). */
export const VARIANT_PATTERN = /^[A-Za-z0-9_-]+$/;
export const MAX_VARIANT_LENGTH = 255;
/** Nango's default cap (`MAX_SYNCS_PER_CONNECTION`): syncs of one name on one connection, base included. */
export const DEFAULT_MAX_VARIANTS_PER_SYNC = 100;

/** A sync named in a control request: `variant` absent for the base variant. */
export interface SyncRef {
  name: string;
  variant?: string;
}

/** Whether a variant name is well formed (the protected `base` is). */
export function isValidVariantName(variant: string): boolean {
  return variant.length <= MAX_VARIANT_LENGTH && VARIANT_PATTERN.test(variant);
}

/** `base` in any case is protected: Nango refuses to create or delete it. */
export function isProtectedVariant(variant: string): boolean {
  return variant.toLowerCase() === BASE_VARIANT;
}

/** A connection-sync key as stored: the base variant is named by no variant at all. */
export function connectionSyncKey(providerConfigKey: string, connectionId: string, syncName: string, variant?: string): ConnectionSyncKey {
  const key = { providerConfigKey, connectionId, syncName };
  return variant === undefined || variant === BASE_VARIANT ? key : { ...key, variant };
}

/** Where a connection-sync's records of one model live: the partition of its variant. */
export function recordPartition(key: ConnectionSyncKey, model: string): RecordPartition {
  const { providerConfigKey, connectionId } = key;
  return key.variant === undefined || key.variant === BASE_VARIANT ? { providerConfigKey, connectionId, model } : { providerConfigKey, connectionId, model, variant: key.variant };
}

/** The same key, normalized (`variant: 'base'` or `undefined` dropped). */
export function normalizeKey(key: ConnectionSyncKey): ConnectionSyncKey {
  return connectionSyncKey(key.providerConfigKey, key.connectionId, key.syncName, key.variant);
}

/** `name` or Nango's `name::variant` (as `GET /sync/status` and the Node client write a variant). */
export function parseSyncRef(text: string): SyncRef {
  const at = text.indexOf('::');
  if (at < 0) return { name: text };
  const variant = text.slice(at + 2);
  return variant === BASE_VARIANT ? { name: text.slice(0, at) } : { name: text.slice(0, at), variant };
}

/**
 * The id `GET /sync/status` and variant creation report. The base variant keeps the id it had
 * before variants; another puts `::<variant>` on the sync, as Nango names a variant.
 */
export function connectionSyncId(key: ConnectionSyncKey): string {
  const sync = key.variant === undefined || key.variant === BASE_VARIANT ? key.syncName : `${key.syncName}::${key.variant}`;
  return `${key.providerConfigKey}:${sync}:${key.connectionId}`;
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

/**
 * Creates a variant of a sync on a connection. It starts enabled when the sync auto-starts, and
 * then runs at once, as a new connection's auto-start syncs do. The cap is checked before the
 * duplicate, as Nango does; the create itself is conditional, so two requests racing for one
 * name get one success. (Two racing for the last free place may both pass the cap: a soft cap.)
 */
export async function createSyncVariant(deps: VariantDeps, key: ConnectionSyncKey): Promise<CreateVariantOutcome> {
  const variant = key.variant ?? BASE_VARIANT;
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
  const created = await deps.state.connectionSyncs.create(stored, { enabled: target.autoStart });
  if (!created) return exists();
  let runId: string | null = null;
  if (created.enabled) {
    runId = deps.newId();
    await deps.queue.send([{ ...stored, runId, trigger: 'MANUAL' }]);
  }
  return { ok: true, id: connectionSyncId(stored), name: key.syncName, variant, runId };
}

/**
 * Deletes a variant: stops its running execution, removes its schedule override, its state and
 * its records (every model of the sync). Its runs and their logs stay, as history.
 */
export async function deleteSyncVariant(deps: VariantDeps, key: ConnectionSyncKey): Promise<DeleteVariantOutcome> {
  const variant = key.variant ?? BASE_VARIANT;
  if (isProtectedVariant(variant)) return refuse('invalid_variant', `cannot delete protected variant "${variant}"`);
  const target = await checkTarget(deps, key);
  if (!target.ok) return target.code === 'unknown_sync' ? refuse('not_found', target.message) : target;
  const stored = connectionSyncKey(key.providerConfigKey, key.connectionId, key.syncName, variant);
  const state = isValidVariantName(variant) ? await deps.state.connectionSyncs.get(stored) : null;
  if (!state) return refuse('not_found', `sync "${key.syncName}" has no variant "${variant}" for connection "${key.connectionId}"`);
  return { ok: true, ...(await removeVariant(deps, state)) };
}

/**
 * Removes every variant (but `base`) of every sync of a connection that is being deleted: the
 * connection's own deletion takes care of the base variants.
 */
export async function deleteConnectionVariants(deps: Omit<VariantDeps, 'queue' | 'newId'>, providerConfigKey: string, connectionId: string): Promise<number> {
  const integration = deps.registry.get(providerConfigKey);
  let removed = 0;
  for (const syncName of integration?.syncs.keys() ?? []) {
    for (const state of await deps.state.connectionSyncs.listVariants(providerConfigKey, syncName, connectionId)) {
      await removeVariant(deps, state);
      removed++;
    }
  }
  return removed;
}

async function removeVariant(deps: Omit<VariantDeps, 'queue' | 'newId'>, state: ConnectionSyncState): Promise<{ cancelledRunId: string | null; deletedRecords: number }> {
  const key = normalizeKey(state);
  let cancelledRunId: string | null = null;
  // Cancelled first: the running invocation stops at its next lease check, and every state write
  // it could still try (checkpoint, result) is conditioned on the lease it no longer holds.
  if (state.lease && (await deps.state.runs.cancel(key, state.lease.runId, 'the sync variant was deleted', deps.clock.now()))) cancelledRunId = state.lease.runId;
  await deps.scheduler.delete(scheduleName(key.providerConfigKey, key.syncName, key.connectionId, key.variant));
  await deps.state.connectionSyncs.delete(key);
  let deletedRecords = 0;
  const sync = deps.registry.getSync(key.providerConfigKey, key.syncName);
  for (const model of Object.keys(sync?.models ?? {})) deletedRecords += await deps.records.deleteAll(recordPartition(key, model));
  return { cancelledRunId, deletedRecords };
}

/** The integration, connection and sync a variant request names, or Nango's refusal. */
async function checkTarget(deps: VariantDeps, key: ConnectionSyncKey): Promise<{ ok: true; autoStart: boolean } | VariantRefusal> {
  const integration = deps.registry.get(key.providerConfigKey);
  if (!integration) return refuse('unknown_provider_config', `unknown integration "${key.providerConfigKey}"`);
  if (!(await deps.state.connections.find(key.providerConfigKey, key.connectionId))) {
    return refuse('unknown_connection', `unknown connection "${key.connectionId}" for integration "${key.providerConfigKey}"`);
  }
  const sync = integration.syncs.get(key.syncName);
  if (!sync) return refuse('unknown_sync', `integration "${key.providerConfigKey}" has no sync "${key.syncName}"`);
  return { ok: true, autoStart: sync.autoStart };
}
