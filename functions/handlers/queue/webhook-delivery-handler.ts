/**
 * The webhook-delivery Lambda's logic, shared by AWS and the local poller: each SQS message is
 * one attempt of one delivery. The messages of a batch are attempted concurrently, so one slow
 * endpoint (up to the 15 s timeout) does not hold up the others; each message is its own
 * delivery, so one dead endpoint never blocks another's queue. Outcomes — delivered, retry
 * scheduled, failed, stale — all delete the message; only an infrastructure failure is
 * reported back, so SQS redelivers it (and in the end parks it in the DLQ).
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { z } from 'zod';
import { attemptDelivery, type AttemptDeps } from '../../engine/webhooks/attempt-delivery.js';
import type { DeliveryMessage } from '../../engine/webhooks/ports.js';

export const DeliveryMessageSchema = z.object({
  deliveryId: z.string().min(1),
  attempt: z.number().int().min(1),
  dueAt: z.number(),
}) satisfies z.ZodType<DeliveryMessage>;

export function makeWebhookDeliveryHandler(deps: AttemptDeps) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const failures = await attemptAll(event).finally(() => deps.metrics?.flush());
    return { batchItemFailures: failures.filter((id): id is string => id !== null).map((itemIdentifier) => ({ itemIdentifier })) };
  };

  function attemptAll(event: SQSEvent): Promise<(string | null)[]> {
    return Promise.all(
      event.Records.map(async (record) => {
        let message: DeliveryMessage;
        try {
          message = DeliveryMessageSchema.parse(JSON.parse(record.body));
        } catch {
          deps.logger.log('error', `unreadable webhook message ${record.messageId}`);
          return record.messageId;
        }
        try {
          const result = await attemptDelivery(deps, message);
          if (result.kind === 'STALE') deps.logger.log('debug', `webhook ${message.deliveryId} attempt ${message.attempt} dropped: ${result.reason}`);
          return null;
        } catch (error) {
          deps.logger.log('error', `webhook ${message.deliveryId} attempt ${message.attempt} failed on infrastructure, will be retried: ${error instanceof Error ? error.message : String(error)}`);
          return record.messageId;
        }
      }),
    );
  }
}
