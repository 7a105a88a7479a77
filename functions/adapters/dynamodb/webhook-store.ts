/**
 * Webhook subscriptions and deliveries on the state table (the `WebhookStore` port).
 *
 *   subscription  pk = WEBHOOK_SUB        sk = <subscription id>   kind = WEBHOOK_SUB
 *   delivery      pk = WEBHOOK_DLV#<sub>  sk = <delivery id>       kind = WEBHOOK_DELIVERY
 *
 * All subscriptions share one partition: there are a handful per deployment and the stream
 * handler reads them all for every run result (one Query). A subscription's deliveries share a
 * partition, and delivery ids embed the run's end time after a fixed prefix, so a descending
 * Query lists them newest first. Deliveries expire (TTL) 30 days after their last change.
 *
 * The signing secret is stored only as `secretEnc`, envelope-encrypted with the SecretCipher
 * (KMS in AWS) and bound to the subscription id; it never sits in an item in plain text.
 * Neither kind is `RUN` nor `CONNECTION`, so the webhook stream filter never sees these writes.
 * A subscription's `events` and `always` are read as stored: changing the defaults for new
 * subscriptions changes no existing one.
 */
import { getItemConsistent, withInfrastructureErrors, queryPages } from './dynamo-calls.js';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { asInfrastructureError } from '../../engine/errors.js';
import type { SecretCipher } from '../../engine/ports.js';
import { subscriptionOfDelivery } from '../../engine/webhooks/delivery-id.js';
import type { DeliveryAttempt, DeliveryStatus, WebhookDelivery, WebhookStore, WebhookSubscription } from '../../engine/webhooks/ports.js';

const DELIVERY_TTL_S = 30 * 86_400;
const SUB_PK = 'WEBHOOK_SUB';

export const webhookKeys = {
  subscription: (id: string) => ({ pk: SUB_PK, sk: id }),
  delivery: (subscriptionId: string, deliveryId: string) => ({ pk: `WEBHOOK_DLV#${subscriptionId}`, sk: deliveryId }),
};

export interface DynamoWebhookStoreOptions {
  doc: DynamoDBDocumentClient;
  tableName: string;
  /** Needed for the secret (create, rotate, read); the run-results function works without it. */
  cipher?: SecretCipher;
  now?: () => number;
}

export class DynamoWebhookStore implements WebhookStore {
  private readonly now: () => number;

  constructor(private readonly options: DynamoWebhookStoreOptions) {
    this.now = options.now ?? Date.now;
  }

  private get table(): string {
    return this.options.tableName;
  }

  async createSubscription(subscription: WebhookSubscription, secret: string): Promise<void> {
    const secretEnc = await this.seal(subscription.id, secret);
    await withInfrastructureErrors('saving a webhook subscription', () =>
      this.options.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...webhookKeys.subscription(subscription.id), kind: 'WEBHOOK_SUB', ...subscription, secretEnc },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  async getSubscription(id: string): Promise<WebhookSubscription | null> {
    const item = await getItemConsistent(this.options.doc, this.table, webhookKeys.subscription(id), 'reading a webhook subscription');
    return item ? toSubscription(item) : null;
  }

  async listSubscriptions(): Promise<WebhookSubscription[]> {
    const items: Record<string, unknown>[] = [];
    const pages = queryPages(
      this.options.doc,
      {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': SUB_PK },
        ConsistentRead: true,
      },
      'listing webhook subscriptions',
    );
    for await (const response of pages) items.push(...(response.Items ?? []));
    return items.map(toSubscription);
  }

  async getSecret(id: string): Promise<string | null> {
    const item = await getItemConsistent(this.options.doc, this.table, webhookKeys.subscription(id), 'reading a webhook secret');
    if (!item) return null;
    const cipher = this.requireCipher();
    return Buffer.from(await cipher.decrypt(item['secretEnc'] as Uint8Array, secretContext(id))).toString('utf8');
  }

  async rotateSecret(id: string, secret: string): Promise<boolean> {
    const secretEnc = await this.seal(id, secret);
    return this.updateIfExists(webhookKeys.subscription(id), 'SET secretEnc = :s, secretRotatedAt = :now', { ':s': secretEnc, ':now': this.now() }, 'rotating a webhook secret');
  }

  async disableSubscription(id: string, reason: string): Promise<void> {
    await this.updateIfExists(webhookKeys.subscription(id), 'SET enabled = :f, disabledReason = :r', { ':f': false, ':r': reason }, 'disabling a webhook subscription');
  }

  async deleteSubscription(id: string): Promise<boolean> {
    const response = await withInfrastructureErrors('deleting a webhook subscription', () =>
      this.options.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key: webhookKeys.subscription(id),
          ReturnValues: 'ALL_OLD',
        }),
      ),
    );
    // Its deliveries stay until their TTL: the history of a deleted endpoint can still be read by id.
    return response.Attributes !== undefined;
  }

  async createDelivery(delivery: WebhookDelivery): Promise<boolean> {
    try {
      await this.options.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...webhookKeys.delivery(delivery.subscriptionId, delivery.id), kind: 'WEBHOOK_DELIVERY', ...delivery, ttl: this.ttl() },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw asInfrastructureError(error, 'saving a webhook delivery');
    }
  }

  async getDelivery(id: string): Promise<WebhookDelivery | null> {
    const subscriptionId = subscriptionOfDelivery(id);
    if (!subscriptionId) return null;
    const item = await getItemConsistent(this.options.doc, this.table, webhookKeys.delivery(subscriptionId, id), 'reading a webhook delivery');
    return item ? toDelivery(item) : null;
  }

  async listDeliveries(subscriptionId: string, limit: number): Promise<WebhookDelivery[]> {
    const response = await withInfrastructureErrors('listing webhook deliveries', () =>
      this.options.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': webhookKeys.delivery(subscriptionId, '').pk },
          ScanIndexForward: false,
          Limit: limit,
        }),
      ),
    );
    return (response.Items ?? []).map(toDelivery);
  }

  async markQueued(id: string): Promise<void> {
    const subscriptionId = subscriptionOfDelivery(id);
    if (!subscriptionId) return;
    await this.updateIfExists(webhookKeys.delivery(subscriptionId, id), 'SET queued = :t', { ':t': true }, 'marking a webhook delivery queued');
  }

  async recordAttempt(id: string, expectedAttempts: number, attempt: DeliveryAttempt, status: DeliveryStatus): Promise<boolean> {
    const subscriptionId = subscriptionOfDelivery(id);
    if (!subscriptionId) return false;
    try {
      await this.options.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: webhookKeys.delivery(subscriptionId, id),
          UpdateExpression: 'SET attempts = list_append(attempts, :a), #status = :s, updatedAt = :now, #ttl = :ttl',
          ConditionExpression: '#status = :pending AND size(attempts) = :n',
          ExpressionAttributeNames: { '#status': 'status', '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':a': [attempt], ':s': status, ':now': this.now(), ':ttl': this.ttl(), ':pending': 'PENDING', ':n': expectedAttempts },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw asInfrastructureError(error, 'recording a webhook attempt');
    }
  }

  async restart(id: string, now: number): Promise<WebhookDelivery | null> {
    const current = await this.getDelivery(id);
    if (!current || current.status === 'PENDING') return null;
    const subscriptionId = current.subscriptionId;
    try {
      // The new round starts after the attempts made so far (an update expression cannot call size()).
      const response = await this.options.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: webhookKeys.delivery(subscriptionId, id),
          UpdateExpression: 'SET #status = :pending, roundStart = :n, roundStartedAt = :now, queued = :t, updatedAt = :now, #ttl = :ttl',
          ConditionExpression: '#status = :was AND size(attempts) = :n',
          ExpressionAttributeNames: { '#status': 'status', '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':pending': 'PENDING', ':was': current.status, ':n': current.attempts.length, ':now': now, ':t': true, ':ttl': this.ttl() },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toDelivery(response.Attributes!);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return null;
      throw asInfrastructureError(error, 'restarting a webhook delivery');
    }
  }

  private async seal(id: string, secret: string): Promise<Uint8Array> {
    return this.requireCipher().encrypt(Buffer.from(secret, 'utf8'), secretContext(id));
  }

  private requireCipher(): SecretCipher {
    if (!this.options.cipher) throw new Error('the webhook store needs a cipher to handle signing secrets');
    return this.options.cipher;
  }

  private ttl(): number {
    return Math.floor(this.now() / 1000) + DELIVERY_TTL_S;
  }

  private async updateIfExists(key: { pk: string; sk: string }, update: string, values: Record<string, unknown>, what: string): Promise<boolean> {
    try {
      await this.options.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key,
          UpdateExpression: update,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw asInfrastructureError(error, what);
    }
  }
}

/** The encryption context of a signing secret: it opens only on its own subscription. */
export function secretContext(subscriptionId: string): Record<string, string> {
  return { purpose: 'webhook-secret', subscriptionId };
}

function toSubscription(item: Record<string, unknown>): WebhookSubscription {
  return {
    id: item['sk'] as string,
    url: item['url'] as string,
    events: item['events'] as WebhookSubscription['events'],
    always: item['always'] === true,
    enabled: item['enabled'] !== false,
    disabledReason: (item['disabledReason'] as string | undefined) ?? null,
    createdAt: item['createdAt'] as number,
  };
}

function toDelivery(item: Record<string, unknown>): WebhookDelivery {
  const { pk: _pk, sk: _sk, kind: _kind, ttl: _ttl, ...delivery } = item;
  const nullable = (name: string) => (delivery[name] as string | null | undefined) ?? null;
  return { ...(delivery as unknown as WebhookDelivery), syncName: nullable('syncName'), runId: nullable('runId'), model: nullable('model') };
}
