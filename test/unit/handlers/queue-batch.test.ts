/**
 * The executor and webhook-delivery handlers' partial batch responses (Powertools Batch): a
 * malformed message and an infrastructure failure are reported back, outcomes delete the message,
 * and a batch whose every message failed is still an answer, never a thrown error.
 */
import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { ExecutorDeps } from '../../../functions/engine/orchestration/handle-run-message.js';
import type { AttemptDeps } from '../../../functions/engine/webhooks/attempt-delivery.js';
import type { DeliveryMessage } from '../../../functions/engine/webhooks/ports.js';
import { makeExecutorHandler } from '../../../functions/handlers/queue/executor-handler.js';
import { makeWebhookDeliveryHandler } from '../../../functions/handlers/queue/webhook-delivery-handler.js';
import { MemoryMetrics } from '../../support/memory-metrics.js';

const NOW = 1_700_000_000_000;
const context = { awsRequestId: 'req-1', getRemainingTimeInMillis: () => 60_000 };
const sqsEvent = (...bodies: string[]): SQSEvent => ({ Records: bodies.map((body, i) => ({ messageId: `m${i}`, body }) as SQSEvent['Records'][number]) });

describe('the executor handler', () => {
  it('reports a lone malformed message back rather than throwing, and flushes its metrics', async () => {
    const logs: string[] = [];
    const metrics = new MemoryMetrics();
    const deps = { clock: { now: () => NOW }, metrics, logger: { log: (level: string, message: string) => void logs.push(`${level} ${message}`) } } as unknown as ExecutorDeps;

    const response = await makeExecutorHandler(deps)(sqsEvent('not json'), context);

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm0' }] });
    expect(logs).toEqual(['error unreadable run message m0: body is not JSON']);
    expect(metrics.flushes).toBe(1);
  });
});

describe('the webhook-delivery handler', () => {
  function setup() {
    const sent: string[] = [];
    const logs: string[] = [];
    const metrics = new MemoryMetrics();
    const queue = {
      // Messages not yet due go back on the queue; `d-down` finds it unavailable.
      send: async (message: DeliveryMessage) => {
        if (message.deliveryId === 'd-down') throw new Error('queue unavailable');
        sent.push(message.deliveryId);
      },
    };
    const deps = { clock: { now: () => NOW }, queue, metrics, logger: { log: (level: string, message: string) => void logs.push(`${level} ${message}`) } } as unknown as AttemptDeps;
    return { handler: makeWebhookDeliveryHandler(deps), sent, logs, metrics };
  }
  const later = (deliveryId: string) => JSON.stringify({ deliveryId, attempt: 1, dueAt: NOW + 60_000 });

  it('deletes outcomes and reports a malformed message and an infrastructure failure back', async () => {
    const { handler, sent, logs, metrics } = setup();

    const response = await handler(sqsEvent(later('d-ok'), '{"deliveryId":""}', later('d-down')));

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }, { itemIdentifier: 'm2' }] });
    expect(sent).toEqual(['d-ok']);
    expect(logs).toEqual(['error unreadable webhook message m1', 'error webhook d-down attempt 1 failed on infrastructure, will be retried: queue unavailable']);
    expect(metrics.flushes).toBe(1);
  });

  it('answers with every message when every one failed, rather than throwing', async () => {
    const { handler } = setup();

    expect(await handler(sqsEvent(later('d-down')))).toEqual({ batchItemFailures: [{ itemIdentifier: 'm0' }] });
  });
});
