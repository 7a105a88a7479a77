import { createHash } from 'node:crypto';

/**
 * A record's content hash: SHA-256 over a canonical JSON form whose object keys are sorted at
 * every depth, so `{a:1,b:2}` and `{b:2,a:1}` hash the same. Array order is significant.
 * 16 bytes (base64, 22 chars) is plenty for change detection and keeps items small.
 */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('base64url').slice(0, 22);
}

/** JSON with object keys sorted recursively; `undefined` members are dropped as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return value.toISOString();
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
  }
  return sorted;
}

/**
 * A 52-bit number derived from a record id: what deletion tracking keeps per seen record, so
 * its memory does not grow with id length. A collision can only make an unseen record look
 * seen, which keeps it (never a wrong deletion); at a million ids its odds are about 1 in 10^4.
 */
export function idFingerprint(id: string): number {
  const digest = createHash('sha1').update(id).digest();
  return digest.readUIntBE(0, 6) * 16 + (digest[6]! >> 4);
}

/** 48 bits of a `contentHash`, as a number: what a partition snapshot keeps per record. */
export function hashFingerprint(hash: string): number {
  return Buffer.from(hash, 'base64url').readUIntBE(0, 6);
}
