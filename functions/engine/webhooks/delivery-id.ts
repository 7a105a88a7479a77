/**
 * Ids of subscriptions and deliveries.
 *
 * A delivery id is a pure function of what it reports — (subscription, run, model) for a run
 * result, (subscription, connection, time of the auth error) for an auth error, (subscription,
 * execution) for an asynchronous action — so a stream
 * record delivered twice derives the same id and the conditional put creates nothing the
 * second time. Layout:
 *
 *   whd_<subscription hex, 16><event time, 9 base-36 chars><hash of what it reports, 16 hex>
 *
 * Fixed widths let the store find a delivery's subscription from its id alone (the replay API
 * is given only the delivery id), and the time part (a run's end, an auth error's time) makes
 * the ids of one subscription sort by event, so the store lists them newest first with one Query.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { RunRecord } from '../ports.js';
import { isBaseVariant } from '../state-ports.js';

const SUB_PREFIX = 'whsub_';
const DELIVERY_PREFIX = 'whd_';
const HEX16 = /^[0-9a-f]{16}$/;

export function newSubscriptionId(): string {
  return `${SUB_PREFIX}${randomBytes(8).toString('hex')}`;
}

export function isSubscriptionId(id: string): boolean {
  return id.startsWith(SUB_PREFIX) && HEX16.test(id.slice(SUB_PREFIX.length));
}

export function deliveryId(subscriptionId: string, run: RunRecord, model: string | null): string {
  const parts: unknown[] = [subscriptionId, run.providerConfigKey, run.syncName, run.connectionId, run.runId, model];
  // A run is keyed by its variant as well as its id (scheduled run ids already hash the variant in,
  // so two variants never share one): the variant is part of what the delivery reports. The base
  // variant adds nothing, so its runs keep the delivery ids they had before variants existed.
  if (!isBaseVariant(run.variant)) parts.push(run.variant);
  return composeDeliveryId(subscriptionId, run.finishedAt ?? run.startedAt, parts);
}

/**
 * The delivery of one auth event to one subscription: an auth error (one marking of a
 * connection, told apart by its time), or a connect (`creation` / `override`, told apart by the
 * time the connect flow wrote). A refresh error's parts are the ones it always had, so its ids
 * did not change when the connect events were added.
 */
export function authDeliveryId(subscriptionId: string, event: { providerConfigKey: string; connectionId: string; at: number; operation?: 'refresh' | 'creation' | 'override' }): string {
  const parts: unknown[] = [subscriptionId, 'auth', event.providerConfigKey, event.connectionId, event.at];
  if (event.operation !== undefined && event.operation !== 'refresh') parts.push(event.operation);
  return composeDeliveryId(subscriptionId, event.at, parts);
}

/**
 * The `async_action` webhook of one execution to one subscription: one per execution (an
 * execution finishes once), timed by its end so a subscription's deliveries still sort by event.
 */
export function actionDeliveryId(subscriptionId: string, execution: { id: string; createdAt: number; finishedAt: number | null }): string {
  return composeDeliveryId(subscriptionId, execution.finishedAt ?? execution.createdAt, [subscriptionId, 'async_action', execution.id]);
}

function composeDeliveryId(subscriptionId: string, at: number, parts: unknown[]): string {
  if (!isSubscriptionId(subscriptionId)) throw new Error(`not a subscription id: ${subscriptionId}`);
  const time = Math.max(0, Math.trunc(at)).toString(36).padStart(9, '0');
  const hash = createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
  return `${DELIVERY_PREFIX}${subscriptionId.slice(SUB_PREFIX.length)}${time}${hash}`;
}

/** The subscription a delivery id belongs to, or null when the id is malformed. */
export function subscriptionOfDelivery(id: string): string | null {
  if (!id.startsWith(DELIVERY_PREFIX) || id.length !== DELIVERY_PREFIX.length + 16 + 9 + 16) return null;
  const hex = id.slice(DELIVERY_PREFIX.length, DELIVERY_PREFIX.length + 16);
  return HEX16.test(hex) ? `${SUB_PREFIX}${hex}` : null;
}
