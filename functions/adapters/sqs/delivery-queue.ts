/**
 * The webhook delivery queue on SQS (the `DeliveryQueue` port).
 *
 * Retries up to a day apart with a queue whose delays cap at 15 minutes: a message carries its
 * due time, and the consumer puts an early message back with min(remaining, 900 s) — a chain of
 * hops, at most ~100 SendMessage calls for a 24-hour wait, a few cents a year per endpoint.
 * The alternative, one-time EventBridge Scheduler schedules (`at(...)`), fires once at the
 * right minute but costs a CreateSchedule + a role the scheduler assumes per retry, a cleanup
 * (ActionAfterCompletion) and a per-account schedule quota that a burst of failing endpoints
 * could exhaust; the queue keeps every retry in one place whose depth, age and DLQ we already
 * watch, and a replay is just one more message.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { asInfrastructureError } from '../../engine/errors.js';
import type { DeliveryMessage, DeliveryQueue } from '../../engine/webhooks/ports.js';
import { MAX_QUEUE_DELAY_S } from '../../engine/webhooks/attempt-delivery.js';

export interface SqsDeliveryQueueOptions {
  sqs: SQSClient;
  queueUrl: string;
  deadLetterQueueUrl: string;
}

export class SqsDeliveryQueue implements DeliveryQueue {
  constructor(private readonly options: SqsDeliveryQueueOptions) {}

  async send(message: DeliveryMessage, delaySeconds: number): Promise<void> {
    const delay = Math.max(0, Math.min(MAX_QUEUE_DELAY_S, Math.floor(delaySeconds)));
    await this.put(this.options.queueUrl, JSON.stringify(message), delay, 'queueing a webhook attempt');
  }

  async sendToDeadLetter(message: DeliveryMessage & { reason: string }): Promise<void> {
    await this.put(this.options.deadLetterQueueUrl, JSON.stringify(message), 0, 'parking a webhook delivery');
  }

  private async put(queueUrl: string, body: string, delaySeconds: number, what: string): Promise<void> {
    try {
      await this.options.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body, DelaySeconds: delaySeconds }));
    } catch (error) {
      throw asInfrastructureError(error, what);
    }
  }
}
