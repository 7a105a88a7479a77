/**
 * The asynchronous actions' queue on SQS (the `ActionQueue` port): one message per execution id,
 * and one more per retry, delayed. Duplicates are harmless: the worker drops a message whose
 * execution has finished.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { ActionQueue } from '../../engine/actions/ports.js';
import { asInfrastructureError } from '../../engine/errors.js';

export interface SqsActionQueueOptions {
  sqs: SQSClient;
  queueUrl: string;
}

/** SQS's longest message delay. */
export const MAX_DELAY_SECONDS = 900;

export class SqsActionQueue implements ActionQueue {
  constructor(private readonly options: SqsActionQueueOptions) {}

  async send(message: { executionId: string }, delaySeconds = 0): Promise<void> {
    const delay = Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil(delaySeconds)));
    try {
      await this.options.sqs.send(
        new SendMessageCommand({ QueueUrl: this.options.queueUrl, MessageBody: JSON.stringify({ executionId: message.executionId }), ...(delay > 0 ? { DelaySeconds: delay } : {}) }),
      );
    } catch (error) {
      throw asInfrastructureError(error, `queueing action execution ${message.executionId}`);
    }
  }
}
