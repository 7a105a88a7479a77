/**
 * `GET /records`: one page of a model's records for one connection, ascending by modification.
 * While the model's sync is writing (and for the lag after its run ends, while the index catches
 * up), a reader lists only records older than the visibility lag, so a record written
 * concurrently with a page is returned on a later page instead of being skipped. Otherwise
 * nothing is being written and everything is listed — which is why webhooks go out only after
 * the lag: a receiver fetching `modified_after` at once gets the whole run. A variant's partition
 * is judged by the variant's own connection-sync state (its runs write it, not the base's).
 *
 * The page is queried at the same time as that state is read, as if nothing were being written;
 * while something is, that page is dropped and the bounded one queried (a second Query, paid
 * only during runs and the lag after them). The body is built as text, gzipped when the client
 * accepts it (`records.page.ts`, which also caps a page at what Lambda can send).
 */
import type { ApiDeps } from '../deps.js';
import { defineRoute, type ApiRoute } from '../route.js';
import { ConnectionHeaders } from '../schemas.js';
import { acceptsGzip, recordsPageBody } from './records.page.js';
import { recordPartitionOf, resolveRecordPartition } from './records.partition.js';
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
        const target = { providerConfigKey: headers['Provider-Config-Key'], connectionId: headers['Connection-Id'], model: query.model, variant: query.variant };
        const { partition } = recordPartitionOf(deps.syncline.registry, target);
        const modifiedAfter = query.modified_after ?? query.delta;
        const list = (visibleBefore: number) =>
          records.list(partition, {
            limit: query.limit,
            ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
            ...(modifiedAfter !== undefined ? { modifiedAfter: Date.parse(modifiedAfter) } : {}),
            ...(query.filter ? { filter: [...new Set(query.filter)] } : {}),
            ...(query.ids ? { ids: query.ids } : {}),
            visibleBefore,
          });
        // The page as it is when nothing is being written — by far the usual case — is read while
        // the state is; the state then decides whether it stands. Its order against the state read
        // does not matter: a run the state read misses started after `now` and stamps later.
        const unbounded = list(now + 1);
        unbounded.catch(() => undefined); // awaited below, or dropped if the state says otherwise
        const { syncState } = await resolveRecordPartition(deps.syncline, target);
        // Writes still in flight, or just finished and maybe not yet in the (eventually consistent)
        // index: list only what is older than the lag. Webhooks are sent after the lag has passed.
        const lastWriteEnded = Math.max(syncState.lastRun?.finishedAt ?? 0, syncState.releasedAt ?? 0);
        const writing = (syncState.lease !== null && syncState.lease.expiresAt > now) || lastWriteEnded > now - deps.visibilityLagMs;
        const page = writing ? await list(now - deps.visibilityLagMs) : await unbounded;
        const { body, contentEncoding } = await recordsPageBody(page.records, page.nextCursor, { gzip: acceptsGzip(c.req.header('accept-encoding')) });
        // Vary: a cache between client and API must not hand a gzipped page to a client that did not ask.
        return c.body(body, 200, { 'content-type': 'application/json', vary: 'Accept-Encoding', ...(contentEncoding ? { 'content-encoding': contentEncoding } : {}) });
      },
    ),
    pruneRecordsRoute(deps),
  ];
}
