/**
 * Webhooks (`#/webhooks`): the subscriptions, each with its deliveries; create and delete with
 * `webhooks:write`, rotate the signing secret with a full key (a restricted key never sees an
 * existing subscription's secret). A secret the API hands out is shown once, in a panel that
 * stays until dismissed.
 */
import { useState } from 'preact/hooks';
import { apiCall } from '../api.js';
import { ConfirmButton, Empty, ErrorBanner, Loading, PageHeader, StatusBadge, formatTime, useAsync } from '../components/ui.js';
import type { Route } from '../router.js';
import { useSession } from '../session.js';
import { CreateSubscriptionForm, type Subscription, type SubscriptionWithSecret } from './webhooks-create.js';
import { Deliveries } from './webhooks-deliveries.js';
import { SecretPanel } from './webhooks-secret.js';

export function WebhooksPage({ route: _route }: { route: Route }) {
  const session = useSession();
  const canWrite = session.canWrite('webhooks');
  const list = useAsync(() => apiCall<{ subscriptions: Subscription[] }>('GET', '/webhooks/subscriptions'), [session.apiKey]);
  const [secret, setSecret] = useState<SubscriptionWithSecret | null>(null);
  const [actionError, setActionError] = useState<unknown>(undefined);

  const run = async (action: () => Promise<void>) => {
    setActionError(undefined);
    try {
      await action();
    } catch (error) {
      setActionError(error);
    } finally {
      list.reload();
    }
  };
  const remove = (subscription: Subscription) =>
    run(async () => {
      await apiCall('DELETE', `/webhooks/subscriptions/${encodeURIComponent(subscription.id)}`);
      if (secret?.id === subscription.id) setSecret(null);
    });
  const rotate = (subscription: Subscription) =>
    run(async () => setSecret(await apiCall<SubscriptionWithSecret>('POST', `/webhooks/subscriptions/${encodeURIComponent(subscription.id)}/rotate-secret`)));

  const subscriptions = list.data?.subscriptions ?? [];
  return (
    <div>
      <PageHeader title="Webhooks" />
      {!canWrite ? <p class="banner banner-readonly">This key may read webhooks but not change them (webhooks:write is needed to create, delete or replay).</p> : null}
      {secret ? <SecretPanel url={secret.url} secret={secret.secret} onDismiss={() => setSecret(null)} /> : null}
      {canWrite ? (
        <CreateSubscriptionForm
          onCreated={(created) => {
            setSecret(created);
            list.reload();
          }}
        />
      ) : null}
      {actionError ? <ErrorBanner error={actionError} /> : null}
      {list.error ? <ErrorBanner error={list.error} /> : null}
      {list.loading && !list.data ? <Loading /> : null}
      {list.data && subscriptions.length === 0 ? <Empty>No subscription yet.</Empty> : null}
      {subscriptions.map((subscription) => (
        <SubscriptionCard
          key={subscription.id}
          subscription={subscription}
          canWrite={canWrite}
          canRotate={session.isFull}
          onDelete={() => remove(subscription)}
          onRotate={() => rotate(subscription)}
        />
      ))}
    </div>
  );
}

function SubscriptionCard({
  subscription,
  canWrite,
  canRotate,
  onDelete,
  onRotate,
}: {
  subscription: Subscription;
  canWrite: boolean;
  canRotate: boolean;
  onDelete: () => Promise<void>;
  onRotate: () => Promise<void>;
}) {
  const [showDeliveries, setShowDeliveries] = useState(false);
  const headingId = `subscription-${subscription.id}`;
  return (
    <section class="card subscription" aria-labelledby={headingId}>
      <div class="toolbar">
        <h2 id={headingId} class="subscription-url">
          {subscription.url}
        </h2>
        <StatusBadge status={subscription.enabled ? 'ENABLED' : 'DISABLED'} />
      </div>
      {subscription.disabled_reason ? <p class="subscription-disabled">Disabled: {subscription.disabled_reason}</p> : null}
      <dl class="subscription-facts">
        <dt>Events</dt>
        <dd>{subscription.events.join(', ')}</dd>
        <dt>Always send success</dt>
        <dd>{subscription.always ? 'yes' : 'no, only models the run changed'}</dd>
        <dt>Created</dt>
        <dd>{formatTime(subscription.created_at)}</dd>
        <dt>ID</dt>
        <dd>
          <code>{subscription.id}</code>
        </dd>
      </dl>
      <div class="toolbar">
        <button type="button" class="btn" aria-expanded={showDeliveries} onClick={() => setShowDeliveries(!showDeliveries)}>
          {showDeliveries ? 'Hide deliveries' : 'Show deliveries'}
        </button>
        {canRotate ? (
          <ConfirmButton kind="default" onConfirm={onRotate} confirmText={`Rotate the signing secret of ${subscription.url}? Every attempt from now on, retries included, is signed with the new one.`}>
            Rotate secret
          </ConfirmButton>
        ) : null}
        {canWrite ? (
          <ConfirmButton onConfirm={onDelete} confirmText={`Delete the subscription to ${subscription.url}? Pending retries stop.`}>
            Delete subscription
          </ConfirmButton>
        ) : null}
      </div>
      {showDeliveries ? <Deliveries subscriptionId={subscription.id} canReplay={canWrite} /> : null}
    </section>
  );
}
