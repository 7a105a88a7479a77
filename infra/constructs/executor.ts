import { Duration } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import type { DataTables } from './data-tables.js';
import type { RunQueue } from './run-queue.js';
import { SynclineFunction } from './syncline-function.js';

/** The executor's timeout, exported so the run queue's visibility timeout can derive from it. */
export const EXECUTOR_TIMEOUT = Duration.minutes(15);

export interface ExecutorProps {
  readonly data: DataTables;
  readonly runQueue: RunQueue;
  /** Retention of the function's logs. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** Concurrent executions the queue may drive (also caps load on providers). @default 50 */
  readonly maxConcurrency?: number;
}

/** The SQS-triggered executor: runs one sync for one connection per message. */
export class Executor extends Construct {
  readonly function: SynclineFunction;

  constructor(scope: Construct, id: string, props: ExecutorProps) {
    super(scope, id);
    const { data, runQueue } = props;

    this.function = new SynclineFunction(this, 'Function', {
      description: 'Syncline executor: runs one sync for one connection',
      entry: 'functions/handlers/queue/executor.lambda.ts',
      serviceName: 'syncline-executor',
      // Lambda's maximum: a long run stops near the deadline and continues in a new message.
      timeout: EXECUTOR_TIMEOUT,
      memorySize: 1024,
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
      environment: {
        RECORDS_TABLE: data.records.tableName,
        STATE_TABLE: data.state.tableName,
        RUN_QUEUE_URL: runQueue.queue.queueUrl,
        KMS_KEY_ID: data.key.keyArn,
      },
    });
    // Credentials are envelope-encrypted: decrypt to call providers, encrypt refreshed OAuth tokens.
    data.grantEnvelopeSealOpen(this.function);
    data.grantRecordsReadWrite(this.function);
    data.grantStateReadWrite(this.function);
    // Continuations of a long run are queued by the executor itself.
    runQueue.queue.grantSendMessages(this.function);

    this.function.addEventSource(
      new SqsEventSource(runQueue.queue, {
        // One run per invocation: a run may use the whole 15 minutes, and a batch shares one
        // deadline — the last message of a batch would start with almost no time left.
        batchSize: 1,
        // A failed message goes back alone (and to the DLQ after maxReceiveCount), never the batch.
        reportBatchItemFailures: true,
        maxConcurrency: props.maxConcurrency ?? 50,
      }),
    );
  }
}
