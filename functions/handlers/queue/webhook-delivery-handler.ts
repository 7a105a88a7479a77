/**
 * The webhook-delivery Lambda's logic, shared by AWS and the local poller: each SQS message is
 * one attempt of one delivery. The messages of a batch are attempted concurrently, so one slow
 * endpoint (up to the 15 s timeout) does not hold up the others; each message is its own
 * delivery, so one dead endpoint never blocks another's queue. Outcomes — delivered, retry
 * scheduled, failed, stale — all delete the message; only an infrastructure failure is
 * reported back, so SQS redelivers it (and in the end parks it in the DLQ).
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod';
import { attemptDelivery, type AttemptDeps } from '../../engine/webhooks/attempt-delivery.js';
import type { DeliveryMessage } from '../../engine/webhooks/ports.js';

export const DeliveryMessageSchema = z.object({
  deliveryId: z.string().min(1),
  attempt: z.number().int().min(1),
  dueAt: z.number(),
}) satisfies z.ZodType<DeliveryMessage>;

export function makeWebhookDeliveryHandler(deps: AttemptDeps) {
  // A fresh processor per invocation, since the local poller runs invocations concurrently; a
  // batch whose every record failed is still a partial response, not an exception.
  return (event: SQSEvent): Promise<SQSBatchResponse> =>
    processPartialResponse(event, attemptOne, new BatchProcessor(EventType.SQS), { processInParallel: true, throwOnFullBatchFailure: false }).finally(() => deps.metrics?.flush());

  /** Returns for an outcome (the message is deleted); throws for a failure (it is reported back). */
  async function attemptOne(record: SQSRecord): Promise<void> {
    let message: DeliveryMessage;
    try {
      message = DeliveryMessageSchema.parse(JSON.parse(record.body));
    } catch (error) {
      deps.logger.log('error', `unreadable webhook message ${record.messageId}`);
      throw error;
    }
    try {
      const result = await attemptDelivery(deps, message);
      if (result.kind === 'STALE') deps.logger.log('debug', `webhook ${message.deliveryId} attempt ${message.attempt} dropped: ${result.reason}`);
    } catch (error) {
      deps.logger.log('error', `webhook ${message.deliveryId} attempt ${message.attempt} failed on infrastructure, will be retried: ${error instanceof Error ? error.message : String(error)}`);
      throw error;
    }
  }
}
