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

/**
 * The partition a target names, judged from the integration registry alone: an unknown
 * integration or model is a 404 here; whether the connection (or its variant) exists is
 * `resolveRecordPartition`'s to say. Lets a reader start its query before that state read ends.
 */
export function recordPartitionOf(registry: ApiSyncline['registry'], target: RecordTarget): { partition: RecordPartition; sync: SyncDefinition } {
  const { providerConfigKey, connectionId, model, variant } = target;
  if (!registry.get(providerConfigKey)) throw new NotFoundError(`unknown integration "${providerConfigKey}"`);
  const sync = registry.syncForModel(providerConfigKey, model);
  if (!sync) throw new NotFoundError(`integration "${providerConfigKey}" has no model "${model}"`);
  const partition = isBaseVariant(variant) ? { providerConfigKey, connectionId, model } : { providerConfigKey, connectionId, model, variant };
  return { partition, sync };
}

export async function resolveRecordPartition(syncline: Pick<ApiSyncline, 'registry' | 'state'>, target: RecordTarget): Promise<ResolvedPartition> {
  const { providerConfigKey, connectionId } = target;
  const { partition, sync } = recordPartitionOf(syncline.registry, target);
  // Every connection has a state item for each sync's base variant; reading it (not the
  // connection) tells a known connection without decrypting its credentials.
  const key = { providerConfigKey, connectionId, syncName: sync.name };
  const variant = target.variant;
  if (isBaseVariant(variant)) {
    const base = await syncline.state.connectionSyncs.get(key);
    if (!base) throw unknownConnection(target);
    return { partition, sync, syncState: base };
  }
  // Both reads at once: the variant's state decides, the base's only tells a known connection.
  const [base, own] = await Promise.all([syncline.state.connectionSyncs.get(key), syncline.state.connectionSyncs.get({ ...key, variant })]);
  if (!base) throw unknownConnection(target);
  // Compared, not trusted: a state store that keys by sync alone would answer with the base state.
  if (!own || variantOf(own) !== variant) {
    throw new NotFoundError(`connection "${connectionId}" has no variant "${variant}" of sync "${sync.name}" (model "${target.model}"); a variant exists once it is created for the connection`);
  }
  return { partition, sync, syncState: own };
}

const unknownConnection = (target: RecordTarget) => new NotFoundError(`unknown connection "${target.connectionId}" for integration "${target.providerConfigKey}"`);
