/**
 * How a record is laid out in its DynamoDB item. Attribute names are one or two letters, and
 * the payload is stored as compressed JSON when that is smaller: item size is what a write is
 * billed by (1 WCU per started KB, index copies included), so a 1 KB JSON record that
 * compresses to ~500 bytes fits one write unit instead of two.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { RecordAction, StoredRecord } from '../../engine/ports.js';

/** DynamoDB's item size limit. */
export const MAX_ITEM_BYTES = 400 * 1024;
/** Below this, compression rarely pays for its header. */
const COMPRESS_FROM_BYTES = 160;
const RAW = 0;
const DEFLATE = 1;

/** The item as stored; see table-schema.ts for the keys. */
export interface RecordItem {
  pk: string;
  sk: string;
  /** Index sort key: base-36 modification time (9 chars) + id. */
  cu: string;
  /** Content hash of the canonical JSON. */
  h: string;
  v: number;
  /** Payload: 1 format byte then UTF-8 JSON, raw or deflated. */
  d: Uint8Array;
  /** First seen at (ms). */
  fs: number;
  /** Last action: A(dded), U(pdated), D(eleted). */
  a: 'A' | 'U' | 'D';
  /** Deleted at (ms), only on deleted records. */
  da?: number;
  /** Run that made the last change. */
  r: string;
  /** Pruned at (ms), only on pruned records: `d` then holds `{id}` alone and `h` the hash of the payload that was. */
  pa?: number;
}

/** The attributes a conditional write decides on (save, delete, prune): everything but the payload. */
export type ExistingItem = Pick<RecordItem, 'sk' | 'h' | 'v' | 'a' | 'fs' | 'r' | 'cu' | 'pa'>;
export const EXISTING_PROJECTION = 'sk, h, v, a, fs, r, cu, pa';
/** Conditional writes of one record lost to concurrent writers before a write gives up. */
export const MAX_CONFLICT_RETRIES = 20;

/** The item a failed condition hands back (`ReturnValuesOnConditionCheckFailure`, raw and marshalled), as an `ExistingItem`. */
export function unmarshallExisting(item: Record<string, AttributeValue>): ExistingItem | null {
  const { sk, h, v, a, fs, r, cu, pa } = unmarshall(item) as Partial<ExistingItem>;
  if (sk === undefined) return null;
  return { sk, h: h ?? '', v: v ?? 0, a: a ?? 'U', fs: fs ?? 0, r: r ?? '', cu: cu ?? cursorFloor(0), ...(pa !== undefined ? { pa } : {}) };
}

const ACTION_CODE: Record<RecordAction, RecordItem['a']> = { ADDED: 'A', UPDATED: 'U', DELETED: 'D' };
const ACTION_NAME: Record<RecordItem['a'], RecordAction> = { A: 'ADDED', U: 'UPDATED', D: 'DELETED' };

export const actionCode = (action: RecordAction) => ACTION_CODE[action];

export function encodePayload(payload: Record<string, unknown>): Uint8Array {
  const json = Buffer.from(JSON.stringify(payload), 'utf8');
  if (json.length >= COMPRESS_FROM_BYTES) {
    const deflated = deflateRawSync(json, { level: 6 });
    if (deflated.length < json.length) return withFormat(DEFLATE, deflated);
  }
  return withFormat(RAW, json);
}

export function decodePayload(data: Uint8Array): Record<string, unknown> {
  return JSON.parse(decodePayloadJson(data)) as Record<string, unknown>;
}

export function decodePayloadJson(data: Uint8Array): string {
  const body = Buffer.from(data.buffer, data.byteOffset + 1, data.byteLength - 1);
  return (data[0] === DEFLATE ? inflateRawSync(body) : body).toString('utf8');
}

function withFormat(format: number, body: Buffer): Uint8Array {
  const out = Buffer.allocUnsafe(body.length + 1);
  out[0] = format;
  body.copy(out, 1);
  return out;
}

const TIME_WIDTH = 9; // 36^9 ms reaches the year 5138

export function cursorKey(modifiedAt: number, id: string): string {
  return modifiedAt.toString(36).padStart(TIME_WIDTH, '0') + id;
}

export function timeOfCursorKey(cu: string): number {
  return parseInt(cu.slice(0, TIME_WIDTH), 36);
}

/** The smallest cursor key of a moment: every record modified at or after it sorts at or after this. */
export function cursorFloor(at: number): string {
  return Math.max(0, at).toString(36).padStart(TIME_WIDTH, '0');
}

/** Item size as DynamoDB counts it: attribute names plus values (numbers approximated). */
export function itemSize(item: RecordItem): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value === undefined) continue;
    size += name.length;
    if (typeof value === 'string') size += Buffer.byteLength(value, 'utf8');
    else if (typeof value === 'number') size += Math.ceil(String(value).length / 2) + 1;
    else size += (value as Uint8Array).byteLength;
  }
  return size;
}

export function toStoredRecord(item: RecordItem): StoredRecord {
  const payloadJson = decodePayloadJson(item.d);
  let payload: Record<string, unknown> | undefined;
  return {
    id: item.sk,
    payloadJson,
    get payload() {
      return (payload ??= JSON.parse(payloadJson) as Record<string, unknown>);
    },
    firstSeenAt: item.fs,
    lastModifiedAt: timeOfCursorKey(item.cu),
    lastAction: ACTION_NAME[item.a],
    deletedAt: item.da ?? null,
    prunedAt: item.pa ?? null,
    hash: item.h,
    version: item.v,
    cursor: encodeCursor(item.cu),
  };
}

/** The opaque cursor handed to API readers: the index sort key, base64url. */
export function encodeCursor(cu: string): string {
  return Buffer.from(cu, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string | null {
  if (!/^[A-Za-z0-9_-]{1,2000}$/.test(cursor)) return null;
  const cu = Buffer.from(cursor, 'base64url').toString('utf8');
  // The time prefix plus an id of at most 255 characters; anything longer was never issued.
  return /^[0-9a-z]{9}./s.test(cu) && cu.length <= 9 + 255 && Buffer.byteLength(cu) <= 1_024 ? cu : null;
}
