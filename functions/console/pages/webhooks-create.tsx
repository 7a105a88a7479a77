/**
 * The form creating a webhook subscription: URL, events (all by default, as the API) and
 * `always`. On failure the form keeps what was typed and shows the API's reason (a refused URL
 * names why: not https, a private address…).
 */
import { useState } from 'preact/hooks';
import { apiCall } from '../api.js';
import { ErrorBanner } from '../components/ui.js';

/** `WEBHOOK_EVENTS` in `functions/engine/webhooks/ports.ts`. */
export const WEBHOOK_EVENTS = ['sync.success', 'sync.error', 'auth.refresh_error', 'auth.creation', 'auth.override', 'async_action'] as const;

/** `SubscriptionSchema` in `functions/api/routes/webhooks.schemas.ts`. */
export interface Subscription {
  id: string;
  url: string;
  events: string[];
  always: boolean;
  enabled: boolean;
  disabled_reason: string | null;
  created_at: string;
}

export type SubscriptionWithSecret = Subscription & { secret: string };

export function CreateSubscriptionForm({ onCreated }: { onCreated: (created: SubscriptionWithSecret) => void }) {
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>([...WEBHOOK_EVENTS]);
  const [always, setAlways] = useState(true);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (events.length === 0) return setError(new Error('Choose at least one event.'));
    setBusy(true);
    setError(undefined);
    try {
      const created = await apiCall<SubscriptionWithSecret>('POST', '/webhooks/subscriptions', { body: { url: url.trim(), events, always } });
      setUrl('');
      onCreated(created);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card subscription-form" onSubmit={(e) => void submit(e)} aria-labelledby="create-subscription-heading">
      <h2 id="create-subscription-heading">New subscription</h2>
      {error ? <ErrorBanner error={error} /> : null}
      <div class="field">
        <label for="subscription-url">Endpoint URL</label>
        <input id="subscription-url" type="url" required value={url} onInput={(e) => setUrl(e.currentTarget.value)} placeholder="https://example.com/webhooks/syncline" autocomplete="off" />
      </div>
      <fieldset class="webhook-events">
        <legend>Events</legend>
        {WEBHOOK_EVENTS.map((name) => (
          <label key={name} class="check-label">
            <input type="checkbox" checked={events.includes(name)} onChange={(e) => setEvents(e.currentTarget.checked ? [...events, name] : events.filter((x) => x !== name))} /> <code>{name}</code>
          </label>
        ))}
      </fieldset>
      <label class="check-label">
        <input type="checkbox" checked={always} onChange={(e) => setAlways(e.currentTarget.checked)} /> Always send sync.success, even for a model the run did not change
      </label>
      <div class="toolbar">
        <button type="submit" class="btn btn-primary" disabled={busy}>
          Create subscription
        </button>
      </div>
    </form>
  );
}
