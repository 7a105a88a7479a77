/** The `WebhookStore` port in memory, for engine tests of webhook planning and subscriptions. */
import type { DeliveryAttempt, DeliveryStatus, WebhookDelivery, WebhookStore, WebhookSubscription } from '../../functions/engine/webhooks/ports.js';

export class MemoryWebhookStore implements WebhookStore {
  readonly subscriptions = new Map<string, WebhookSubscription>();
  readonly secrets = new Map<string, string>();
  readonly deliveries = new Map<string, WebhookDelivery>();

  async createSubscription(subscription: WebhookSubscription, secret: string): Promise<void> {
    this.subscriptions.set(subscription.id, structuredClone(subscription));
    this.secrets.set(subscription.id, secret);
  }
  async getSubscription(id: string): Promise<WebhookSubscription | null> {
    const found = this.subscriptions.get(id);
    return found ? structuredClone(found) : null;
  }
  async listSubscriptions(): Promise<WebhookSubscription[]> {
    return [...this.subscriptions.values()].map((s) => structuredClone(s));
  }
  async getSecret(id: string): Promise<string | null> {
    return this.secrets.get(id) ?? null;
  }
  async rotateSecret(id: string, secret: string): Promise<boolean> {
    if (!this.subscriptions.has(id)) return false;
    this.secrets.set(id, secret);
    return true;
  }
  async disableSubscription(id: string, reason: string): Promise<void> {
    const found = this.subscriptions.get(id);
    if (found) Object.assign(found, { enabled: false, disabledReason: reason });
  }
  async deleteSubscription(id: string): Promise<boolean> {
    this.secrets.delete(id);
    return this.subscriptions.delete(id);
  }
  async createDelivery(delivery: WebhookDelivery): Promise<boolean> {
    if (this.deliveries.has(delivery.id)) return false;
    this.deliveries.set(delivery.id, structuredClone(delivery));
    return true;
  }
  async getDelivery(id: string): Promise<WebhookDelivery | null> {
    const found = this.deliveries.get(id);
    return found ? structuredClone(found) : null;
  }
  async listDeliveries(subscriptionId: string, limit: number): Promise<WebhookDelivery[]> {
    return [...this.deliveries.values()]
      .filter((d) => d.subscriptionId === subscriptionId)
      .sort((a, b) => b.id.localeCompare(a.id))
      .slice(0, limit)
      .map((d) => structuredClone(d));
  }
  async markQueued(id: string): Promise<void> {
    const found = this.deliveries.get(id);
    if (found) found.queued = true;
  }
  async recordAttempt(id: string, expectedAttempts: number, attempt: DeliveryAttempt, status: DeliveryStatus): Promise<boolean> {
    const found = this.deliveries.get(id);
    if (found?.status !== 'PENDING' || found.attempts.length !== expectedAttempts) return false;
    found.attempts.push(attempt);
    found.status = status;
    return true;
  }
  async restart(id: string, now: number): Promise<WebhookDelivery | null> {
    const found = this.deliveries.get(id);
    if (!found || found.status === 'PENDING') return null;
    Object.assign(found, { status: 'PENDING', roundStart: found.attempts.length, roundStartedAt: now, queued: true, updatedAt: now });
    return structuredClone(found);
  }
}
