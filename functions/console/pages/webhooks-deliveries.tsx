/**
 * A subscription's deliveries, newest first, each with every attempt (time, status code, error,
 * next retry). A FAILED delivery can be replayed (a new round of attempts, same webhook-id and
 * body); a PENDING one is still being retried, so it has no replay button (the API says 409).
 */
import { useState } from 'preact/hooks';
import { apiCall } from '../api.js';
import { Empty, ErrorBanner, Loading, StatusBadge, formatTime, useAsync, TableScroll } from '../components/ui.js';

/** One entry of `GET /webhooks/subscriptions/{id}/deliveries` (`DeliverySchema` in `functions/api/routes/webhooks.schemas.ts`). */
export interface Delivery {
  id: string;
  subscription_id: string;
  event: string;
  status: 'PENDING' | 'SUCCEEDED' | 'FAILED';
  provider_config_key: string;
  connection_id: string;
  sync_name: string | null;
  run_id: string | null;
  model: string | null;
  created_at: string;
  attempts: { at: string; status_code: number | null; error: string | null; next_retry_at: string | null }[];
}

const LIMIT = 50;

export function Deliveries({ subscriptionId, canReplay }: { subscriptionId: string; canReplay: boolean }) {
  const list = useAsync(() => apiCall<{ deliveries: Delivery[] }>('GET', `/webhooks/subscriptions/${encodeURIComponent(subscriptionId)}/deliveries`, { query: { limit: LIMIT } }), [subscriptionId]);
  const [replayError, setReplayError] = useState<unknown>(undefined);
  const [replaying, setReplaying] = useState<string | null>(null);

  const replay = async (delivery: Delivery) => {
    setReplaying(delivery.id);
    setReplayError(undefined);
    try {
      await apiCall('POST', `/webhooks/deliveries/${encodeURIComponent(delivery.id)}/replay`);
      list.reload();
    } catch (error) {
      setReplayError(error);
    } finally {
      setReplaying(null);
    }
  };

  const deliveries = list.data?.deliveries ?? [];
  return (
    <div class="deliveries">
      <div class="toolbar">
        <h3>Deliveries</h3>
        <button type="button" class="btn" onClick={list.reload} disabled={list.loading}>
          Refresh deliveries
        </button>
      </div>
      {list.error ? <ErrorBanner error={list.error} /> : null}
      {replayError ? <ErrorBanner error={replayError} /> : null}
      {list.loading && !list.data ? <Loading /> : null}
      {list.data && deliveries.length === 0 ? <Empty>No delivery yet: one is made for each run result or auth event this subscription listens to.</Empty> : null}
      {deliveries.length > 0 ? (
        <TableScroll label="Deliveries">
          <table class="table deliveries-table">
            <caption class="muted">The {LIMIT} most recent deliveries, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Created</th>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col">About</th>
                <th scope="col">Attempts</th>
                <th scope="col" aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {deliveries.map((delivery) => (
                <tr key={delivery.id} data-testid={`delivery-${delivery.id}`}>
                  <td>{formatTime(delivery.created_at)}</td>
                  <td>{delivery.event}</td>
                  <td>
                    <StatusBadge status={delivery.status} />
                  </td>
                  <td>
                    {delivery.provider_config_key} / {delivery.connection_id}
                    {delivery.sync_name ? ` · ${delivery.sync_name}` : ''}
                    {delivery.model ? ` · ${delivery.model}` : ''}
                  </td>
                  <td>
                    <Attempts attempts={delivery.attempts} />
                  </td>
                  <td>
                    {canReplay && delivery.status === 'FAILED' ? (
                      <button type="button" class="btn" disabled={replaying === delivery.id} onClick={() => void replay(delivery)} aria-label={`Replay delivery ${delivery.id}`}>
                        Replay
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      ) : null}
    </div>
  );
}

function Attempts({ attempts }: { attempts: Delivery['attempts'] }) {
  if (attempts.length === 0) return <span class="muted">none yet</span>;
  return (
    <ol class="compact-list attempts">
      {attempts.map((attempt, index) => (
        // Attempts are append-only: the index is their identity.
        <li key={index}>
          {formatTime(attempt.at)}: {attempt.status_code === null ? 'no answer' : `HTTP ${attempt.status_code}`}
          {attempt.error ? ` — ${attempt.error}` : ''}
          {attempt.next_retry_at ? `; next retry ${formatTime(attempt.next_retry_at)}` : ''}
        </li>
      ))}
    </ol>
  );
}
