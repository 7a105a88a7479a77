/**
 * A connection's syncs (`GET /sync/status`) with their controls. The status is read again after
 * every action, every 2 s while a sync runs, and for a short while after an action (a triggered
 * run sits in the queue before it shows as RUNNING). The last answer stays on screen during a
 * refresh, so buttons do not jump under the pointer.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { apiCall } from '../api.js';
import { Button, ConfirmButton, Empty, ErrorBanner, Loading, StatusBadge, formatTime, LIVE_POLL_MS } from '../components/ui.js';
import { Link } from '../router.js';
import { type SyncStatus, syncLabel } from './connection-types.js';

/** How long after an action the page keeps polling even though nothing shows as running yet. */
const FOLLOW_AFTER_ACTION_MS = 12_000;

interface Target {
  providerConfigKey: string;
  connectionId: string;
}

function useSyncStatus({ providerConfigKey, connectionId }: Target) {
  const [syncs, setSyncs] = useState<SyncStatus[] | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [followUntil, setFollowUntil] = useState(0);
  const [tick, setTick] = useState(0);
  const generation = useRef(0);

  const refresh = useCallback(() => setTick((value) => value + 1), []);
  const follow = useCallback(() => {
    setFollowUntil(Date.now() + FOLLOW_AFTER_ACTION_MS);
    setTick((value) => value + 1);
  }, []);

  useEffect(() => {
    const mine = ++generation.current;
    apiCall<{ syncs: SyncStatus[] }>('GET', '/sync/status', { query: { provider_config_key: providerConfigKey, connection_id: connectionId, syncs: '*' } }).then(
      (answer) => {
        if (mine !== generation.current) return;
        setSyncs(answer.syncs);
        setError(null);
      },
      (failure: unknown) => {
        if (mine === generation.current) setError(failure);
      },
    );
  }, [providerConfigKey, connectionId, tick]);

  const running = syncs?.some((sync) => sync.status === 'RUNNING' || sync.latestExecutionStatus === 'RUNNING') ?? false;
  useEffect(() => {
    if (!running && Date.now() >= followUntil) return;
    const timer = setTimeout(refresh, LIVE_POLL_MS);
    return () => clearTimeout(timer);
  }, [running, followUntil, syncs, error, refresh]);

  return { syncs, error, refresh, follow };
}

export function SyncsPanel(props: Target & { canWrite: boolean }) {
  const { syncs, error, follow } = useSyncStatus(props);
  if (!syncs) return error ? <ErrorBanner error={error} /> : <Loading />;
  return (
    <div>
      {error ? <ErrorBanner error={error} /> : null}
      {syncs.length === 0 ? <Empty>This connection has no syncs.</Empty> : null}
      <div class="grid sync-grid">
        {syncs.map((sync) => (
          <SyncCard key={sync.id} sync={sync} target={props} canWrite={props.canWrite} onChanged={follow} />
        ))}
      </div>
    </div>
  );
}

type Control = 'start' | 'pause' | 'trigger' | 'reset' | 'empty' | 'cancel';

const DONE: Record<Exclude<Control, 'cancel'>, string> = {
  start: 'Started.',
  pause: 'Paused.',
  trigger: 'Run queued.',
  reset: 'Full refresh queued.',
  empty: 'Cache emptied, full refresh queued.',
};

function SyncCard({ sync, target, canWrite, onChanged }: { sync: SyncStatus; target: Target; canWrite: boolean; onChanged(): void }) {
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const [notice, setNotice] = useState('');
  const label = syncLabel(sync);
  const slug = `${sync.name}-${sync.variant}`.replace(/[^A-Za-z0-9_-]/g, '_');
  const syncRef = { name: sync.name, variant: sync.variant };
  const controlBody = { syncs: [syncRef], provider_config_key: target.providerConfigKey, connection_id: target.connectionId };
  const oneSync = { provider_config_key: target.providerConfigKey, connection_id: target.connectionId, sync_name: sync.name, sync_variant: sync.variant };

  const run = async (work: () => Promise<string>) => {
    setBusy(true);
    setFailure(null);
    setNotice('');
    try {
      setNotice(await work());
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
      onChanged();
    }
  };
  const control = (which: Control) =>
    run(async () => {
      if (which === 'cancel') {
        const answer = await apiCall<{ cancelled: boolean }>('POST', '/sync/cancel', { body: oneSync });
        return answer.cancelled ? 'The running execution was cancelled.' : 'Nothing was running.';
      }
      if (which === 'start' || which === 'pause') await apiCall('POST', `/sync/${which}`, { body: controlBody });
      else {
        const opts = which === 'reset' ? { reset: true } : which === 'empty' ? { reset: true, emptyCache: true } : undefined;
        await apiCall('POST', '/sync/trigger', { body: opts ? { ...controlBody, opts } : controlBody });
      }
      return DONE[which];
    });

  const paused = sync.status === 'PAUSED' || sync.status === 'STOPPED';
  const models = Object.entries(sync.recordCount);
  const recordsQuery = (model: string) => ({ provider_config_key: target.providerConfigKey, connection_id: target.connectionId, model, variant: sync.variant === 'base' ? undefined : sync.variant });

  return (
    <section class="card sync-card" aria-labelledby={`sync-${slug}`} data-testid={`sync-${slug}`}>
      <div class="sync-title">
        <h3 id={`sync-${slug}`}>{label}</h3>
        <span data-testid={`status-${slug}`}>
          <StatusBadge status={sync.status} />
        </span>
      </div>
      <dl class="sync-facts">
        <dt>Latest execution</dt>
        <dd>{sync.latestExecutionStatus ? <StatusBadge status={sync.latestExecutionStatus} /> : <span class="muted">none yet</span>}</dd>
        <dt>Last run</dt>
        <dd data-testid={`last-run-${slug}`}>{sync.finishedAt ? formatTime(sync.finishedAt) : 'never'}</dd>
        <dt>Next run</dt>
        <dd>{sync.nextScheduledSyncAt ? formatTime(sync.nextScheduledSyncAt) : '—'}</dd>
        <dt>Frequency</dt>
        <dd>{sync.frequency}</dd>
        <dt>Schedule</dt>
        <dd>
          {sync.schedule ? (
            <>
              {sync.schedule.rateExpression}
              {sync.schedule.enabled ? '' : ' (disabled)'}
              {sync.schedule.changedInConsole ? <strong> — changed in the AWS console</strong> : null}
            </>
          ) : (
            <span class="muted">none</span>
          )}
        </dd>
        <dt>Records</dt>
        <dd>
          {models.length === 0 ? (
            <span class="muted">no model</span>
          ) : (
            <ul class="model-list">
              {models.map(([model, count]) => (
                <li key={model}>
                  <Link to="/records" query={recordsQuery(model)}>
                    {model}: {count.toLocaleString()} record{count === 1 ? '' : 's'}
                  </Link>
                </li>
              ))}
            </ul>
          )}
        </dd>
      </dl>
      <p>
        <Link to="/executions" query={{ provider_config_key: target.providerConfigKey, connection_id: target.connectionId, sync_name: sync.name, sync_variant: sync.variant }}>
          Executions of {label}
        </Link>
      </p>
      {canWrite ? (
        <>
          <div class="toolbar">
            <Button onClick={() => control('start')} disabled={busy || !paused}>
              Start
            </Button>
            <Button onClick={() => control('pause')} disabled={busy || paused}>
              Pause
            </Button>
            <Button kind="primary" onClick={() => control('trigger')} disabled={busy || paused}>
              Trigger
            </Button>
            <ConfirmButton
              kind="default"
              onConfirm={() => control('reset')}
              confirmText={`Run a full refresh of ${label}? It forgets the checkpoint and fetches everything again; a run in progress is cancelled first.`}
              disabled={busy || paused}
            >
              Full refresh
            </ConfirmButton>
            <ConfirmButton
              kind="danger"
              onConfirm={() => control('empty')}
              confirmText={`Empty the cache of ${label}? Every record of this sync is deleted (a run in progress is cancelled first), then a full refresh fetches them again.`}
              disabled={busy || paused}
            >
              Empty cache
            </ConfirmButton>
            <ConfirmButton kind="danger" onConfirm={() => control('cancel')} confirmText={`Cancel the running execution of ${label}? The schedule is unchanged.`} disabled={busy}>
              Cancel running
            </ConfirmButton>
          </div>
          <FrequencyForm slug={slug} label={label} current={sync.frequency} disabled={busy} onSubmit={(frequency) => run(() => changeFrequency(oneSync, frequency))} />
        </>
      ) : null}
      <p role="status" class="muted">
        {notice}
      </p>
      {failure ? <ErrorBanner error={failure} /> : null}
    </section>
  );
}

async function changeFrequency(oneSync: Record<string, string>, frequency: string | null): Promise<string> {
  const answer = await apiCall<{ frequency: string }>('PUT', '/sync/update-connection-frequency', { body: { ...oneSync, frequency } });
  return frequency === null ? `Back to the sync's own frequency (${answer.frequency}).` : `Frequency set to ${answer.frequency}.`;
}

function FrequencyForm(props: { slug: string; label: string; current: string; disabled: boolean; onSubmit(frequency: string | null): void }) {
  const [value, setValue] = useState('');
  const id = `frequency-${props.slug}`;
  return (
    <form
      class="toolbar"
      aria-label={`Frequency of ${props.label}`}
      onSubmit={(event) => {
        event.preventDefault();
        if (value.trim()) props.onSubmit(value.trim());
      }}
    >
      <div class="field">
        <label for={id}>New frequency</label>
        <input id={id} value={value} placeholder={props.current} required onInput={(event) => setValue(event.currentTarget.value)} />
      </div>
      <button type="submit" class="btn" disabled={props.disabled}>
        Change frequency
      </button>
      <Button onClick={() => props.onSubmit(null)} disabled={props.disabled}>
        Use the sync's frequency
      </Button>
    </form>
  );
}
