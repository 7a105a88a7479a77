/**
 * `PATCH /records/prune` (Nango's `pruneRecords`): empties the payload of a model's records up to
 * and including a cursor, oldest first, at most `limit` per call, keeping each record's id and
 * metadata. An application that has copied records out prunes them to keep the cache small
 * while still learning about later changes: a pruned record keeps its place in modification
 * order (its cursor does not move), lists as `{id, _nango_metadata}` with `pruned_at` set, and
 * gets its payload back when a sync next saves it — silently when the content is unchanged (no
 * new cursor, not counted as updated, no webhook, as on Nango), as an UPDATED change otherwise.
 */
import { InvalidCursorError } from '../../engine/errors.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { defineRoute, json, type ApiRoute } from '../route.js';
import { ConnectionHeaders } from '../schemas.js';
import { resolveRecordPartition } from './records.partition.js';
import { PruneRecordsBody, PruneRecordsResponse } from './records.schemas.js';

export function pruneRecordsRoute(deps: ApiDeps): ApiRoute {
  return defineRoute(
    {
      method: 'patch',
      path: '/records/prune',
      tag: 'Records',
      summary: 'Prune synced records',
      description:
        'Empties the payload of records up to and including until_cursor (ascending modification order, as GET /records pages), keeping id and _nango_metadata (pruned_at is set). Call again while has_more is true. The next sync that sees a pruned record restores its payload.',
      headers: ConnectionHeaders,
      body: PruneRecordsBody,
      responses: { 200: { description: 'How many records were pruned, and whether more remain up to the cursor', schema: PruneRecordsResponse } },
    },
    async ({ headers, body, c }) => {
      const { partition } = await resolveRecordPartition(deps.syncline, {
        providerConfigKey: headers['Provider-Config-Key'],
        connectionId: headers['Connection-Id'],
        model: body.model,
        variant: body.variant,
      });
      try {
        const result = await deps.syncline.records.prune(partition, { untilCursor: body.until_cursor, limit: body.limit });
        return json(c, 200, { count: result.count, has_more: result.hasMore });
      } catch (error) {
        if (error instanceof InvalidCursorError) throw new ApiError(400, 'invalid_cursor', error.message, [{ path: 'body.until_cursor', message: error.message }]);
        throw error;
      }
    },
  );
}
