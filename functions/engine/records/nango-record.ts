/**
 * A stored record in Nango's public shape: its payload (which carries its id) plus
 * `_nango_metadata`. The records API and the script SDK's `listRecords` return the same thing.
 * The metadata has Nango's fields in Nango's order (packages/types `RecordMetadata`); a pruned
 * record's payload is just `{id}`, so it lists as `{id, _nango_metadata}` as on Nango.
 */
import type { RecordAction, StoredRecord } from '../ports.js';

export interface NangoRecordMetadata {
  first_seen_at: string;
  last_modified_at: string;
  last_action: RecordAction;
  deleted_at: string | null;
  /** When the payload was pruned (`PATCH /records/prune`): the record is then only its id and this metadata. */
  pruned_at: string | null;
  /** The records API cursor of this record: listing from it continues after it. */
  cursor: string;
}

export function nangoRecordMetadata(record: StoredRecord): NangoRecordMetadata {
  return {
    first_seen_at: iso(record.firstSeenAt),
    last_modified_at: iso(record.lastModifiedAt),
    last_action: record.lastAction,
    deleted_at: record.deletedAt === null ? null : iso(record.deletedAt),
    pruned_at: record.prunedAt === null ? null : iso(record.prunedAt),
    cursor: record.cursor,
  };
}

/** The record as an object; a fresh copy each call, so a script may change it freely. */
export function toNangoRecord(record: StoredRecord): Record<string, unknown> & { _nango_metadata: NangoRecordMetadata } {
  return { ...(JSON.parse(record.payloadJson) as Record<string, unknown>), _nango_metadata: nangoRecordMetadata(record) };
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * What is left of a pruned record's payload: its id alone. Nango's store empties the payload and
 * lists the record as `{id, _nango_metadata}` (its external id put back beside the metadata).
 */
export function prunedPayload(id: string): { id: string } {
  return { id };
}
