/**
 * A finished asynchronous action → Nango's `async_action` webhook to every enabled subscription
 * that wants `async_action`, and one published event (the `ActionWebhookSender` port the actions
 * worker calls).
 *
 * Same pipeline as run results and auth events (`ensureDelivery`: conditional create, queue,
 * mark queued; then signing, retries and the DLQ in `attemptDelivery`). The delivery id is
 * derived from the subscription and the execution, so a redelivered queue message that finishes
 * the same execution again creates nothing new. Unlike run results, the first attempt is not
 * delayed: the webhook points at the execution, which is already stored when this runs.
 *
 * Only asynchronous executions that are done (SUCCESS, or ERROR after the last attempt, as the
 * worker decides) are announced, as Nango announces only its async actions: a synchronous
 * trigger has its answer already.
 *
 * The event is published when this call created at least one delivery, so a redelivered
 * message (the worker re-sends the webhook of a finished execution) publishes nothing again.
 * With no subscription to deduplicate against, it is published every time: at least once, as
 * EventBridge delivers anyway. The cost of the rule: a crash between the deliveries and the
 * publish loses that execution's event (its webhooks are kept).
 */
import type { ActionExecution, ActionWebhookSender } from '../actions/ports.js';
import { buildAsyncActionPayload } from './action-payload.js';
import { ensureDelivery, type CreateDeliveriesDeps, type PlannedDelivery, type RunResultOutcome } from './create-deliveries.js';
import { actionDeliveryId } from './delivery-id.js';
import type { PublishedEvent } from './ports.js';

export interface ActionDeliveriesDeps extends CreateDeliveriesDeps {
  /** The deployment's name (Nango's `environment`); the `async_action` body has no field for it, kept for the logs' sake. */
  environment?: string;
}

const EVENT = 'async_action' as const;

/** Creates the deliveries (and publishes the event) of one finished asynchronous execution. */
export async function deliverActionWebhook(deps: ActionDeliveriesDeps, execution: ActionExecution): Promise<RunResultOutcome> {
  const outcome: RunResultOutcome = { created: [], existing: [], published: 0 };
  if (execution.mode !== 'async' || (execution.status !== 'SUCCESS' && execution.status !== 'ERROR')) return outcome;
  const published: PublishedEvent = { detailType: EVENT, detail: buildAsyncActionPayload(execution) };
  const subscriptions = (await deps.store.listSubscriptions()).filter((s) => s.enabled && s.events.includes(EVENT));
  const about = { providerConfigKey: execution.providerConfigKey, connectionId: execution.connectionId, syncName: null, runId: execution.id, model: null };
  for (const subscription of subscriptions) {
    const item: PlannedDelivery = { id: actionDeliveryId(subscription.id, execution), subscription, event: EVENT, ...about, payload: published.detail };
    const created = await ensureDelivery(deps, item, deps.clock.now());
    (created ? outcome.created : outcome.existing).push(item.id);
  }
  if (subscriptions.length > 0 && outcome.created.length === 0) return outcome;
  await deps.events.publish([published]);
  outcome.published = 1;
  return outcome;
}

/** The `ActionWebhookSender` the actions worker is given. */
export function makeActionWebhookSender(deps: ActionDeliveriesDeps): ActionWebhookSender {
  return {
    async asyncActionFinished(execution) {
      await deliverActionWebhook(deps, execution);
    },
  };
}
