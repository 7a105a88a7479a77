/**
 * A finished run → its webhooks. For a SUCCESS run: one delivery per (subscription that wants
 * `sync.success`, model), skipping a model the run did not change unless the subscription asks
 * for `always`. For an ERROR run: one delivery per subscription that wants `sync.error`. A
 * CANCELLED run sends nothing (a person stopped it; nothing new to fetch, nothing broke).
 *
 * Idempotent under redelivery of the same stream record: delivery ids are deterministic and
 * created with a conditional put. The first attempt is queued after the create and the
 * delivery is then marked `queued`, so a crash between the two is repaired when the record is
 * processed again (an existing, unqueued delivery is queued again), and nothing is sent twice
 * in the normal case. Every run result is also published as an event (EventBridge), one per
 * model for a success, one for an error — at least once, as EventBridge itself delivers.
 */
import { isNotifiedRunStatus } from '../model/run.js';
import type { Clock, Logger, RunRecord } from '../ports.js';
import { deliveryId } from './delivery-id.js';
import { buildErrorPayload, buildSuccessPayload, hasChanges, serializePayload } from './payload.js';
import type { DeliveryQueue, EventPublisher, PublishedEvent, WebhookBody, WebhookDelivery, WebhookEvent, WebhookStore, WebhookSubscription } from './ports.js';

export interface CreateDeliveriesDeps {
  store: WebhookStore;
  queue: DeliveryQueue;
  events: EventPublisher;
  clock: Clock;
  logger: Logger;
  /**
   * The first attempt waits until this long after the run finished: the records API's
   * visibility lag, so a receiver that fetches `modified_after` at once sees the whole run.
   */
  settleMs?: number;
}

export interface RunResultOutcome {
  created: string[];
  /** Deliveries that already existed (a repeated stream record). */
  existing: string[];
  published: number;
}

export async function handleRunResult(deps: CreateDeliveriesDeps, run: RunRecord): Promise<RunResultOutcome> {
  const outcome: RunResultOutcome = { created: [], existing: [], published: 0 };
  if (!isNotifiedRunStatus(run.status)) return outcome;
  const subscriptions = (await deps.store.listSubscriptions()).filter((s) => s.enabled);
  const notBefore = (run.finishedAt ?? deps.clock.now()) + (deps.settleMs ?? 0);
  for (const item of plan(run, subscriptions)) {
    const created = await ensureDelivery(deps, item, notBefore);
    (created ? outcome.created : outcome.existing).push(item.id);
  }
  const events = publishedEvents(run);
  if (events.length > 0) await deps.events.publish(events);
  outcome.published = events.length;
  return outcome;
}

/** One webhook to create: who gets it, what it reports, and the body. */
export interface PlannedDelivery {
  id: string;
  subscription: WebhookSubscription;
  event: WebhookEvent;
  providerConfigKey: string;
  connectionId: string;
  syncName: string | null;
  runId: string | null;
  model: string | null;
  payload: WebhookBody;
}

function plan(run: RunRecord, subscriptions: WebhookSubscription[]): PlannedDelivery[] {
  const planned: PlannedDelivery[] = [];
  const about = { providerConfigKey: run.providerConfigKey, connectionId: run.connectionId, syncName: run.syncName, runId: run.runId };
  for (const subscription of subscriptions) {
    if (run.status === 'ERROR') {
      if (!subscription.events.includes('sync.error')) continue;
      planned.push({ id: deliveryId(subscription.id, run, null), subscription, event: 'sync.error', ...about, model: null, payload: buildErrorPayload(run) });
      continue;
    }
    if (!subscription.events.includes('sync.success')) continue;
    for (const model of Object.keys(run.results)) {
      if (!subscription.always && !hasChanges(run.results[model])) continue;
      planned.push({ id: deliveryId(subscription.id, run, model), subscription, event: 'sync.success', ...about, model, payload: buildSuccessPayload(run, model) });
    }
  }
  return planned;
}

/**
 * Creates the delivery unless it exists, and queues its first attempt (not before `notBefore`)
 * unless that was done already; true when this call created it. Shared by every kind of webhook.
 */
export async function ensureDelivery(deps: Pick<CreateDeliveriesDeps, 'store' | 'queue' | 'clock' | 'logger'>, item: PlannedDelivery, notBefore: number): Promise<boolean> {
  const now = deps.clock.now();
  const delivery: WebhookDelivery = {
    id: item.id,
    subscriptionId: item.subscription.id,
    event: item.event,
    providerConfigKey: item.providerConfigKey,
    connectionId: item.connectionId,
    syncName: item.syncName,
    runId: item.runId,
    model: item.model,
    body: serializePayload(item.payload),
    status: 'PENDING',
    attempts: [],
    roundStart: 0,
    roundStartedAt: now,
    queued: false,
    createdAt: now,
    updatedAt: now,
  };
  const created = await deps.store.createDelivery(delivery);
  const current = created ? delivery : await deps.store.getDelivery(item.id);
  if (current && !current.queued && current.status === 'PENDING' && current.attempts.length === 0) {
    const dueAt = Math.max(now, notBefore);
    await deps.queue.send({ deliveryId: item.id, attempt: 1, dueAt }, Math.ceil((dueAt - now) / 1000));
    await deps.store.markQueued(item.id);
    const fields = { providerConfigKey: item.providerConfigKey, connectionId: item.connectionId, ...(item.syncName ? { syncName: item.syncName } : {}), ...(item.runId ? { runId: item.runId } : {}) };
    deps.logger.log('info', `webhook ${item.id} queued for ${item.subscription.url} (${item.event}${item.model ? ` ${item.model}` : ''})`, fields);
  }
  return created;
}

function publishedEvents(run: RunRecord): PublishedEvent[] {
  if (run.status === 'ERROR') return [{ detailType: 'sync.error', detail: buildErrorPayload(run) }];
  return Object.keys(run.results).map((model) => ({ detailType: 'sync.success' as const, detail: buildSuccessPayload(run, model) }));
}
