import { z } from 'zod';
import type { RecordInput } from '../ports.js';
import { contentHash } from './content-hash.js';
import { isPlainObject } from './deep-merge.js';

export const MAX_ID_LENGTH = 255;

export type Validated = { ok: true; record: RecordInput } | { ok: false; id: string | null; reason: string };

/**
 * Checks one record against its model. The stored payload is the record as the script gave it
 * (validation does not rewrite it), with a numeric id turned into a string.
 */
export function validateRecord(raw: unknown, schema: z.ZodType): Validated {
  if (!isPlainObject(raw)) return { ok: false, id: null, reason: 'record is not an object' };
  const id = normalizeId(raw['id']);
  if (typeof id !== 'string') return { ok: false, id: null, reason: id.reason };
  const payload = { ...raw, id };
  const parsed = schema.safeParse(payload);
  if (!parsed.success) {
    // The first few issues say what is wrong; a record failing on every field need not list them all.
    return { ok: false, id, reason: `does not match the model: ${z.prettifyError({ issues: parsed.error.issues.slice(0, 5) })}` };
  }
  return { ok: true, record: { id, payload, hash: contentHash(payload) } };
}

export function normalizeId(value: unknown): string | { reason: string } {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return { reason: value === undefined || value === null ? 'missing id' : `id must be a string or a number, got ${typeof value}` };
  if (value.length === 0) return { reason: 'id is empty' };
  if (value.length > MAX_ID_LENGTH) return { reason: `id is longer than ${MAX_ID_LENGTH} characters` };
  return value;
}
