import { Duration } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { DataTables } from './data-tables.js';
import type { RunQueue } from './run-queue.js';
import { SynclineFunction } from './syncline-function.js';

export interface FanOutProps {
  readonly data: DataTables;
  readonly runQueue: RunQueue;
  /** Retention of the function's logs. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

/** The fan-out a schedule invokes: one run message per due connection of a sync. */
export class FanOut extends Construct {
  readonly function: SynclineFunction;

  constructor(scope: Construct, id: string, props: FanOutProps) {
    super(scope, id);
    const { data, runQueue } = props;

    this.function = new SynclineFunction(this, 'Function', {
      description: 'Syncline fan-out: queues one run per due connection of a sync',
      entry: 'functions/handlers/schedule/fan-out.lambda.ts',
      serviceName: 'syncline-fan-out',
      // Paging through many connections and sending batches of 10; far below a 1-minute rate
      // would be a smell, but a large tenant must not time out.
      timeout: Duration.minutes(5),
      memorySize: 512,
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
      environment: {
        STATE_TABLE: data.state.tableName,
        RECORDS_TABLE: data.records.tableName,
        RUN_QUEUE_URL: runQueue.queue.queueUrl,
      },
    });
    data.grantStateRead(this.function);
    runQueue.queue.grantSendMessages(this.function);
  }
}
