/** `GET /records` and `PATCH /records/prune`, field for field as in Nango's API reference. */
import * as z from 'zod';
import { VariantNameSchema } from '../../engine/state-ports.js';
import { caseInsensitiveEnum, listParam } from '../route.js';
import { IsoDateTime } from '../schemas.js';

export const RECORD_FILTERS = ['added', 'updated', 'deleted'] as const;

/**
 * One `filter` value in any case: Nango's server takes `added` and `ADDED` (its types name
 * both), and clients send either; `Added` is taken too rather than refused for its case.
 */
export const RecordFilter = caseInsensitiveEnum(RECORD_FILTERS);

/** The model a route reads, as `GET /records?model=` names it. */
export const ModelName = z.string().min(1).max(64);

/** A record cursor as handed out (`_nango_metadata.cursor`, `next_cursor`). */
const RecordCursor = z.string().min(1).max(2048);

export const RecordsQuery = z.object({
  model: ModelName.meta({ description: 'The data model to fetch, e.g. Contact' }),
  cursor: RecordCursor.optional().meta({ description: 'next_cursor of the previous page, or _nango_metadata.cursor of the last record you kept' }),
  limit: z.coerce.number().int().min(1).max(10_000).default(100),
  filter: listParam(RecordFilter, { commaSeparated: true })
    .optional()
    .meta({ description: 'Only records whose last action is one of these, in any case (comma list or repeated): added, updated, deleted' }),
  modified_after: IsoDateTime.optional().meta({ description: 'Only records modified at or after this time (ISO 8601)' }),
  delta: IsoDateTime.optional().meta({ description: 'Deprecated alias of modified_after', deprecated: true }),
  ids: listParam(z.string().min(1).max(255), { commaSeparated: false, max: 100 }).optional().meta({ description: 'Only these record ids (repeat the parameter, at most 100)' }),
  variant: VariantNameSchema.optional().meta({ description: 'The sync variant whose records to read; "base" (the default) is the sync\'s own partition' }),
});

export const NangoMetadataSchema = z.object({
  first_seen_at: z.string(),
  last_modified_at: z.string(),
  last_action: z.enum(['ADDED', 'UPDATED', 'DELETED']),
  deleted_at: z.string().nullable(),
  pruned_at: z.string().nullable().meta({ description: 'When the payload was pruned (PATCH /records/prune); the record is then only its id and this metadata' }),
  cursor: z.string(),
});

/** Generic record shape; the OpenAPI document refines it per model (`ContactRecord`, …). */
export const RecordsResponse = z.object({
  records: z.array(z.object({ id: z.string(), _nango_metadata: NangoMetadataSchema }).catchall(z.unknown())),
  next_cursor: z.string().nullable(),
});

export const PruneRecordsBody = z
  .object({
    model: ModelName.meta({ description: 'The data model to prune records of' }),
    variant: VariantNameSchema.optional().meta({ description: 'The sync variant whose records to prune; "base" (the default) is the sync\'s own partition' }),
    until_cursor: RecordCursor.meta({ description: 'Prune every record up to and including this one: its _nango_metadata.cursor, or a next_cursor' }),
    limit: z.number().int().min(1).max(10_000).default(1_000).meta({ description: 'At most this many records in this call (default 1000)' }),
  })
  .strict();

export const PruneRecordsResponse = z.object({
  count: z.number().int().min(0).max(10_000).meta({ description: 'Records whose payload this call emptied' }),
  has_more: z.boolean().meta({ description: 'Unpruned records remain up to the cursor: call again until false' }),
});
