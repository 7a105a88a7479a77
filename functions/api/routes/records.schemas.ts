/** `GET /records`, field for field as in Nango's API reference. */
import { z } from 'zod';
import { listParam } from '../route.js';
import { IsoDateTime } from '../schemas.js';

export const RecordFilter = z.enum(['added', 'updated', 'deleted']);

export const RecordsQuery = z
  .object({
    model: z.string().min(1).max(64).meta({ description: 'The data model to fetch, e.g. Contact' }),
    cursor: z.string().min(1).max(2048).optional().meta({ description: 'next_cursor of the previous page, or _nango_metadata.cursor of the last record you kept' }),
    limit: z.coerce.number().int().min(1).max(10_000).default(100),
    filter: listParam(RecordFilter, { commaSeparated: true }).optional().meta({ description: 'Only records whose last action is one of these (comma list or repeated)' }),
    modified_after: IsoDateTime.optional().meta({ description: 'Only records modified at or after this time (ISO 8601)' }),
    delta: IsoDateTime.optional().meta({ description: 'Deprecated alias of modified_after', deprecated: true }),
    ids: listParam(z.string().min(1).max(255), { commaSeparated: false, max: 100 }).optional().meta({ description: 'Only these record ids (repeat the parameter, at most 100)' }),
    variant: z.string().min(1).max(64).optional().meta({ description: 'Model variant; only "base" exists in Syncline' }),
  })
  .strict();

export const NangoMetadataSchema = z.object({
  first_seen_at: z.string(),
  last_modified_at: z.string(),
  last_action: z.enum(['ADDED', 'UPDATED', 'DELETED']),
  deleted_at: z.string().nullable(),
  cursor: z.string(),
});

/** Generic record shape; the OpenAPI document refines it per model (`ContactRecord`, …). */
export const RecordsResponse = z.object({
  records: z.array(z.object({ id: z.string(), _nango_metadata: NangoMetadataSchema }).catchall(z.unknown())),
  next_cursor: z.string().nullable(),
});
