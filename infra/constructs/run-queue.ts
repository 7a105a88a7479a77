import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface RunQueueProps {
  /** The consumer's (executor's) function timeout; the visibility timeout is six times it. */
  readonly consumerTimeout: Duration;
  /** Deliveries before a message is parked in the DLQ. @default 5 */
  readonly maxReceiveCount?: number;
}

/**
 * The executor's work queue and its dead-letter queue, with an alarm on anything parked there.
 *
 * Visibility timeout = 6 × the consumer timeout (AWS's advice for Lambda event sources): a
 * message must stay invisible while an invocation may still be working on it, with room for
 * the poller's retries, or a long run is delivered twice while still running.
 */
export class RunQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  /** Fires as soon as one message is in the DLQ: a run failed on infrastructure five times. */
  readonly deadLetterAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: RunQueueProps) {
    super(scope, id);
    const maxReceiveCount = props.maxReceiveCount ?? 5;

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // The longest SQS allows: time to find the cause and redrive.
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });

    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLettersAlarm', {
      alarmDescription: 'Syncline runs failed repeatedly and were parked in the run DLQ',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}
