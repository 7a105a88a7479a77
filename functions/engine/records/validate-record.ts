import * as z from 'zod';
import type { RecordInput } from '../ports.js';
import type { RecordValidation } from '../sync-definition.js';
import { contentHash } from './content-hash.js';
import { isPlainObject } from './deep-merge.js';

export const MAX_ID_LENGTH = 255;
/** The first few issues say what is wrong; a record failing on every field need not list them all. */
const MAX_ISSUES = 5;

/**
 * `ok` records are stored. In `warn` mode a record that does not match its model is stored too,
 * and `mismatch` says how it differs (null when it matches).
 */
export type Validated = { ok: true; record: RecordInput; mismatch: string | null } | { ok: false; id: string | null; reason: string };

/**
 * Checks one record against its model. The stored payload is the record as the script gave it
 * (validation does not rewrite it), with a numeric id turned into a string. A record without a
 * usable id cannot be stored in either mode.
 */
export function validateRecord(raw: unknown, schema: z.ZodType, mode: RecordValidation = 'reject'): Validated {
  if (!isPlainObject(raw)) return { ok: false, id: null, reason: 'record is not an object' };
  const id = normalizeId(raw['id']);
  if (typeof id !== 'string') return { ok: false, id: null, reason: id.reason };
  // A record read back with listRecords carries `_nango_metadata`: that is Syncline's, never stored.
  const { _nango_metadata: _metadata, ...fields } = raw;
  const payload = { ...fields, id };
  let hash: string;
  try {
    hash = contentHash(payload);
  } catch (error) {
    // A BigInt or a cycle cannot be stored as JSON: that record is refused, the run goes on.
    return { ok: false, id, reason: `is not JSON-serializable: ${(error as Error).message}` };
  }
  const record = { id, payload, hash };
  const parsed = schema.safeParse(payload);
  if (parsed.success) return { ok: true, record, mismatch: null };
  if (mode === 'warn') return { ok: true, record, mismatch: describeIssues(parsed.error.issues) };
  return { ok: false, id, reason: `does not match the model: ${z.prettifyError({ issues: parsed.error.issues.slice(0, MAX_ISSUES) })}` };
}

/** `email: Invalid input: expected string, received number; address.city: …`, at most five, then how many more. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const shown = issues.slice(0, MAX_ISSUES).map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
  const more = issues.length > MAX_ISSUES ? `; and ${issues.length - MAX_ISSUES} more` : '';
  return `${shown.join('; ')}${more}`;
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(record)';
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`)).join('');
}

export function normalizeId(value: unknown): string | { reason: string } {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return { reason: value === undefined || value === null ? 'missing id' : `id must be a string or a number, got ${typeof value}` };
  if (value.length === 0) return { reason: 'id is empty' };
  if (value.length > MAX_ID_LENGTH) return { reason: `id is longer than ${MAX_ID_LENGTH} characters` };
  return value;
}
