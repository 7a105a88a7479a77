/**
 * Runs the SQS emulator (the npm package `fauxqs`) in-process, for `npm start` and the
 * integration tests. Queues are created through the real SQS API, so the redrive policy, the
 * visibility timeout and the DLQ move behave as the SDK and the AWS docs describe.
 *
 * Invariants: the emulator listens on 127.0.0.1 only (a developer's queues are not reachable
 * from the network), and its state lives in memory — a restart starts with empty queues.
 */
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { buildApp } from 'fauxqs';

export interface SqsEmulatorOptions {
  /** 0 or undefined = let the OS pick a free port. */
  port?: number;
}

export interface QueueWithDlqOptions {
  /** How long a received message stays invisible before it is delivered again. */
  visibilityTimeoutS: number;
  /** Receives after which SQS moves a message to the DLQ (on the next receive attempt). */
  maxReceiveCount: number;
}

export interface QueueWithDlq {
  queueUrl: string;
  queueArn: string;
  dlqUrl: string;
  dlqArn: string;
}

export interface SqsEmulator {
  endpoint: string;
  port: number;
  /** A client for this emulator; destroyed by `stop()`. */
  client: SQSClient;
  /** Creates `<name>-dlq` and `<name>` with a redrive policy to it; idempotent for equal settings. */
  createQueueWithDlq(name: string, options: QueueWithDlqOptions): Promise<QueueWithDlq>;
  /** Closes the server (pending long polls return empty) and the client. Idempotent. */
  stop(): Promise<void>;
}

/** The region the emulator is addressed with; queue ARNs carry it. */
export const SQS_LOCAL_REGION = 'us-east-1';

// The emulator accepts any credentials; static ones stop the SDK from probing the default
// provider chain (env, ~/.aws, IMDS) on a developer machine or in CI.
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

/** Points an SQS client at a local emulator endpoint. */
export function makeLocalSqsClient(endpoint: string): SQSClient {
  return new SQSClient({ endpoint, region: SQS_LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 3 });
}

export async function startSqsEmulator(options: SqsEmulatorOptions = {}): Promise<SqsEmulator> {
  // `startFauxqs` binds 0.0.0.0; building the app ourselves lets us bind loopback only. Queue
  // URLs come out as `http://sqs.us-east-1.localhost:<port>/000000000000/<name>`; the SDK sends
  // every call to the configured endpoint, so the URL's host is only an identifier.
  const app = buildApp({ logger: false, defaultRegion: SQS_LOCAL_REGION });
  await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') {
    await app.close();
    throw new Error('The SQS emulator did not report a TCP address');
  }
  const endpoint = `http://127.0.0.1:${address.port}`;
  const client = makeLocalSqsClient(endpoint);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      client.destroy();
      await app.close();
    })());

  return {
    endpoint,
    port: address.port,
    client,
    createQueueWithDlq: (name, queueOptions) => createQueueWithDlq(client, name, queueOptions),
    stop,
  };
}

/** Works against any SQS endpoint, the emulator or AWS. */
export async function createQueueWithDlq(sqs: SQSClient, name: string, { visibilityTimeoutS, maxReceiveCount }: QueueWithDlqOptions): Promise<QueueWithDlq> {
  if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1) {
    throw new Error(`maxReceiveCount must be a positive integer, got ${maxReceiveCount}`);
  }
  const dlq = await createQueue(sqs, `${name}-dlq`, {
    // The longest retention SQS allows, so a parked message survives a long weekend.
    MessageRetentionPeriod: String(14 * 24 * 3600),
  });
  const queue = await createQueue(sqs, name, {
    VisibilityTimeout: String(visibilityTimeoutS),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: String(maxReceiveCount) }),
  });
  return { queueUrl: queue.url, queueArn: queue.arn, dlqUrl: dlq.url, dlqArn: dlq.arn };
}

async function createQueue(sqs: SQSClient, name: string, attributes: Record<string, string>): Promise<{ url: string; arn: string }> {
  const { QueueUrl: url } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  if (url === undefined) throw new Error(`CreateQueue ${name} returned no QueueUrl`);
  return { url, arn: await getQueueArn(sqs, url) };
}

export async function getQueueArn(sqs: SQSClient, queueUrl: string): Promise<string> {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  const arn = Attributes?.QueueArn;
  if (arn === undefined) throw new Error(`GetQueueAttributes ${queueUrl} returned no QueueArn`);
  return arn;
}
