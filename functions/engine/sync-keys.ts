/**
 * How one sync on one connection — one variant of it — is named: its state key, its record
 * partitions, the id the status API reports and the `name::variant` text Nango's clients send.
 * The base variant is named by no variant at all, so every key written before variants existed
 * still names it.
 */
import type { ConnectionSyncKey, RecordPartition } from './ports.js';
import { isBaseVariant, syncRefText } from './state-ports.js';

/** A sync named in a control request: `variant` absent for the base variant. */
export interface SyncRef {
  name: string;
  variant?: string;
}

/** A connection-sync key as stored: the base variant is named by no variant at all. */
export function connectionSyncKey(providerConfigKey: string, connectionId: string, syncName: string, variant?: string): ConnectionSyncKey {
  const key = { providerConfigKey, connectionId, syncName };
  return isBaseVariant(variant) ? key : { ...key, variant };
}

/** The same key, normalized (`variant: 'base'` or `undefined` dropped). */
export function normalizeKey(key: ConnectionSyncKey): ConnectionSyncKey {
  return connectionSyncKey(key.providerConfigKey, key.connectionId, key.syncName, key.variant);
}

/** Where a connection-sync's records of one model live: the partition of its variant. */
export function recordPartition(key: ConnectionSyncKey, model: string): RecordPartition {
  const { providerConfigKey, connectionId } = key;
  return isBaseVariant(key.variant) ? { providerConfigKey, connectionId, model } : { providerConfigKey, connectionId, model, variant: key.variant };
}

/** `name` or Nango's `name::variant` (as `GET /sync/status` and the Node client write a variant). */
export function parseSyncRef(text: string): SyncRef {
  const at = text.indexOf('::');
  if (at < 0) return { name: text };
  const variant = text.slice(at + 2);
  return isBaseVariant(variant) ? { name: text.slice(0, at) } : { name: text.slice(0, at), variant };
}

/**
 * The id `GET /sync/status` and variant creation report. The base variant keeps the id it had
 * before variants; another puts `::<variant>` on the sync, as Nango names a variant.
 */
export function connectionSyncId(key: ConnectionSyncKey): string {
  return `${key.providerConfigKey}:${syncRefText(key.syncName, key.variant)}:${key.connectionId}`;
}
