/**
 * Ids of subscriptions and deliveries.
 *
 * A delivery id is a pure function of (subscription, run, model), so a stream record delivered
 * twice derives the same id and the conditional put creates nothing the second time. Layout:
 *
 *   whd_<subscription hex, 16><run finish time, 9 base-36 chars><hash of subscription+run+model, 16 hex>
 *
 * Fixed widths let the store find a delivery's subscription from its id alone (the replay API
 * is given only the delivery id), and the time part makes the ids of one subscription sort by
 * run end, so the store lists them newest first with one Query.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { RunRecord } from '../ports.js';

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
  if (!isSubscriptionId(subscriptionId)) throw new Error(`not a subscription id: ${subscriptionId}`);
  const time = (run.finishedAt ?? run.startedAt).toString(36).padStart(9, '0');
  const hash = createHash('sha256')
    .update(JSON.stringify([subscriptionId, run.providerConfigKey, run.syncName, run.connectionId, run.runId, model]))
    .digest('hex')
    .slice(0, 16);
  return `${DELIVERY_PREFIX}${subscriptionId.slice(SUB_PREFIX.length)}${time}${hash}`;
}

/** The subscription a delivery id belongs to, or null when the id is malformed. */
export function subscriptionOfDelivery(id: string): string | null {
  if (!id.startsWith(DELIVERY_PREFIX) || id.length !== DELIVERY_PREFIX.length + 16 + 9 + 16) return null;
  const hex = id.slice(DELIVERY_PREFIX.length, DELIVERY_PREFIX.length + 16);
  return HEX16.test(hex) ? `${SUB_PREFIX}${hex}` : null;
}
