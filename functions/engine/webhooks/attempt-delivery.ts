/**
 * One attempt of one delivery — the body of the webhook-delivery Lambda for one message.
 *
 * 1. A message that arrives before its due time is put back with the remaining delay, at most
 *    SQS's 15 minutes: long waits are chains of short hops (see `DeliveryQueue`).
 * 2. A stale message (its attempt was already made, or the delivery is finished) is dropped:
 *    SQS delivers at least once, and this keeps a duplicate from POSTing twice in the common case.
 * 3. The URL is checked again (DNS may have changed since the subscription was made), signed
 *    with the current secret and a fresh timestamp, and sent to the checked address.
 * 4. The answer decides: success; retry later (the next message is queued with its delay);
 *    failed (no retry, or the last attempt — a copy goes to the DLQ); gone (410: the
 *    subscription is disabled).
 *
 * The attempt is recorded with a condition on the number of attempts so far, so two copies of
 * one message racing each other record one attempt and schedule one follow-up.
 */
import type { Metrics } from '../metrics.js';
import type { Clock, Logger } from '../ports.js';
import { classifyAttempt, nextAttemptAt, type RetryPolicy } from './retry-policy.js';
import type { DeliveryAttempt, DeliveryMessage, DeliveryQueue, DeliveryStatus, HostResolver, WebhookDelivery, WebhookSender, WebhookStore } from './ports.js';
import { signWebhook } from './signing.js';
import { checkWebhookUrl } from './url-guard.js';

/** SQS's longest message delay. */
export const MAX_QUEUE_DELAY_S = 900;

export interface AttemptDeps {
  store: WebhookStore;
  queue: DeliveryQueue;
  sender: WebhookSender;
  resolve: HostResolver;
  clock: Clock;
  logger: Logger;
  policy: RetryPolicy;
  allowPrivate: boolean;
  allowHttp: boolean;
  random?: () => number;
  /** Counts attempts (succeeded, failed) and dead-lettered deliveries; the delivery handler flushes it. None when absent. */
  metrics?: Metrics;
}

export type AttemptResult =
  | { kind: 'DEFERRED'; dueAt: number }
  | { kind: 'STALE'; reason: string }
  | { kind: 'ATTEMPTED'; attempt: number; status: DeliveryStatus; statusCode: number | null; nextRetryAt: number | null };

/** Puts a message on the queue for `dueAt`: the delay is what remains, capped at SQS's maximum. */
export async function scheduleAttempt(queue: DeliveryQueue, message: DeliveryMessage, now: number): Promise<void> {
  const remainingS = Math.max(0, Math.floor((message.dueAt - now) / 1000));
  await queue.send(message, Math.min(remainingS, MAX_QUEUE_DELAY_S));
}

export async function attemptDelivery(deps: AttemptDeps, message: DeliveryMessage): Promise<AttemptResult> {
  const now = deps.clock.now();
  // Delays are whole seconds: a message less than a second early is due.
  if (message.dueAt - now >= 1000) {
    await scheduleAttempt(deps.queue, message, now);
    return { kind: 'DEFERRED', dueAt: message.dueAt };
  }
  const delivery = await deps.store.getDelivery(message.deliveryId);
  if (!delivery) return { kind: 'STALE', reason: 'the delivery does not exist (its subscription was deleted?)' };
  if (delivery.status !== 'PENDING') return { kind: 'STALE', reason: `the delivery is already ${delivery.status}` };
  if (delivery.attempts.length !== message.attempt - 1) return { kind: 'STALE', reason: `attempt ${message.attempt} was already made` };

  const subscription = await deps.store.getSubscription(delivery.subscriptionId);
  const secret = subscription?.enabled ? await deps.store.getSecret(subscription.id) : null;
  if (!subscription?.enabled || secret === null) {
    const reason = subscription ? `the subscription is disabled${subscription.disabledReason ? ` (${subscription.disabledReason})` : ''}` : 'the subscription was deleted';
    return finish(deps, delivery, message, { at: now, statusCode: null, error: reason, nextRetryAt: null }, 'FAILED');
  }

  const guard = await checkWebhookUrl(subscription.url, { allowPrivate: deps.allowPrivate, allowHttp: deps.allowHttp, resolve: deps.resolve });
  let statusCode: number | null = null;
  let error: string | null = null;
  let retryAfter: string | null = null;
  if (!guard.ok) {
    error = `URL refused: ${guard.reason}`;
    if (!guard.retryable) return finish(deps, delivery, message, { at: now, statusCode: null, error, nextRetryAt: null }, 'FAILED');
  } else {
    const headers = signWebhook({ secret, deliveryId: delivery.id, timestampS: Math.floor(now / 1000), body: delivery.body });
    const result = await deps.sender.send({
      url: guard.url,
      address: guard.address,
      family: guard.family,
      headers: { ...headers, 'User-Agent': 'Syncline-Webhooks/1' },
      body: delivery.body,
      timeoutMs: deps.policy.timeoutMs,
    });
    ({ statusCode, error, retryAfter } = result);
  }

  const outcome = classifyAttempt(statusCode);
  const at = deps.clock.now();
  if (outcome === 'SUCCEEDED') return finish(deps, delivery, message, { at, statusCode, error: null, nextRetryAt: null }, 'SUCCEEDED');
  if (outcome === 'GONE') {
    await deps.store.disableSubscription(subscription.id, `the endpoint answered 410 Gone at ${new Date(at).toISOString()}`);
    deps.logger.log('warn', `webhook subscription ${subscription.id} disabled: ${subscription.url} answered 410 Gone`);
    return finish(deps, delivery, message, { at, statusCode, error: error ?? 'endpoint gone (410); subscription disabled', nextRetryAt: null }, 'FAILED');
  }
  const attemptsMade = delivery.attempts.length - delivery.roundStart + 1;
  const next = outcome === 'RETRY' ? nextAttemptAt(deps.policy, { attemptsMade, roundStartedAt: delivery.roundStartedAt, now: at, retryAfter, ...(deps.random ? { random: deps.random } : {}) }) : null;
  const describe = error ?? (statusCode !== null ? `HTTP ${statusCode}` : 'no answer');
  if (next === null) return finish(deps, delivery, message, { at, statusCode, error: describe, nextRetryAt: null }, 'FAILED');
  return finish(deps, delivery, message, { at, statusCode, error: describe, nextRetryAt: next }, 'PENDING');
}

async function finish(deps: AttemptDeps, delivery: WebhookDelivery, message: DeliveryMessage, attempt: DeliveryAttempt, status: DeliveryStatus): Promise<AttemptResult> {
  const recorded = await deps.store.recordAttempt(delivery.id, delivery.attempts.length, attempt, status);
  if (!recorded) return { kind: 'STALE', reason: `attempt ${message.attempt} was recorded concurrently` };
  // Counted once recorded: a copy of the message that lost the race above counts nothing.
  deps.metrics?.count(status === 'SUCCEEDED' ? 'WebhookAttemptsSucceeded' : 'WebhookAttemptsFailed', 1);
  if (status === 'FAILED') deps.metrics?.count('WebhookDeadLettered', 1);
  const fields = { deliveryId: delivery.id, subscriptionId: delivery.subscriptionId, runId: delivery.runId };
  const answer = attempt.statusCode !== null ? `HTTP ${attempt.statusCode}` : (attempt.error ?? 'no answer');
  if (status === 'PENDING' && attempt.nextRetryAt !== null) {
    await scheduleAttempt(deps.queue, { deliveryId: delivery.id, attempt: message.attempt + 1, dueAt: attempt.nextRetryAt }, deps.clock.now());
    deps.logger.log('warn', `webhook ${delivery.id} attempt ${message.attempt}: ${answer}; next attempt at ${new Date(attempt.nextRetryAt).toISOString()}`, fields);
  } else if (status === 'FAILED') {
    await deps.queue.sendToDeadLetter({ ...message, reason: attempt.error ?? answer });
    deps.logger.log(
      'error',
      `webhook ${delivery.id} failed after attempt ${message.attempt}: ${attempt.error ?? answer}; parked in the DLQ, replay with POST /webhooks/deliveries/${delivery.id}/replay`,
      fields,
    );
  } else {
    deps.logger.log('info', `webhook ${delivery.id} delivered (attempt ${message.attempt}, ${answer})`, fields);
  }
  return { kind: 'ATTEMPTED', attempt: message.attempt, status, statusCode: attempt.statusCode, nextRetryAt: attempt.nextRetryAt };
}
