/**
 * Proves the local SQS stand-ins against the real emulator: the poller feeds a handler the way
 * Lambda's event source mapping does (event shape, deletes on success, partial batch failures,
 * redelivery after a throw or a timeout) and SQS moves a message that keeps failing to the DLQ.
 * No sleeps: every wait is a handler signal or an SQS long poll.
 */
import { createHash, randomUUID } from 'node:crypto';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startQueuePoller, type LocalLambdaContext, type QueuePoller } from '../../functions/local/queue-poller.js';
import { startSqsEmulator, type QueueWithDlq, type SqsEmulator } from '../../functions/local/sqs-emulator.js';

let emulator: SqsEmulator;
let sqs: SQSClient;
const pollers: QueuePoller[] = [];
const errors: unknown[] = [];

beforeAll(async () => {
  emulator = await startSqsEmulator({ port: 0 });
  sqs = emulator.client;
});

afterEach(async () => {
  await Promise.all(pollers.splice(0).map((poller) => poller.stop()));
  errors.length = 0;
});

afterAll(async () => {
  await emulator?.stop();
});

/** A fresh queue per test: 1 s visibility and 2 receives keep redelivery and the DLQ move fast. */
function freshQueue(): Promise<QueueWithDlq> {
  return emulator.createQueueWithDlq(`runs-${randomUUID().slice(0, 8)}`, { visibilityTimeoutS: 1, maxReceiveCount: 2 });
}

type Handler = (event: SQSEvent, context: LocalLambdaContext) => Promise<SQSBatchResponse | void>;

interface PollExtras {
  timeoutMs?: number;
  /** Sees each reported error too (they are always collected in `errors`). */
  onError?: (error: unknown) => void;
}

function poll(queueUrl: string, handler: Handler, extra: PollExtras = {}): QueuePoller {
  const poller = startQueuePoller({
    sqs,
    queueUrl,
    handler,
    batchSize: 10,
    concurrency: 2,
    timeoutMs: extra.timeoutMs ?? 60_000,
    waitTimeSeconds: 20,
    onError: (error) => {
      errors.push(error);
      extra.onError?.(error);
    },
  });
  pollers.push(poller);
  return poller;
}

async function send(queueUrl: string, bodies: string[]): Promise<void> {
  await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: bodies.map((body, index) => ({
        Id: String(index),
        MessageBody: body,
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'run' } },
      })),
    }),
  );
}

async function queueDepth(queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }),
  );
  return Object.values(Attributes).reduce((sum, n) => sum + Number(n), 0);
}

function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

/** Lets pending I/O callbacks and timers of 0 ms run once; not a wait for an outcome. */
const turn = (): Promise<void> => new Promise((done) => setImmediate(done));

describe('queue poller against the SQS emulator', () => {
  it('delivers real-shaped records, deletes successes, retries a failed item and parks it in the DLQ', async () => {
    const queue = await freshQueue();
    const deliveries: SQSRecord[] = [];
    const okDone = deferred();
    poll(queue.queueUrl, async (event) => {
      deliveries.push(...event.Records);
      if (deliveries.filter((r) => r.body.startsWith('ok')).length === 2) okDone.resolve();
      return { batchItemFailures: event.Records.filter((r) => r.body === 'fail').map((r) => ({ itemIdentifier: r.messageId })) };
    });

    await send(queue.queueUrl, ['ok-1', 'ok-2', 'fail']);
    await okDone.promise;
    // After two failed receives the poller's next receive makes SQS move the message.
    const { Messages: parked = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.dlqUrl, WaitTimeSeconds: 15, MessageSystemAttributeNames: ['All'] }));
    await pollers[0]!.stop();

    expect(parked.map((m) => m.Body)).toEqual(['fail']);
    const failedDeliveries = deliveries.filter((r) => r.body === 'fail');
    expect(failedDeliveries.map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['1', '2']);
    expect(
      deliveries
        .filter((r) => r.body.startsWith('ok'))
        .map((r) => r.body)
        .sort(),
    ).toEqual(['ok-1', 'ok-2']);
    expect(await queueDepth(queue.queueUrl)).toBe(0);

    const record = deliveries.find((r) => r.body === 'ok-1')!;
    expect(record).toMatchObject({
      eventSource: 'aws:sqs',
      eventSourceARN: queue.queueArn,
      awsRegion: 'us-east-1',
      md5OfBody: createHash('md5').update('ok-1').digest('hex'),
      messageAttributes: { kind: { stringValue: 'run', stringListValues: [], binaryListValues: [], dataType: 'String' } },
      attributes: { ApproximateReceiveCount: '1', SenderId: expect.any(String) },
    });
    expect(Number(record.attributes.SentTimestamp)).toBeGreaterThan(0);
    expect(Number(record.attributes.ApproximateFirstReceiveTimestamp)).toBeGreaterThan(0);
    expect(record.messageId).toMatch(/\S/);
    expect(record.receiptHandle).toMatch(/\S/);
    expect(errors).toEqual([]);
  });

  it('deletes nothing when the handler throws: the message comes back after the visibility timeout', async () => {
    const queue = await freshQueue();
    const counts: string[] = [];
    const secondDone = deferred();
    poll(queue.queueUrl, async (event) => {
      counts.push(event.Records[0]!.attributes.ApproximateReceiveCount);
      if (counts.length === 1) throw new Error('crash in the executor');
      secondDone.resolve();
    });

    await send(queue.queueUrl, ['run-1']);
    await secondDone.promise;
    await pollers[0]!.stop();

    expect(counts).toEqual(['1', '2']);
    expect(await queueDepth(queue.queueUrl)).toBe(0);
    expect(errors).toHaveLength(1);
    expect(((errors[0] as Error).cause as Error).message).toBe('crash in the executor');
  });

  it('fails the whole batch when batchItemFailures names a message that is not in it, as Lambda does', async () => {
    const queue = await freshQueue();
    const counts: string[] = [];
    const secondDone = deferred();
    poll(queue.queueUrl, async (event) => {
      counts.push(event.Records[0]!.attributes.ApproximateReceiveCount);
      if (counts.length === 1) return { batchItemFailures: [{ itemIdentifier: 'not-a-message-id' }] };
      secondDone.resolve();
    });

    await send(queue.queueUrl, ['run-1']);
    await secondDone.promise;
    await pollers[0]!.stop();

    expect(counts).toEqual(['1', '2']);
    expect(await queueDepth(queue.queueUrl)).toBe(0);
  });

  it('treats a handler that outlives timeoutMs as failed, and counts the remaining time down from it', async () => {
    const queue = await freshQueue();
    const remaining: number[] = [];
    const timedOut = deferred();
    const secondDone = deferred();
    let calls = 0;
    poll(
      queue.queueUrl,
      async (_event, context) => {
        calls += 1;
        remaining.push(context.getRemainingTimeInMillis());
        if (calls === 1) {
          await timedOut.promise; // returns "success" only after the poller declared the timeout
          remaining.push(context.getRemainingTimeInMillis());
          return;
        }
        secondDone.resolve();
      },
      { timeoutMs: 300, onError: (error) => /timeout/.test(String(error)) && timedOut.resolve() },
    );

    await send(queue.queueUrl, ['run-1']);
    await secondDone.promise;
    await pollers[0]!.stop();

    expect(calls).toBe(2);
    expect(remaining[0]).toBeGreaterThan(200);
    expect(remaining[0]).toBeLessThanOrEqual(300);
    expect(remaining[1]).toBe(0);
    expect(await queueDepth(queue.queueUrl)).toBe(0);
    expect(errors.map(String)).toEqual([expect.stringMatching(/ran past its 300 ms timeout/)]);
  });

  it('stop() aborts an idle long poll at once and waits for an in-flight handler before resolving', async () => {
    const idle = await freshQueue();
    const idlePoller = poll(idle.queueUrl, async () => undefined);
    await turn();
    const stopStartedAt = Date.now();
    await idlePoller.stop();
    expect(Date.now() - stopStartedAt).toBeLessThan(2_000); // the long poll is 20 s

    const busy = await freshQueue();
    const entered = deferred();
    const release = deferred();
    const busyPoller = poll(busy.queueUrl, async () => {
      entered.resolve();
      await release.promise;
    });
    await send(busy.queueUrl, ['run-1']);
    await entered.promise;

    let stopped = false;
    const stopping = busyPoller.stop().then(() => (stopped = true));
    await turn();
    expect(stopped).toBe(false);
    release.resolve();
    await stopping;

    expect(await queueDepth(busy.queueUrl)).toBe(0); // the handler's success was still acted on
    expect(errors).toEqual([]);
  });
});
