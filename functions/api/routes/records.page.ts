/**
 * The body of a `GET /records` page, built as text from the stored JSON (a 1,000-record page is
 * neither parsed nor re-serialized, and no schema runs on the way out), gzipped when the client
 * accepts it.
 *
 * Lambda answers at most 6 MB, counted on the response as API Gateway receives it: the JSON
 * text, or the gzipped bytes in base64 (`hono/aws-lambda` base64-encodes any body with a
 * `Content-Encoding`). A page stops short of that cap on what is actually sent, with a cursor
 * to carry on from — so a gzipped page may carry several times 6 MB of JSON.
 */
import { promisify } from 'node:util';
import { gzip as gzipCallback, constants as zlib } from 'node:zlib';
import type { StoredRecord } from '../../engine/ports.js';

/** Stops short of Lambda's 6 MB response limit (the envelope and headers take the rest). */
export const MAX_PAGE_BYTES = 5 * 1024 * 1024;
/** The JSON a gzipped page may hold at most, whatever it compresses to (memory, and time to compress). */
export const MAX_GZIP_SOURCE_BYTES = 48 * 1024 * 1024;
/** Level 1: on record JSON about as small as the default level, in a third of the time. */
const GZIP_LEVEL = zlib.Z_BEST_SPEED;
/** The wrapper and a next_cursor of up to ~350 characters. */
const WRAPPER_BYTES = 512;

const gzipAsync = promisify(gzipCallback);

export interface PageBody {
  body: string | Uint8Array<ArrayBuffer>;
  /** `gzip` when `body` is the gzipped JSON. */
  contentEncoding?: 'gzip';
}

/**
 * The page as it goes out: gzipped when `gzip` (the client accepts it), each way ending early
 * with the cursor of its last record when the page would pass `maxBytes` as sent.
 */
export async function recordsPageBody(records: StoredRecord[], nextCursor: string | null, options: { gzip: boolean; maxBytes?: number }): Promise<PageBody> {
  const maxBytes = options.maxBytes ?? MAX_PAGE_BYTES;
  if (!options.gzip) return { body: recordsPageJson(records, nextCursor, maxBytes) };
  let items = recordItems(records, MAX_GZIP_SOURCE_BYTES);
  for (;;) {
    const compressed = await gzipAsync(pageJson(records, items, nextCursor), { level: GZIP_LEVEL });
    const sent = base64Length(compressed.byteLength);
    if (sent <= maxBytes || items.length <= 1) return { body: compressed as Uint8Array<ArrayBuffer>, contentEncoding: 'gzip' }; // zlib's output owns a plain ArrayBuffer
    // Rare (a page of poorly compressing records past the cap): keep the share that should fit, with room to spare.
    items = items.slice(0, Math.max(1, Math.min(items.length - 1, Math.floor((items.length * maxBytes * 0.9) / sent))));
  }
}

/** The page as JSON text; a page that would pass `maxBytes` ends early with a cursor to carry on from. */
export function recordsPageJson(records: StoredRecord[], nextCursor: string | null, maxBytes = MAX_PAGE_BYTES): string {
  return pageJson(records, recordItems(records, maxBytes), nextCursor);
}

/** Each record's JSON, as many as fit in `maxBytes` (always at least one). */
function recordItems(records: StoredRecord[], maxBytes: number): string[] {
  const items: string[] = [];
  let chars = WRAPPER_BYTES;
  let bytes = -1; // counted exactly only once the page comes near the cap
  for (const record of records) {
    const item = toNangoRecordJson(record);
    chars += item.length + 1;
    // A UTF-16 unit is at most 3 bytes of UTF-8: below a third of the cap, the page fits.
    if (chars * 3 > maxBytes) {
      if (bytes < 0) bytes = items.reduce((sum, i) => sum + Buffer.byteLength(i) + 1, WRAPPER_BYTES);
      bytes += Buffer.byteLength(item) + 1;
      if (bytes > maxBytes && items.length > 0) return items;
    }
    items.push(item);
  }
  return items;
}

function pageJson(records: StoredRecord[], items: string[], nextCursor: string | null): string {
  const cursor = items.length < records.length ? records[items.length - 1]!.cursor : nextCursor;
  return `{"records":[${items.join(',')}],"next_cursor":${JSON.stringify(cursor)}}`;
}

/**
 * A stored record in Nango's shape — the payload's fields, its id, and `_nango_metadata` — as
 * JSON text spliced into the stored payload's JSON (an object that always carries the record's
 * id as a string): the bytes `JSON.stringify({ ...payload, id, _nango_metadata })` would give,
 * the metadata's fields in `nangoRecordMetadata`'s order (a unit test holds the two together).
 */
export function toNangoRecordJson(record: StoredRecord): string {
  return `${record.payloadJson.slice(0, -1)},"_nango_metadata":{"first_seen_at":"${iso(record.firstSeenAt)}","last_modified_at":"${iso(record.lastModifiedAt)}","last_action":"${record.lastAction}","deleted_at":${isoOrNull(record.deletedAt)},"pruned_at":${isoOrNull(record.prunedAt)},"cursor":${JSON.stringify(record.cursor)}}}`;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string => (ms === null ? 'null' : `"${iso(ms)}"`);
const base64Length = (bytes: number): number => 4 * Math.ceil(bytes / 3);

/**
 * Whether the client takes gzip: `Accept-Encoding` lists `gzip` (or `*`) with a non-zero
 * quality, and does not refuse it with `gzip;q=0`.
 */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  let star = false;
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const accepted = q === undefined || Number(q.slice(2)) > 0;
    if (name.trim() === 'gzip' || name.trim() === 'x-gzip') return accepted;
    if (name.trim() === '*') star = accepted;
  }
  return star;
}
