/**
 * Connections: every connection, newest first (the API's order) with those needing a new
 * authorization on top, searchable by id or tag value, filtered by integration and one tag.
 * The filters live in the URL (`#/connections?search=&integration=&tag=key:value&page=`) so a
 * filtered list can be bookmarked and the back button works; the form only navigates.
 */
import { useEffect, useState } from 'preact/hooks';
import { apiCall } from '../api.js';
import { Empty, ErrorBanner, Loading, PageHeader, StatusBadge, formatTime, useAsync, TableScroll } from '../components/ui.js';
import { Link, type Route, navigate } from '../router.js';
import { useSession } from '../session.js';
import { type ConnectionListItem, type IntegrationScripts, connectionPath, hasAuthError } from './connection-types.js';

const PAGE_SIZE = 100;

/** `key:value` → `['key', 'value']`; the key is lower-cased as the API stores tag keys. */
export function parseTagFilter(text: string): [string, string] | null {
  const at = text.indexOf(':');
  if (at <= 0 || at === text.length - 1) return null;
  return [text.slice(0, at).trim().toLowerCase(), text.slice(at + 1).trim()];
}

export function ConnectionsPage({ route }: { route: Route }) {
  const session = useSession();
  const search = route.query.get('search') ?? '';
  const integration = route.query.get('integration') ?? '';
  const tag = route.query.get('tag') ?? '';
  const page = Math.max(0, Number(route.query.get('page') ?? '0') || 0);
  const tagFilter = tag ? parseTagFilter(tag) : null;

  const integrations = useAsync(() => (session.canRead('integrations') ? apiCall<IntegrationScripts[]>('GET', '/scripts/config') : Promise.resolve([] as IntegrationScripts[])), [session.apiKey]);
  const list = useAsync(() => {
    const query: Record<string, string | number | undefined> = { search: search || undefined, integrationId: integration || undefined, limit: PAGE_SIZE, page };
    if (tagFilter) query[`tags[${tagFilter[0]}]`] = tagFilter[1];
    return apiCall<{ connections: ConnectionListItem[] }>('GET', '/connections', { query });
  }, [search, integration, tag, page]);

  const rows = list.data ? [...list.data.connections].sort((a, b) => Number(hasAuthError(b)) - Number(hasAuthError(a))) : [];
  const filters = { search: search || undefined, integration: integration || undefined, tag: tag || undefined };

  return (
    <div>
      <PageHeader title="Connections" />
      <FilterForm search={search} integration={integration} tag={tag} integrations={integrations.data?.map((item) => item.providerConfigKey) ?? []} />
      {tag && !tagFilter ? (
        <p class="field-error" role="alert">
          The tag filter must be written key:value, for example end_user_id:user-1.
        </p>
      ) : null}
      {list.error ? <ErrorBanner error={list.error} /> : null}
      {list.loading && !list.data ? <Loading /> : null}
      {list.data && rows.length === 0 ? <Empty>No connection matches these filters.</Empty> : null}
      {rows.length > 0 ? (
        <TableScroll label="Connections">
          <table class="table">
            <caption class="muted">
              {rows.length} connection{rows.length === 1 ? '' : 's'}
              {page > 0 ? `, page ${page + 1}` : ''}
            </caption>
            <thead>
              <tr>
                <th scope="col">Connection</th>
                <th scope="col">Integration</th>
                <th scope="col">Tags</th>
                <th scope="col">Created</th>
                <th scope="col">Auth</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((connection) => (
                <tr key={`${connection.provider_config_key}/${connection.connection_id}`}>
                  <td>
                    <Link to={connectionPath(connection.provider_config_key, connection.connection_id)}>{connection.connection_id}</Link>
                  </td>
                  <td>
                    {connection.provider_config_key}
                    {connection.provider !== connection.provider_config_key ? <span class="muted"> ({connection.provider})</span> : null}
                  </td>
                  <td>
                    <TagList tags={connection.tags} />
                  </td>
                  <td>{formatTime(connection.created)}</td>
                  <td>{hasAuthError(connection) ? <StatusBadge status="AUTH ERROR" /> : <span class="muted">OK</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      ) : null}
      <nav class="toolbar" aria-label="Pages">
        {page > 0 ? (
          <Link to="/connections" query={{ ...filters, page: page > 1 ? String(page - 1) : undefined }}>
            Previous page
          </Link>
        ) : null}
        {list.data && list.data.connections.length === PAGE_SIZE ? (
          <Link to="/connections" query={{ ...filters, page: String(page + 1) }}>
            Next page
          </Link>
        ) : null}
      </nav>
    </div>
  );
}

function FilterForm(props: { search: string; integration: string; tag: string; integrations: string[] }) {
  const [search, setSearch] = useState(props.search);
  const [integration, setIntegration] = useState(props.integration);
  const [tag, setTag] = useState(props.tag);
  // Follow the URL when it changes from outside the form (a link, the back button).
  useEffect(() => setSearch(props.search), [props.search]);
  useEffect(() => setIntegration(props.integration), [props.integration]);
  useEffect(() => setTag(props.tag), [props.tag]);

  const submit = (event: Event) => {
    event.preventDefault();
    navigate('/connections', { search: search.trim() || undefined, integration: integration || undefined, tag: tag.trim() || undefined });
  };
  const options = props.integrations.includes(props.integration) || !props.integration ? props.integrations : [...props.integrations, props.integration];

  return (
    <form class="toolbar connections-filters" aria-label="Filter connections" onSubmit={submit}>
      <div class="field">
        <label for="connections-search">Search by connection id or tag value</label>
        <input id="connections-search" type="search" value={search} onInput={(event) => setSearch(event.currentTarget.value)} />
      </div>
      <div class="field">
        <label for="connections-integration">Integration</label>
        {options.length > 0 ? (
          <select id="connections-integration" value={integration} onChange={(event) => setIntegration(event.currentTarget.value)}>
            <option value="">All integrations</option>
            {options.map((key) => (
              <option key={key} value={key}>
                {key}
              </option>
            ))}
          </select>
        ) : (
          <input id="connections-integration" value={integration} onInput={(event) => setIntegration(event.currentTarget.value)} />
        )}
      </div>
      <div class="field">
        <label for="connections-tag">Tag (key:value)</label>
        <input id="connections-tag" value={tag} placeholder="end_user_id:user-1" onInput={(event) => setTag(event.currentTarget.value)} />
      </div>
      <button type="submit" class="btn btn-primary">
        Apply filters
      </button>
      {props.search || props.integration || props.tag ? <Link to="/connections">Clear filters</Link> : null}
    </form>
  );
}

export function TagList({ tags }: { tags: Record<string, string> }) {
  const entries = Object.entries(tags);
  if (entries.length === 0) return <span class="muted">none</span>;
  return (
    <ul class="tag-list">
      {entries.map(([key, value]) => (
        <li key={key}>
          <Link to="/connections" query={{ tag: `${key}:${value}` }} class="badge">
            {key}: {value}
          </Link>
        </li>
      ))}
    </ul>
  );
}
