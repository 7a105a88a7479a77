/**
 * Executions: the run history of one connection-sync (`#/executions?provider_config_key=&
 * connection_id=&sync_name=&sync_variant=`) — status, trigger, type, timing, invocations,
 * changes per model and error — and the log lines of the run picked, followed live while it runs.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { Empty, ErrorBanner, Loading, PageHeader, StatusBadge, formatDuration, formatTime, TableScroll } from '../components/ui.js';
import { Link, type Route } from '../router.js';
import { type Execution, ExecutionLogs, useExecutions } from './executions-logs.js';
import { type Target, TargetForm } from './executions-target.js';

const FIRST_LIMIT = 20;
/** The API's largest page of executions. */
const MAX_LIMIT = 100;

const toQuery = (t: Target) => ({ provider_config_key: t.providerConfigKey, connection_id: t.connectionId, sync_name: t.item, sync_variant: t.variant || undefined });

export function ExecutionsPage({ route }: { route: Route }) {
  const q = route.query;
  const target: Target = { providerConfigKey: q.get('provider_config_key') ?? '', connectionId: q.get('connection_id') ?? '', item: q.get('sync_name') ?? '', variant: q.get('sync_variant') ?? '' };
  const chosen = target.providerConfigKey !== '' && target.connectionId !== '' && target.item !== '';
  const key = JSON.stringify(target);
  return (
    <div>
      <PageHeader title="Executions" />
      <TargetForm key={key} kind="sync" initial={target} path="/executions" queryOf={toQuery} submitText="Show executions" />
      {chosen ? <ExecutionHistory key={key} target={target} /> : <Empty>Choose an integration, a connection and a sync to see its executions.</Empty>}
    </div>
  );
}

function ExecutionHistory({ target }: { target: Target }) {
  const [limit, setLimit] = useState(FIRST_LIMIT);
  const history = useExecutions(target, limit);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const selected = history.executions?.find((e) => e.id === selectedId);
  const logsHeading = useRef<HTMLHeadingElement>(null);
  // Keyboard users land on the logs they asked for instead of staying at the table's button.
  useEffect(() => {
    if (selectedId) logsHeading.current?.focus();
  }, [selectedId]);

  const executions = history.executions ?? [];
  return (
    <section aria-labelledby="executions-heading">
      <div class="toolbar">
        <h2 id="executions-heading">
          {target.item}
          {target.variant && target.variant !== 'base' ? `::${target.variant}` : ''} on {target.connectionId}
        </h2>
        <button type="button" class="btn" onClick={history.reload} disabled={history.loading}>
          Refresh
        </button>
        <Link to="/records" query={{ provider_config_key: target.providerConfigKey, connection_id: target.connectionId, variant: target.variant || undefined }}>
          Records of this connection
        </Link>
        {history.polling ? <span class="muted">A run is in progress: refreshing every 2 s</span> : null}
      </div>
      {history.error ? <ErrorBanner error={history.error} /> : null}
      {history.loading && !history.executions ? <Loading /> : null}
      {history.executions && executions.length === 0 ? <Empty>This sync has not run on this connection yet.</Empty> : null}
      {executions.length > 0 ? (
        <TableScroll label="Executions">
          <table class="table executions-table">
            <caption class="muted">
              {executions.length} most recent execution{executions.length === 1 ? '' : 's'}, newest first
            </caption>
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">Trigger</th>
                <th scope="col">Type</th>
                <th scope="col">Started</th>
                <th scope="col">Duration</th>
                <th scope="col">Invocations</th>
                <th scope="col">Changes (added / updated / deleted)</th>
                <th scope="col">Error</th>
                <th scope="col" aria-label="Logs" />
              </tr>
            </thead>
            <tbody>
              {executions.map((execution) => (
                <ExecutionRow key={execution.id} execution={execution} selected={execution.id === selectedId} onSelect={() => setSelectedId(execution.id)} />
              ))}
            </tbody>
          </table>
        </TableScroll>
      ) : null}
      {executions.length >= limit && limit < MAX_LIMIT ? (
        <button type="button" class="btn" onClick={() => setLimit(MAX_LIMIT)}>
          Show up to {MAX_LIMIT} executions
        </button>
      ) : null}
      {selected ? (
        <section class="card" aria-labelledby="logs-heading">
          <h2 id="logs-heading" tabIndex={-1} ref={logsHeading}>
            Logs of the run started {formatTime(selected.started_at)}
          </h2>
          <p class="muted">
            Run <code>{selected.id}</code>
          </p>
          <ExecutionLogs key={selected.id} execution={selected} />
        </section>
      ) : null}
    </section>
  );
}

function ExecutionRow({ execution, selected, onSelect }: { execution: Execution; selected: boolean; onSelect: () => void }) {
  const started = Date.parse(execution.started_at);
  const ended = execution.finished_at ? Date.parse(execution.finished_at) : Date.now();
  const models = Object.entries(execution.results);
  return (
    <tr class={selected ? 'row-selected' : undefined}>
      <td>
        <StatusBadge status={execution.status} />
      </td>
      <td>{execution.trigger.toLowerCase()}</td>
      <td>{execution.type.toLowerCase()}</td>
      <td>
        <time dateTime={execution.started_at}>{formatTime(execution.started_at)}</time>
      </td>
      <td>
        {formatDuration(ended - started)}
        {execution.finished_at ? '' : ' so far'}
      </td>
      <td>{execution.invocations}</td>
      <td>
        {models.length === 0 ? (
          <span class="muted">none</span>
        ) : (
          <ul class="compact-list">
            {models.map(([model, counts]) => (
              <li key={model}>
                {model}: +{counts.added} / ~{counts.updated} / −{counts.deleted}
              </li>
            ))}
          </ul>
        )}
      </td>
      <td>
        {execution.error ? (
          <span class="run-error">
            <strong>{execution.error.type}</strong>: {execution.error.message}
          </span>
        ) : null}
      </td>
      <td>
        <button type="button" class="btn" aria-pressed={selected} aria-label={`Logs of the run started ${formatTime(execution.started_at)}`} onClick={onSelect}>
          Logs
        </button>
      </td>
    </tr>
  );
}
