/**
 * The connection's metadata against the sync's metadata schema, before a run: opt-in
 * (`validateMetadata`), as on Nango, where the schema only types `getMetadata()` otherwise.
 */
import type * as z from 'zod';
import type { Connection } from '../connection.js';
import { describeIssues } from '../records/validate-record.js';
import type { SyncDefinition } from '../sync-definition.js';

/** Throws a `MetadataError` naming the mismatches; a `z.void()` schema declares there is nothing to check. */
export function checkMetadata(sync: SyncDefinition, connection: Connection): void {
  if (!sync.validateMetadata || !sync.metadata || declaresNoMetadata(sync.metadata)) return;
  const parsed = sync.metadata.safeParse(connection.metadata);
  if (!parsed.success) {
    throw new MetadataError(`connection metadata does not match the metadata schema of sync "${sync.name}": ${describeIssues(parsed.error.issues)}`);
  }
}

/** Read from the schema's definition, not by `instanceof`: a script may bundle its own copy of zod. */
function declaresNoMetadata(schema: z.ZodType): boolean {
  const def = schema.def as { type: string; innerType?: z.ZodType };
  if ((def.type === 'optional' || def.type === 'nullable') && def.innerType) return declaresNoMetadata(def.innerType);
  return def.type === 'void' || def.type === 'undefined';
}

export class MetadataError extends Error {
  override readonly name = 'MetadataError';
}
