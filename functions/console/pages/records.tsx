/**
 * Records of one model of one connection (`#/records?provider_config_key=&connection_id=&model=
 * &variant=`), as `GET /records` pages them: oldest change first, a cursor to the next page.
 * Paging keeps the cursors it followed, so Previous and First need no cursor arithmetic; each
 * record opens to its JSON with `_nango_metadata`.
 */
import { useState } from 'preact/hooks';
import { apiCall } from '../api.js';
import { Empty, ErrorBanner, JsonView, Loading, PageHeader, StatusBadge, formatTime, useAsync, TableScroll } from '../components/ui.js';
import type { Route } from '../router.js';
import { type Target, TargetForm } from './executions-target.js';
import { NO_FILTERS, type RecordFilters, RecordFiltersForm, filterQuery } from './records-filters.js';

/** One record of `GET /records` (`RecordsResponse` in `functions/api/routes/records.schemas.ts`). */
interface ApiRecord {
  id: string;
  _nango_metadata: { first_seen_at: string; last_modified_at: string; last_action: 'ADDED' | 'UPDATED' | 'DELETED'; deleted_at: string | null; pruned_at: string | null; cursor: string };
  [field: string]: unknown;
}

interface RecordsPageAnswer {
  records: ApiRecord[];
  next_cursor: string | null;
}

const toQuery = (t: Target) => ({ provider_config_key: t.providerConfigKey, connection_id: t.connectionId, model: t.item, variant: t.variant || undefined });

export function RecordsPage({ route }: { route: Route }) {
  const q = route.query;
  const target: Target = { providerConfigKey: q.get('provider_config_key') ?? '', connectionId: q.get('connection_id') ?? '', item: q.get('model') ?? '', variant: q.get('variant') ?? '' };
  const chosen = target.providerConfigKey !== '' && target.connectionId !== '' && target.item !== '';
  const key = JSON.stringify(target);
  return (
    <div>
      <PageHeader title="Records" />
      <TargetForm key={key} kind="model" initial={target} path="/records" queryOf={toQuery} submitText="Show records" />
      {chosen ? <RecordBrowser key={key} target={target} /> : <Empty>Choose an integration, a connection and a model to see its records.</Empty>}
    </div>
  );
}

function RecordBrowser({ target }: { target: Target }) {
  const [filters, setFilters] = useState<RecordFilters>(NO_FILTERS);
  // The cursors followed so far: the current page starts at the last one (the first page at none).
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const page = useAsync(
    () =>
      apiCall<RecordsPageAnswer>('GET', '/records', {
        headers: { 'Connection-Id': target.connectionId, 'Provider-Config-Key': target.providerConfigKey },
        query: { model: target.item, variant: target.variant || undefined, cursor, ...filterQuery(filters) },
      }),
    [JSON.stringify(filters), cursor],
  );
  const records = page.data?.records ?? [];
  const nextCursor = page.data?.next_cursor ?? null;

  const apply = (next: RecordFilters) => {
    setFilters(next);
    setCursors([]);
  };
  // One set of paging buttons, under the table where the reader ends up; the caption says where they are.
  const paging = (
    <div class="toolbar records-paging">
      <span class="muted">Page {cursors.length + 1}</span>
      <button type="button" class="btn" onClick={() => setCursors([])} disabled={cursors.length === 0 || page.loading}>
        First page
      </button>
      <button type="button" class="btn" onClick={() => setCursors(cursors.slice(0, -1))} disabled={cursors.length === 0 || page.loading}>
        Previous page
      </button>
      <button type="button" class="btn" onClick={() => nextCursor && setCursors([...cursors, nextCursor])} disabled={!nextCursor || page.loading}>
        Next page
      </button>
    </div>
  );

  return (
    <section aria-labelledby="records-heading">
      <h2 id="records-heading">
        {target.item} records of {target.connectionId}
        {target.variant && target.variant !== 'base' ? ` (variant ${target.variant})` : ''}
      </h2>
      <RecordFiltersForm initial={filters} onApply={apply} />
      {page.error ? <ErrorBanner error={page.error} /> : null}
      {page.loading && !page.data ? <Loading /> : null}
      {page.data && records.length === 0 ? <Empty>{cursors.length > 0 ? 'No more records.' : 'No record matches.'}</Empty> : null}
      {records.length > 0 ? (
        <>
          <TableScroll label="Records">
            <table class="table records-table">
              <caption class="muted">
                {records.length} record{records.length === 1 ? '' : 's'} on this page{nextCursor ? '; more on the next' : ''}
              </caption>
              <thead>
                <tr>
                  <th scope="col">ID</th>
                  <th scope="col">Last action</th>
                  <th scope="col">Last modified</th>
                  <th scope="col">First seen</th>
                  <th scope="col">Deleted</th>
                  <th scope="col" aria-label="JSON" />
                </tr>
              </thead>
              <tbody>
                {records.map((record) => (
                  <RecordRow key={record.id} record={record} />
                ))}
              </tbody>
            </table>
          </TableScroll>
          {paging}
        </>
      ) : null}
    </section>
  );
}

function RecordRow({ record }: { record: ApiRecord }) {
  const [open, setOpen] = useState(false);
  const meta = record._nango_metadata;
  const detailsId = `record-json-${record.id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  return (
    <>
      <tr>
        <td>
          <code>{record.id}</code>
          {meta.pruned_at ? <span class="muted"> (pruned)</span> : null}
        </td>
        <td>
          <StatusBadge status={meta.last_action} />
        </td>
        <td>{formatTime(meta.last_modified_at)}</td>
        <td>{formatTime(meta.first_seen_at)}</td>
        <td>{meta.deleted_at ? formatTime(meta.deleted_at) : ''}</td>
        <td>
          <button type="button" class="btn" aria-expanded={open} aria-controls={open ? detailsId : undefined} aria-label={`JSON of record ${record.id}`} onClick={() => setOpen(!open)}>
            {open ? 'Hide JSON' : 'JSON'}
          </button>
        </td>
      </tr>
      {open ? (
        <tr class="record-json-row">
          <td colSpan={6} id={detailsId}>
            <JsonView value={record} />
          </td>
        </tr>
      ) : null}
    </>
  );
}
