/**
 * The local stand-in for Lambda's SQS event source mapping: long-polls a queue and invokes the
 * same handler the Lambda runs, with a real-shaped `SQSEvent`, then deletes what succeeded.
 *
 * Semantics kept from Lambda (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html):
 * - a handler that returns nothing, or no `batchItemFailures`, succeeded for the whole batch;
 * - `batchItemFailures` leaves exactly those messages on the queue; an identifier that is not
 *   a message id of the batch makes the whole batch fail, as Lambda does;
 * - a handler that throws, or runs past `timeoutMs`, deletes nothing: the messages come back
 *   after the visibility timeout and, past `maxReceiveCount`, SQS moves them to the DLQ.
 *
 * Differences: a timed-out handler cannot be killed in-process, so its outcome is ignored but
 * the loop still waits for it (no unbounded pile-up, and `stop()` really drains). The context
 * carries only what Syncline's handlers read (`awsRequestId`, `getRemainingTimeInMillis`).
 */
import { randomUUID } from 'node:crypto';
import { DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type Message, type MessageAttributeValue, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSMessageAttribute, SQSRecord, SQSRecordAttributes } from 'aws-lambda';

/** The part of the Lambda context the local runtime provides. */
export interface LocalLambdaContext {
  awsRequestId: string;
  getRemainingTimeInMillis(): number;
}

export type SqsBatchHandler = (event: SQSEvent, context: LocalLambdaContext) => Promise<SQSBatchResponse | void>;

export interface QueuePollerOptions {
  sqs: SQSClient;
  queueUrl: string;
  handler: SqsBatchHandler;
  /** Messages per invocation, 1–10 (the event source mapping's `BatchSize`); default 1. */
  batchSize?: number;
  /** Parallel receive loops, i.e. concurrent invocations; default 2. */
  concurrency?: number;
  /** The simulated Lambda timeout; `getRemainingTimeInMillis` counts down from it. */
  timeoutMs: number;
  /** Long-poll wait, 0–20 s; default 20. */
  waitTimeSeconds?: number;
  /** Receives handler errors, timeouts and failed SQS calls; default: `console.error`. */
  onError?(error: unknown): void;
  /** Clock for the deadline; default `Date.now`. */
  now?: () => number;
}

export interface QueuePoller {
  /** Stops receiving (aborting the long polls), waits for in-flight handlers and deletes. Idempotent. */
  stop(): Promise<void>;
}

const DEFAULT_BATCH_SIZE = 1;
const DEFAULT_CONCURRENCY = 2;
const DEFAULT_WAIT_TIME_S = 20;
/** Pause after a failed receive, so an emulator that is down is not hammered. */
const RECEIVE_RETRY_DELAY_MS = 1_000;
/** Pause after an empty short poll (`waitTimeSeconds: 0`), for the same reason. */
const EMPTY_POLL_DELAY_MS = 100;
const SQS_BATCH_LIMIT = 10;

export function startQueuePoller(options: QueuePollerOptions): QueuePoller {
  const { sqs, queueUrl, handler, batchSize = DEFAULT_BATCH_SIZE, concurrency = DEFAULT_CONCURRENCY, timeoutMs, waitTimeSeconds = DEFAULT_WAIT_TIME_S, now = Date.now } = options;
  assertRange('batchSize', batchSize, 1, SQS_BATCH_LIMIT);
  assertRange('concurrency', concurrency, 1, Number.MAX_SAFE_INTEGER);
  assertRange('waitTimeSeconds', waitTimeSeconds, 0, 20);
  if (!(timeoutMs > 0)) throw new Error(`timeoutMs must be positive, got ${timeoutMs}`);

  const report = options.onError ?? ((error: unknown) => console.error('[queue-poller]', error));
  const abort = new AbortController();
  let stopped = false;
  let eventSourceArn: Promise<string> | undefined;

  const resolveArn = (): Promise<string> =>
    (eventSourceArn ??= readQueueArn(sqs, queueUrl, abort.signal).catch((error: unknown) => {
      eventSourceArn = undefined; // retried on the next turn of the loop
      throw error;
    }));

  const receive = async (): Promise<{ arn: string; messages: Message[] }> => {
    const arn = await resolveArn();
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: batchSize,
        WaitTimeSeconds: waitTimeSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: abort.signal },
    );
    return { arn, messages: Messages ?? [] };
  };

  const invoke = async (arn: string, messages: Message[]): Promise<void> => {
    const event: SQSEvent = { Records: messages.map((message) => toRecord(message, arn)) };
    const deadline = now() + timeoutMs;
    const context: LocalLambdaContext = {
      awsRequestId: randomUUID(),
      getRemainingTimeInMillis: () => Math.max(0, deadline - now()),
    };
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      report(new Error(`Handler for ${queueUrl} ran past its ${timeoutMs} ms timeout; its messages will be redelivered`));
    }, timeoutMs);
    let result: SQSBatchResponse | void;
    try {
      result = await handler(event, context);
    } catch (error) {
      report(new Error(`Handler for ${queueUrl} failed; its ${messages.length} message(s) will be redelivered`, { cause: error }));
      return;
    } finally {
      clearTimeout(timer);
    }
    if (timedOut) return;
    const failed = failedMessageIds(result, event.Records);
    if (failed === 'all') {
      report(new Error(`Handler for ${queueUrl} returned an invalid batchItemFailures; the whole batch will be redelivered`));
      return;
    }
    await deleteMessages(
      sqs,
      queueUrl,
      messages.filter((m) => !failed.has(m.MessageId ?? '')),
      report,
    );
  };

  const loop = async (): Promise<void> => {
    while (!stopped) {
      let batch: { arn: string; messages: Message[] };
      try {
        batch = await receive();
      } catch (error) {
        if (stopped) return;
        report(new Error(`ReceiveMessage on ${queueUrl} failed`, { cause: error }));
        await pause(RECEIVE_RETRY_DELAY_MS, abort.signal);
        continue;
      }
      // Messages received just before a stop are handled, not left invisible until they time out.
      if (batch.messages.length > 0) await invoke(batch.arn, batch.messages);
      else if (waitTimeSeconds === 0) await pause(EMPTY_POLL_DELAY_MS, abort.signal);
    }
  };

  const loops = Array.from({ length: concurrency }, () => loop());
  let stopping: Promise<void> | undefined;
  return {
    stop: () =>
      (stopping ??= (async () => {
        stopped = true;
        abort.abort();
        await Promise.allSettled(loops);
      })()),
  };
}

/** Message ids to keep on the queue, or `'all'` when the response is malformed (Lambda's rule). */
function failedMessageIds(result: SQSBatchResponse | void, records: SQSRecord[]): Set<string> | 'all' {
  if (result === undefined || result === null || typeof result !== 'object') return new Set();
  const failures: unknown = (result as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return 'all';
  const ids = new Set(records.map((r) => r.messageId));
  const failed = new Set<string>();
  for (const failure of failures) {
    const id: unknown = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || !ids.has(id)) return 'all';
    failed.add(id);
  }
  return failed;
}

async function deleteMessages(sqs: SQSClient, queueUrl: string, messages: Message[], report: (e: unknown) => void): Promise<void> {
  for (let start = 0; start < messages.length; start += SQS_BATCH_LIMIT) {
    const chunk = messages.slice(start, start + SQS_BATCH_LIMIT);
    try {
      const { Failed } = await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map((m, index) => ({ Id: String(index), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
      for (const failure of Failed ?? []) {
        report(new Error(`DeleteMessage on ${queueUrl} failed for entry ${failure.Id}: ${failure.Code} ${failure.Message ?? ''}`));
      }
    } catch (error) {
      report(new Error(`DeleteMessageBatch on ${queueUrl} failed; ${chunk.length} message(s) will be redelivered`, { cause: error }));
    }
  }
}

async function readQueueArn(sqs: SQSClient, queueUrl: string, signal: AbortSignal): Promise<string> {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }), { abortSignal: signal });
  const arn = Attributes?.QueueArn;
  if (arn === undefined) throw new Error(`GetQueueAttributes ${queueUrl} returned no QueueArn`);
  return arn;
}

/** The record Lambda builds from a received message (field names and shapes as in AWS). */
function toRecord(message: Message, eventSourceArn: string): SQSRecord {
  const attributes = (message.Attributes ?? {}) as Record<string, string>;
  const record: SQSRecord = {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? '',
      SenderId: attributes.SenderId ?? '',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? '',
      ...attributes,
    } satisfies SQSRecordAttributes,
    messageAttributes: Object.fromEntries(Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [name, toRecordAttribute(value)])),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: eventSourceArn,
    awsRegion: eventSourceArn.split(':')[3] ?? '',
  };
  if (message.MD5OfMessageAttributes !== undefined) record.md5OfMessageAttributes = message.MD5OfMessageAttributes;
  return record;
}

function toRecordAttribute(value: MessageAttributeValue): SQSMessageAttribute {
  const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
  return {
    ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
    ...(value.BinaryValue !== undefined ? { binaryValue: base64(value.BinaryValue) } : {}),
    stringListValues: value.StringListValues ?? [],
    binaryListValues: (value.BinaryListValues ?? []).map(base64),
    dataType: value.DataType ?? 'String',
  };
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(finish, ms);
    function finish(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', finish);
      done();
    }
    signal.addEventListener('abort', finish, { once: true });
  });
}

function assertRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
}
