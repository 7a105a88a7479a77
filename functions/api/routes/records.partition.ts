/**
 * The partition a records call names (integration, connection, model, variant) and the state of
 * the connection-sync that writes it. Records are kept per variant of a sync, each with its own
 * connection-sync state (lease, last run): the variant's state is what says whether its
 * partition is being written, and a variant never created for the connection is a 404 rather
 * than an empty list (Nango answers an empty list; an unknown variant is most likely a typo).
 */
import { NotFoundError } from '../../engine/errors.js';
import type { ConnectionSyncState, RecordPartition } from '../../engine/ports.js';
import { isBaseVariant, variantOf } from '../../engine/state-ports.js';
import type { SyncDefinition } from '../../engine/sync-definition.js';
import type { ApiSyncline } from '../deps.js';

export interface RecordTarget {
  providerConfigKey: string;
  connectionId: string;
  model: string;
  /** Absent or `base`: the sync's own partition. */
  variant?: string | undefined;
}

export interface ResolvedPartition {
  partition: RecordPartition;
  sync: SyncDefinition;
  /** The connection-sync state of the variant itself. */
  syncState: ConnectionSyncState;
}

export async function resolveRecordPartition(syncline: Pick<ApiSyncline, 'registry' | 'state'>, target: RecordTarget): Promise<ResolvedPartition> {
  const { providerConfigKey, connectionId, model } = target;
  const { registry, state } = syncline;
  if (!registry.get(providerConfigKey)) throw new NotFoundError(`unknown integration "${providerConfigKey}"`);
  const sync = registry.syncForModel(providerConfigKey, model);
  if (!sync) throw new NotFoundError(`integration "${providerConfigKey}" has no model "${model}"`);
  // Every connection has a state item for each sync's base variant; reading it (not the
  // connection) tells a known connection without decrypting its credentials.
  const key = { providerConfigKey, connectionId, syncName: sync.name };
  const base = await state.connectionSyncs.get(key);
  if (!base) throw new NotFoundError(`unknown connection "${connectionId}" for integration "${providerConfigKey}"`);
  const variant = target.variant;
  if (isBaseVariant(variant)) return { partition: { providerConfigKey, connectionId, model }, sync, syncState: base };
  const own = await state.connectionSyncs.get({ ...key, variant });
  // Compared, not trusted: a state store that keys by sync alone would answer with the base state.
  if (!own || variantOf(own) !== variant) {
    throw new NotFoundError(`connection "${connectionId}" has no variant "${variant}" of sync "${sync.name}" (model "${model}"); a variant exists once it is created for the connection`);
  }
  return { partition: { providerConfigKey, connectionId, model, variant }, sync, syncState: own };
}
