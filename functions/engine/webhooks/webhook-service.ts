/**
 * What the HTTP API does with webhooks: subscriptions (the secret is returned only at creation
 * and rotation), their deliveries, and replay of a finished delivery.
 */
import { ConflictError, NotFoundError } from '../errors.js';
import type { Clock } from '../ports.js';
import { newSubscriptionId } from './delivery-id.js';
import { DEFAULT_SUBSCRIPTION, type DeliveryQueue, type HostResolver, type WebhookDelivery, type WebhookEvent, type WebhookStore, type WebhookSubscription } from './ports.js';
import { generateWebhookSecret } from './signing.js';
import { checkWebhookUrl } from './url-guard.js';

/** The URL was refused by the SSRF guard or is malformed (→ 400). */
export class WebhookUrlError extends Error {
  override readonly name = 'WebhookUrlError';
}

export interface WebhookServiceDeps {
  store: WebhookStore;
  queue: DeliveryQueue;
  resolve: HostResolver;
  clock: Clock;
  allowPrivate: boolean;
  allowHttp: boolean;
}

export class WebhookService {
  constructor(private readonly deps: WebhookServiceDeps) {}

  /** `events` and `always` default to `DEFAULT_SUBSCRIPTION` (Nango's new-environment settings). */
  async createSubscription(input: { url: string; events?: readonly WebhookEvent[]; always?: boolean }): Promise<WebhookSubscription & { secret: string }> {
    const guard = await checkWebhookUrl(input.url, { allowPrivate: this.deps.allowPrivate, allowHttp: this.deps.allowHttp, resolve: this.deps.resolve });
    if (!guard.ok) throw new WebhookUrlError(`the webhook URL is refused: ${guard.reason}`);
    const subscription: WebhookSubscription = {
      id: newSubscriptionId(),
      url: guard.url.toString(),
      events: [...new Set(input.events ?? DEFAULT_SUBSCRIPTION.events)],
      always: input.always ?? DEFAULT_SUBSCRIPTION.always,
      enabled: true,
      disabledReason: null,
      createdAt: this.deps.clock.now(),
    };
    const secret = generateWebhookSecret();
    await this.deps.store.createSubscription(subscription, secret);
    return { ...subscription, secret };
  }

  listSubscriptions(): Promise<WebhookSubscription[]> {
    return this.deps.store.listSubscriptions();
  }

  async getSubscription(id: string): Promise<WebhookSubscription> {
    const subscription = await this.deps.store.getSubscription(id);
    if (!subscription) throw new NotFoundError(`unknown webhook subscription "${id}"`);
    return subscription;
  }

  async deleteSubscription(id: string): Promise<void> {
    if (!(await this.deps.store.deleteSubscription(id))) throw new NotFoundError(`unknown webhook subscription "${id}"`);
  }

  /** A new secret takes effect for the next attempt of every delivery, including pending retries. */
  async rotateSecret(id: string): Promise<WebhookSubscription & { secret: string }> {
    const secret = generateWebhookSecret();
    if (!(await this.deps.store.rotateSecret(id, secret))) throw new NotFoundError(`unknown webhook subscription "${id}"`);
    return { ...(await this.getSubscription(id)), secret };
  }

  async listDeliveries(subscriptionId: string, limit: number): Promise<WebhookDelivery[]> {
    await this.getSubscription(subscriptionId);
    return this.deps.store.listDeliveries(subscriptionId, limit);
  }

  /**
   * Starts a new round of attempts (same id, same body: receivers dedupe on `webhook-id`). Only a
   * finished delivery can be replayed; one still PENDING is already being retried.
   */
  async replay(deliveryId: string): Promise<WebhookDelivery> {
    const existing = await this.deps.store.getDelivery(deliveryId);
    if (!existing) throw new NotFoundError(`unknown webhook delivery "${deliveryId}"`);
    const now = this.deps.clock.now();
    const restarted = await this.deps.store.restart(deliveryId, now);
    if (!restarted) throw new ConflictError(`webhook delivery "${deliveryId}" is still being retried; replay it once it has failed or succeeded`);
    await this.deps.queue.send({ deliveryId, attempt: restarted.attempts.length + 1, dueAt: now }, 0);
    return restarted;
  }
}
