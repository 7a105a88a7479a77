/**
 * A stored record in Nango's public shape: its payload (which carries its id) plus
 * `_nango_metadata`. The records API and the script SDK's `listRecords` return the same thing.
 */
import type { RecordAction, StoredRecord } from '../ports.js';

export interface NangoRecordMetadata {
  first_seen_at: string;
  last_modified_at: string;
  last_action: RecordAction;
  deleted_at: string | null;
  /** The records API cursor of this record: listing from it continues after it. */
  cursor: string;
}

export function nangoRecordMetadata(record: StoredRecord): NangoRecordMetadata {
  return {
    first_seen_at: iso(record.firstSeenAt),
    last_modified_at: iso(record.lastModifiedAt),
    last_action: record.lastAction,
    deleted_at: record.deletedAt === null ? null : iso(record.deletedAt),
    cursor: record.cursor,
  };
}

/** The record as an object; a fresh copy each call, so a script may change it freely. */
export function toNangoRecord(record: StoredRecord): Record<string, unknown> & { _nango_metadata: NangoRecordMetadata } {
  return { ...(JSON.parse(record.payloadJson) as Record<string, unknown>), _nango_metadata: nangoRecordMetadata(record) };
}

const iso = (ms: number): string => new Date(ms).toISOString();
