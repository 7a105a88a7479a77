/**
 * The executor's queue on SQS (the `RunQueue` port): SendMessageBatch with 10 messages per
 * call (SQS's maximum), a few calls in flight, and failed entries retried with backoff.
 * Duplicates are harmless: the executor drops a message whose run already finished.
 */
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { mapWithConcurrency } from '../../engine/concurrency.js';
import { asInfrastructureError } from '../../engine/errors.js';
import type { RunMessage, RunQueue } from '../../engine/ports.js';

export interface SqsRunQueueOptions {
  sqs: SQSClient;
  queueUrl: string;
  /** SendMessageBatch calls in flight at once. */
  concurrency?: number;
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

const BATCH = 10;

export class SqsRunQueue implements RunQueue {
  constructor(private readonly options: SqsRunQueueOptions) {}

  async send(messages: RunMessage[]): Promise<void> {
    const batches: RunMessage[][] = [];
    for (let i = 0; i < messages.length; i += BATCH) batches.push(messages.slice(i, i + BATCH));
    await mapWithConcurrency(batches, this.options.concurrency ?? 4, (batch) => this.sendBatch(batch));
  }

  private async sendBatch(batch: RunMessage[]): Promise<void> {
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    const maxAttempts = this.options.maxAttempts ?? 5;
    let entries = batch.map((message, i) => ({ Id: String(i), MessageBody: JSON.stringify(message) }));
    let lastError = '';
    for (let attempt = 0; entries.length > 0; attempt++) {
      if (attempt >= maxAttempts) {
        throw asInfrastructureError(new Error(`${entries.length} messages were not accepted after ${maxAttempts} attempts: ${lastError}`), 'queueing runs');
      }
      if (attempt > 0) await sleep(Math.random() * Math.min(5_000, 100 * 2 ** attempt));
      try {
        const response = await this.options.sqs.send(new SendMessageBatchCommand({ QueueUrl: this.options.queueUrl, Entries: entries }));
        const failed = new Set((response.Failed ?? []).map((f) => f.Id));
        lastError = (response.Failed ?? []).map((f) => `${f.Code}: ${f.Message}`).join('; ');
        // Sender faults (a malformed entry) will not succeed on retry.
        const senderFault = (response.Failed ?? []).find((f) => f.SenderFault);
        if (senderFault) throw new Error(`SQS refused a message: ${senderFault.Code} ${senderFault.Message}`);
        entries = entries.filter((entry) => failed.has(entry.Id));
      } catch (error) {
        if (error instanceof Error && error.message.startsWith('SQS refused')) throw asInfrastructureError(error, 'queueing runs');
        lastError = error instanceof Error ? error.message : String(error);
        if (attempt + 1 >= maxAttempts) throw asInfrastructureError(error, 'queueing runs');
      }
    }
  }
}
