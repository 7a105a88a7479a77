/**
 * Overview: what needs attention first (connections with an auth error or a failing sync), then
 * the runs of the last 24 hours by status, then every integration with its syncs — models,
 * frequency, mode, auto-start, the EventBridge schedule as it is (flagged when someone changed it
 * in the AWS console) — and its connection count. Data loading lives in `overview-data.ts`.
 */
import { Empty, ErrorBanner, Loading, PageHeader, StatusBadge, useAsync, TableScroll } from '../components/ui.js';
import { Link, type Route } from '../router.js';
import { useSession } from '../session.js';
import { type ConnectionListItem, connectionPath, hasAuthError, type IntegrationScripts, isFailingSync, type SyncScriptConfig, syncLabel } from './connection-types.js';
import { type IntegrationSyncStatus, loadOverview, type Part, type RunCounts } from './overview-data.js';

export function OverviewPage({ route }: { route: Route }) {
  const session = useSession();
  const overview = useAsync(() => loadOverview(session, Date.now()), [session.apiKey]);
  const data = overview.data;
  return (
    <div>
      <PageHeader title="Overview">
        <button type="button" class="btn" onClick={overview.reload} disabled={overview.loading}>
          Refresh
        </button>
      </PageHeader>
      {overview.error ? <ErrorBanner error={overview.error} /> : null}
      {!data ? (
        <Loading />
      ) : (
        <>
          <Attention connections={data.connections} statuses={data.statuses} />
          <RecentRuns runs={data.runs} />
          <Integrations integrations={data.integrations} connections={data.connections.data ?? []} statuses={data.statuses.data ?? []} />
          {data.connections.error ? <ErrorBanner error={data.connections.error} /> : null}
          {data.statusFailures.map((failure, index) => (
            <ErrorBanner key={index} error={failure} />
          ))}
        </>
      )}
    </div>
  );
}

interface Failing {
  providerConfigKey: string;
  connectionId: string;
  reasons: string[];
}

/** Connections with an auth error or a sync whose last run failed, auth errors first. */
export function failingConnections(connections: ConnectionListItem[], statuses: IntegrationSyncStatus[]): Failing[] {
  const byKey = new Map<string, Failing>();
  const entry = (providerConfigKey: string, connectionId: string) => {
    const key = `${providerConfigKey}\u0000${connectionId}`;
    let found = byKey.get(key);
    if (!found) byKey.set(key, (found = { providerConfigKey, connectionId, reasons: [] }));
    return found;
  };
  for (const connection of connections) if (hasAuthError(connection)) entry(connection.provider_config_key, connection.connection_id).reasons.push('auth error: must authorize again');
  for (const sync of statuses) if (isFailingSync(sync)) entry(sync.providerConfigKey, sync.connection_id).reasons.push(`sync ${syncLabel(sync)} failed`);
  const authFirst = (item: Failing) => (item.reasons[0]?.startsWith('auth') ? 0 : 1);
  return [...byKey.values()].sort((a, b) => authFirst(a) - authFirst(b) || a.connectionId.localeCompare(b.connectionId));
}

function Attention({ connections, statuses }: { connections: Part<ConnectionListItem[]>; statuses: Part<IntegrationSyncStatus[]> }) {
  if (!connections.data && !statuses.data) return null;
  const failing = failingConnections(connections.data ?? [], statuses.data ?? []);
  return (
    <section class="card" aria-labelledby="overview-failing">
      <h2 id="overview-failing">Failing connections</h2>
      {failing.length === 0 ? (
        <Empty>No connection has an auth error or a failing sync.</Empty>
      ) : (
        <ul class="failing-list">
          {failing.map((item) => (
            <li key={`${item.providerConfigKey}/${item.connectionId}`}>
              <Link to={connectionPath(item.providerConfigKey, item.connectionId)}>
                {item.connectionId} <span class="muted">({item.providerConfigKey})</span>
              </Link>{' '}
              — {item.reasons.join('; ')}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

const RUN_STATUSES = ['RUNNING', 'SUCCESS', 'ERROR', 'CANCELLED'];

function RecentRuns({ runs }: { runs: Part<RunCounts> }) {
  if ('skipped' in runs) return null;
  return (
    <section class="card" aria-labelledby="overview-runs">
      <h2 id="overview-runs">Runs in the last 24 hours</h2>
      {runs.error ? <ErrorBanner error={runs.error} /> : null}
      {runs.data ? (
        <>
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">Runs</th>
              </tr>
            </thead>
            <tbody>
              {RUN_STATUSES.map((status) => (
                <tr key={status}>
                  <th scope="row">
                    <StatusBadge status={status} />
                  </th>
                  <td data-testid={`runs-${status.toLowerCase()}`}>
                    {runs.data.byStatus[status] ?? 0}
                    {runs.data.lowerBound ? '+' : ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p class="muted">
            Counted over {runs.data.counted} of {runs.data.total} connection-syncs, from the latest executions of each
            {runs.data.lowerBound ? '; some ran more often than that, so the counts are a lower bound' : ''}.
          </p>
          {runs.data.failures.length > 0 ? <ErrorBanner error={runs.data.failures[0]} /> : null}
        </>
      ) : null}
    </section>
  );
}

function Integrations({ integrations, connections, statuses }: { integrations: Part<IntegrationScripts[]>; connections: ConnectionListItem[]; statuses: IntegrationSyncStatus[] }) {
  if ('skipped' in integrations) return <p class="muted">This API key cannot read integrations (it lacks integrations:read).</p>;
  if (integrations.error) return <ErrorBanner error={integrations.error} />;
  const list = integrations.data ?? [];
  return (
    <section aria-labelledby="overview-integrations">
      <h2 id="overview-integrations">Integrations</h2>
      {list.length === 0 ? <Empty>No integration is declared.</Empty> : null}
      {list.map((integration) => (
        <IntegrationCard
          key={integration.providerConfigKey}
          integration={integration}
          connections={connections.filter((connection) => connection.provider_config_key === integration.providerConfigKey)}
          statuses={statuses.filter((status) => status.providerConfigKey === integration.providerConfigKey)}
        />
      ))}
    </section>
  );
}

function IntegrationCard({ integration, connections, statuses }: { integration: IntegrationScripts; connections: ConnectionListItem[]; statuses: IntegrationSyncStatus[] }) {
  const key = integration.providerConfigKey;
  const authErrors = connections.filter(hasAuthError).length;
  return (
    <section class="card" aria-labelledby={`integration-${key}`} data-testid={`integration-${key}`}>
      <h3 id={`integration-${key}`}>
        {key} {integration.provider !== key ? <span class="muted">({integration.provider})</span> : null}
      </h3>
      <p>
        <Link to="/connections" query={{ integration: key }}>
          {connections.length} connection{connections.length === 1 ? '' : 's'}
        </Link>
        {authErrors > 0 ? <strong> — {authErrors} with an auth error</strong> : null}
      </p>
      {integration.syncs.length === 0 ? (
        <Empty>No syncs.</Empty>
      ) : (
        <TableScroll label="Syncs">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Sync</th>
                <th scope="col">Models</th>
                <th scope="col">Frequency</th>
                <th scope="col">Mode</th>
                <th scope="col">Auto-start</th>
                <th scope="col">EventBridge schedule</th>
                <th scope="col">Connections by status</th>
              </tr>
            </thead>
            <tbody>
              {integration.syncs.map((sync) => (
                <SyncRow key={sync.name} sync={sync} statuses={statuses.filter((status) => status.name === sync.name)} />
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </section>
  );
}

function SyncRow({ sync, statuses }: { sync: SyncScriptConfig; statuses: IntegrationSyncStatus[] }) {
  const rates = [...new Set(statuses.flatMap((status) => (status.schedule ? [`${status.schedule.rateExpression}${status.schedule.enabled ? '' : ' (disabled)'}`] : [])))];
  const changed = statuses.some((status) => status.schedule?.changedInConsole);
  const byStatus = new Map<string, number>();
  for (const status of statuses) byStatus.set(status.status, (byStatus.get(status.status) ?? 0) + 1);
  return (
    <tr>
      <th scope="row">{sync.name}</th>
      <td>{sync.returns.join(', ') || '—'}</td>
      <td>{sync.runs ?? '—'}</td>
      <td>{sync.sync_type ?? '—'}</td>
      <td>{sync.auto_start === undefined ? '—' : sync.auto_start ? 'yes' : 'no'}</td>
      <td>
        {rates.length > 0 ? rates.join(', ') : <span class="muted">none</span>}
        {changed ? <strong class="schedule-changed"> changed in the AWS console</strong> : null}
      </td>
      <td>
        {byStatus.size === 0 ? (
          <span class="muted">—</span>
        ) : (
          [...byStatus].map(([status, count]) => (
            <span key={status} class="status-count">
              <StatusBadge status={status} /> {count}{' '}
            </span>
          ))
        )}
      </td>
    </tr>
  );
}
