import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { WEBHOOK_STREAM_FILTER_PATTERNS } from '../../functions/handlers/stream/run-result-filter.js';
import type { DataTables } from './data-tables.js';
import { SynclineFunction } from './syncline-function.js';

export interface WebhooksProps {
  readonly data: DataTables;
  /** Concurrent delivery invocations (each handles up to 10 endpoints at once). @default 20 */
  readonly maxDeliveryConcurrency?: number;
  /** The deployment's name in auth webhooks (Nango's `environment`). @default 'prod' */
  readonly environmentName?: string;
  /** Retention of the functions' logs. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

/** 15 s per POST, the batch's POSTs run concurrently; room for DynamoDB, KMS and SQS calls. */
const DELIVERY_TIMEOUT = Duration.seconds(60);

/**
 * Webhooks: the state table's stream → run-results function (filtered to runs that just
 * finished and connections just marked with an auth error) → one SQS message per delivery →
 * webhook-delivery function → the customer's URL. Retries are chained SQS delays (see
 * functions/adapters/sqs/delivery-queue.ts for why not one-time schedules); a delivery out of
 * attempts is copied to the DLQ and replayable through the API. Run results and auth errors
 * also go to an EventBridge bus.
 *
 * Stream settings (a poison record must not block a shard for 24 h): bisect a failing
 * batch, at most 10 retries, records older than 6 hours are given up on, and whatever is given
 * up lands in an SQS on-failure destination (its metadata points at the records) with an alarm.
 */
export class Webhooks extends Construct {
  readonly deliveryQueue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly streamFailures: sqs.Queue;
  readonly bus: events.EventBus;
  readonly runResults: SynclineFunction;
  readonly delivery: SynclineFunction;
  readonly deadLetterAlarm: cloudwatch.Alarm;
  readonly streamFailureAlarm: cloudwatch.Alarm;
  readonly iteratorAgeAlarm: cloudwatch.Alarm;
  /** The deployment's name in webhooks (Nango's `environment`), for other functions that create deliveries. */
  readonly environmentName: string;

  constructor(scope: Construct, id: string, props: WebhooksProps) {
    super(scope, id);
    const { data } = props;
    this.environmentName = props.environmentName ?? 'prod';

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.deliveryQueue = new sqs.Queue(this, 'Deliveries', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(DELIVERY_TIMEOUT.toSeconds() * 6),
      // Past the 24 h+ retry span a message is never needed: the chain re-sends a fresh one each hop.
      retentionPeriod: Duration.days(4),
      // Messages the handler could not process (infrastructure) five times; attempts that ran out go there explicitly.
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });
    this.streamFailures = new sqs.Queue(this, 'StreamFailures', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.streamFailures).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: "It is a DLQ: the stream event source's on-failure destination (not an SQS redrive, which cdk-nag cannot see).",
    });
    this.bus = new events.EventBus(this, 'Bus', { description: 'Syncline run results and auth events: sync.success, sync.error, auth.refresh_error, auth.creation, auth.override, async_action' });

    const logRetention = props.logRetention ? { logRetention: props.logRetention } : {};
    const queueEnv = {
      STATE_TABLE: data.state.tableName,
      DELIVERY_QUEUE_URL: this.deliveryQueue.queueUrl,
      DELIVERY_DLQ_URL: this.deadLetterQueue.queueUrl,
    };

    this.runResults = new SynclineFunction(this, 'RunResults', {
      description: 'Syncline run results and auth errors: creates webhook deliveries and publishes events',
      entry: 'functions/handlers/stream/run-results.lambda.ts',
      serviceName: 'syncline-run-results',
      timeout: Duration.seconds(60),
      memorySize: 512,
      ...logRetention,
      environment: { ...queueEnv, EVENT_BUS_NAME: this.bus.eventBusName, SYNCLINE_ENVIRONMENT: this.environmentName },
    });
    // Reads subscriptions, writes deliveries; no key grant beyond DynamoDB's: it never opens a
    // secret (a connection's sealed credentials in its stream image are never decoded, and
    // could not be opened without the key).
    data.grantStateReadWrite(this.runResults);
    this.deliveryQueue.grantSendMessages(this.runResults);
    this.bus.grantPutEventsTo(this.runResults);
    this.runResults.addEventSource(
      new DynamoEventSource(data.state, {
        // TRIM_HORIZON: results written while the function was being (re)deployed are not lost.
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        filters: WEBHOOK_STREAM_FILTER_PATTERNS.map((pattern) => lambda.FilterCriteria.filter(pattern)),
        batchSize: 25,
        maxBatchingWindow: Duration.seconds(0),
        bisectBatchOnError: true,
        retryAttempts: 10,
        maxRecordAge: Duration.hours(6),
        reportBatchItemFailures: true,
        parallelizationFactor: 1,
        onFailure: new SqsDlq(this.streamFailures),
      }),
    );
    Validations.of(this.runResults.role as iam.Role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'dynamodb:ListStreams (granted by the stream event source) has no resource type in IAM; the stream reads themselves are on the stream ARN.',
    });

    this.delivery = new SynclineFunction(this, 'Delivery', {
      description: 'Syncline webhook delivery: one signed POST per message, retries chained on the queue',
      entry: 'functions/handlers/queue/webhook-delivery.lambda.ts',
      serviceName: 'syncline-webhook-delivery',
      timeout: DELIVERY_TIMEOUT,
      memorySize: 256,
      ...logRetention,
      environment: { ...queueEnv, KMS_KEY_ID: data.key.keyArn, SYNCLINE_WEBHOOK_ALLOW_PRIVATE: 'false' },
    });
    data.grantStateReadWrite(this.delivery);
    // Signing secrets are envelope-encrypted with the data key: the delivery only decrypts them.
    data.grantEnvelopeOpen(this.delivery);
    this.deliveryQueue.grantSendMessages(this.delivery);
    this.deadLetterQueue.grantSendMessages(this.delivery);
    this.delivery.addEventSource(
      new SqsEventSource(this.deliveryQueue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(0),
        reportBatchItemFailures: true,
        maxConcurrency: props.maxDeliveryConcurrency ?? 20,
      }),
    );

    const failing = (name: string, description: string, metric: cloudwatch.IMetric, threshold = 0) =>
      new cloudwatch.Alarm(this, name, {
        alarmDescription: description,
        metric,
        threshold,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    this.deadLetterAlarm = failing(
      'DeadLettersAlarm',
      'Syncline webhooks ran out of attempts and were parked in the webhook DLQ (replay: POST /webhooks/deliveries/{id}/replay)',
      this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
    );
    this.streamFailureAlarm = failing(
      'StreamFailuresAlarm',
      'Run results or auth errors could not be turned into webhooks and were given up on (see the StreamFailures queue)',
      this.streamFailures.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
    );
    // Five minutes behind the stream means webhooks are late; the design promises seconds.
    this.iteratorAgeAlarm = failing(
      'IteratorAgeAlarm',
      'The webhook stream consumer is falling behind the state table stream',
      this.runResults.metric('IteratorAge', { period: Duration.minutes(1), statistic: 'Maximum' }),
      5 * 60_000,
    );
  }

  /**
   * What the API function needs for the /webhooks routes: create and rotate secrets (encrypt),
   * replay (send to the delivery queue), and the queue URLs in its environment.
   */
  grantApi(fn: lambda.Function & iam.IGrantable): void {
    fn.addEnvironment('DELIVERY_QUEUE_URL', this.deliveryQueue.queueUrl);
    fn.addEnvironment('DELIVERY_DLQ_URL', this.deadLetterQueue.queueUrl);
    this.deliveryQueue.grantSendMessages(fn);
  }
}
