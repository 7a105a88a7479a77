/**
 * `GET /records`: one page of a model's records for one connection, ascending by modification.
 * While the model's sync is writing (and for the lag after its run ends, while the index catches
 * up), a reader lists only records older than the visibility lag, so a record written
 * concurrently with a page is returned on a later page instead of being skipped. Otherwise
 * nothing is being written and everything is listed — which is why webhooks go out only after
 * the lag: a receiver fetching `modified_after` at once gets the whole run. A variant's partition
 * is judged by the variant's own connection-sync state (its runs write it, not the base's).
 */
import type { StoredRecord } from '../../engine/ports.js';
import { nangoRecordMetadata } from '../../engine/records/nango-record.js';
import type { ApiDeps } from '../deps.js';
import { defineRoute, type ApiRoute } from '../route.js';
import { ConnectionHeaders } from '../schemas.js';
import { resolveRecordPartition } from './records.partition.js';
import { pruneRecordsRoute } from './records.prune.js';
import { RecordsQuery, RecordsResponse } from './records.schemas.js';

export function recordsRoutes(deps: ApiDeps): ApiRoute[] {
  const { records } = deps.syncline;
  return [
    defineRoute(
      {
        method: 'get',
        path: '/records',
        tag: 'Records',
        summary: 'Get synced records',
        description: 'Records of one model for one connection, ordered by modification ascending. Follow next_cursor until it is null.',
        headers: ConnectionHeaders,
        query: RecordsQuery,
        responses: { 200: { description: 'A page of records', schema: RecordsResponse, listsRecordModels: true } },
      },
      async ({ headers, query, c }) => {
        // Taken before reading the lease: a run that starts after this read stamps its writes later.
        const now = deps.clock.now();
        const { partition, syncState } = await resolveRecordPartition(deps.syncline, {
          providerConfigKey: headers['Provider-Config-Key'],
          connectionId: headers['Connection-Id'],
          model: query.model,
          variant: query.variant,
        });
        // Writes still in flight, or just finished and maybe not yet in the (eventually consistent)
        // index: list only what is older than the lag. Webhooks are sent after the lag has passed.
        const lastWriteEnded = Math.max(syncState.lastRun?.finishedAt ?? 0, syncState.releasedAt ?? 0);
        const writing = (syncState.lease !== null && syncState.lease.expiresAt > now) || lastWriteEnded > now - deps.visibilityLagMs;

        const modifiedAfter = query.modified_after ?? query.delta;
        const visibleBefore = writing ? now - deps.visibilityLagMs : now + 1;
        const page = await records.list(partition, {
          limit: query.limit,
          ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
          ...(modifiedAfter !== undefined ? { modifiedAfter: Date.parse(modifiedAfter) } : {}),
          ...(query.filter ? { filter: [...new Set(query.filter)] } : {}),
          ...(query.ids ? { ids: query.ids } : {}),
          visibleBefore,
        });
        return c.body(recordsPageJson(page.records, page.nextCursor), 200, { 'content-type': 'application/json' });
      },
    ),
    pruneRecordsRoute(deps),
  ];
}

/** Lambda answers at most 6 MB; a page stops short of that and its cursor resumes after it. */
export const MAX_PAGE_BYTES = 5 * 1024 * 1024;

/**
 * The response body, built as text from the stored JSON (a 1,000-record page is not parsed and
 * re-serialized). A page that would pass `maxBytes` ends early with a cursor to carry on from.
 */
export function recordsPageJson(records: StoredRecord[], nextCursor: string | null, maxBytes = MAX_PAGE_BYTES): string {
  const items: string[] = [];
  let bytes = 512; // the wrapper and a next_cursor of up to ~350 characters
  for (const record of records) {
    const item = toNangoRecordJson(record);
    bytes += Buffer.byteLength(item) + 1;
    if (bytes > maxBytes && items.length > 0) {
      return `{"records":[${items.join(',')}],"next_cursor":${JSON.stringify(records[items.length - 1]!.cursor)}}`;
    }
    items.push(item);
  }
  return `{"records":[${items.join(',')}],"next_cursor":${JSON.stringify(nextCursor)}}`;
}

/**
 * A stored record in Nango's shape — the payload's fields, its id, and `_nango_metadata` — as
 * JSON text spliced into the stored payload's JSON (an object that always carries the record's
 * id as a string): the bytes `JSON.stringify({ ...payload, id, _nango_metadata })` would give.
 */
export function toNangoRecordJson(record: StoredRecord): string {
  return `${record.payloadJson.slice(0, -1)},"_nango_metadata":${JSON.stringify(nangoRecordMetadata(record))}}`;
}
