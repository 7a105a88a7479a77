/**
 * One connection: its auth state, metadata (editable JSON), connection config and tags, and its
 * syncs with their controls. Write controls are not rendered at all without the matching scope
 * (`connections:write` for metadata, `syncs:write` for sync controls), so a read-only key sees a
 * read-only page rather than buttons that answer 403.
 *
 * Credentials are never read: the page asks `GET /connections/{id}` with `credentials=false`, so
 * viewing a connection decrypts nothing, refreshes no token (a connection whose refresh fails
 * still shows) and logs no credentials read; the answer carries the credentials' type only.
 */
import { apiCall } from '../api.js';
import { ErrorBanner, JsonView, Loading, PageHeader, StatusBadge, formatTime, useAsync } from '../components/ui.js';
import { Link, type Route } from '../router.js';
import { useSession } from '../session.js';
import { MetadataEditor } from './connection-metadata.js';
import { SyncsPanel } from './connection-syncs.js';
import { type ConnectionDetail, hasAuthError } from './connection-types.js';
import { TagList } from './connections.js';

export function ConnectionPage({ route }: { route: Route }) {
  const session = useSession();
  const providerConfigKey = route.params['providerConfigKey'] ?? '';
  const connectionId = route.params['connectionId'] ?? '';
  const connection = useAsync(
    () => apiCall<ConnectionDetail>('GET', `/connections/${encodeURIComponent(connectionId)}`, { query: { provider_config_key: providerConfigKey, credentials: 'false' } }),
    [providerConfigKey, connectionId],
  );
  const data = connection.data;

  return (
    <div>
      <PageHeader title={`Connection ${connectionId}`}>
        <Link to="/connections" query={{ integration: providerConfigKey }}>
          All connections of {providerConfigKey}
        </Link>
      </PageHeader>
      {connection.error ? <ErrorBanner error={connection.error} /> : null}
      {connection.loading && !data ? <Loading /> : null}
      {data ? (
        <>
          {hasAuthError(data) ? (
            <div class="card auth-error" role="alert">
              <strong>Authorization needed.</strong> The provider refused this connection's credentials; its syncs cannot run until the end user connects again (a reconnect session from the Connect
              page, or an import with new credentials).
            </div>
          ) : null}
          <section class="card" aria-labelledby="connection-summary">
            <h2 id="connection-summary">Summary</h2>
            <dl class="sync-facts">
              <dt>Integration</dt>
              <dd>
                {data.provider_config_key} <span class="muted">({data.provider})</span>
              </dd>
              <dt>Credentials</dt>
              <dd>{data.credentials.type}</dd>
              <dt>Auth</dt>
              <dd>{hasAuthError(data) ? <StatusBadge status="AUTH ERROR" /> : 'OK'}</dd>
              <dt>Created</dt>
              <dd>{formatTime(data.created_at)}</dd>
              <dt>Updated</dt>
              <dd>{formatTime(data.updated_at)}</dd>
              <dt>Tags</dt>
              <dd>
                <TagList tags={data.tags} />
              </dd>
            </dl>
          </section>
          <section class="card" aria-labelledby="connection-metadata-heading">
            <h2 id="connection-metadata-heading">Metadata</h2>
            <MetadataEditor providerConfigKey={providerConfigKey} connectionId={connectionId} metadata={data.metadata} canWrite={session.canWrite('connections')} />
          </section>
          <section class="card" aria-labelledby="connection-config-heading">
            <h2 id="connection-config-heading">Connection config</h2>
            <JsonView value={data.connection_config} />
          </section>
        </>
      ) : null}
      <section aria-labelledby="connection-syncs-heading">
        <h2 id="connection-syncs-heading">Syncs</h2>
        {session.canRead('syncs') ? (
          <SyncsPanel providerConfigKey={providerConfigKey} connectionId={connectionId} canWrite={session.canWrite('syncs')} />
        ) : (
          <p class="muted">This API key cannot read syncs (it lacks syncs:read).</p>
        )}
      </section>
    </div>
  );
}
