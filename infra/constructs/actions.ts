import { Duration } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ACTIONS_MAX_RECEIVE_COUNT } from '../../functions/handlers/queue/actions-handler.js';
import type { DataTables } from './data-tables.js';
import { SynclineFunction } from './syncline-function.js';
import type { Webhooks } from './webhooks.js';

/** The actions function's timeout: Lambda's maximum, what an asynchronous action may use. */
export const ACTIONS_TIMEOUT = Duration.minutes(15);

export interface ActionsProps {
  readonly data: DataTables;
  /** Where `async_action` webhooks go: the delivery queue and the event bus. */
  readonly webhooks: Webhooks;
  /** Concurrent asynchronous executions the queue may drive (synchronous triggers come on top). @default 20 */
  readonly maxConcurrency?: number;
  /** Deliveries of one message before it is parked in the DLQ. @default ACTIONS_MAX_RECEIVE_COUNT (5), as the local runtime */
  readonly maxReceiveCount?: number;
  /** Retention of the function's logs. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Actions (Nango's `createAction` scripts, `POST /action/trigger`): one function, two triggers.
 *
 * - Synchronous triggers: the API function creates the execution and invokes this function
 *   directly (RequestResponse) with `{executionId, deadline}`, and answers the caller with the
 *   outcome. They get about 25 s (`DEFAULT_SYNC_TIMEOUT_MS` in the actions service): API Gateway's
 *   HTTP API gives up on an integration after 30 s, so the API function has 29 s, and the rest
 *   is for creating the execution, the invocation round trip and the answer. Running the script
 *   here rather than in the API function keeps the API's memory and concurrency for the API, and
 *   gives both kinds of action one runtime, one set of grants and one log group.
 * - Asynchronous triggers (`X-Async: true`): the API queues the execution id and answers 202 at
 *   once; this function takes it from the actions queue and may use its whole 15 minutes, with
 *   retries (`X-Max-Retries`) queued again by the engine with a delay.
 *
 * The queue's visibility timeout is 6 × the function timeout (AWS's advice for Lambda event
 * sources), so a message is not delivered twice while an attempt may still be running; a message
 * that keeps failing on infrastructure is parked in the DLQ, with an alarm.
 */
export class Actions extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly function: SynclineFunction;
  /** Fires as soon as one message is in the DLQ: an asynchronous action failed on infrastructure repeatedly. */
  readonly deadLetterAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ActionsProps) {
    super(scope, id);
    const { data, webhooks } = props;

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // The longest SQS allows: time to find the cause and redrive.
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(ACTIONS_TIMEOUT.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? ACTIONS_MAX_RECEIVE_COUNT },
    });

    this.function = new SynclineFunction(this, 'Function', {
      description: 'Syncline actions: runs one action execution (synchronous: invoked by the API; asynchronous: from the actions queue)',
      entry: 'functions/handlers/queue/actions.lambda.ts',
      serviceName: 'syncline-actions',
      timeout: ACTIONS_TIMEOUT,
      memorySize: 1024,
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
      environment: {
        STATE_TABLE: data.state.tableName,
        // Required by the shared table environment; actions never touch records (no grant).
        RECORDS_TABLE: data.records.tableName,
        ACTION_QUEUE_URL: this.queue.queueUrl,
        KMS_KEY_ID: data.key.keyArn,
        DELIVERY_QUEUE_URL: webhooks.deliveryQueue.queueUrl,
        DELIVERY_DLQ_URL: webhooks.deadLetterQueue.queueUrl,
        EVENT_BUS_NAME: webhooks.bus.eventBusName,
        SYNCLINE_ENVIRONMENT: webhooks.environmentName,
      },
    });
    // Executions, their logs and checkpoints, script locks, connections (refreshed tokens), webhook deliveries.
    data.grantStateReadWrite(this.function);
    // Credentials are envelope-encrypted: decrypt to call providers, encrypt refreshed OAuth tokens.
    data.grantEnvelopeSealOpen(this.function);
    // Retries of asynchronous executions are queued by the function itself.
    this.queue.grantSendMessages(this.function);
    // The `async_action` webhook: a delivery's first attempt, and the event on the bus.
    webhooks.deliveryQueue.grantSendMessages(this.function);
    webhooks.bus.grantPutEventsTo(this.function);

    this.function.addEventSource(
      new SqsEventSource(this.queue, {
        // One execution per invocation: an action may use the whole 15 minutes, and a batch shares one deadline.
        batchSize: 1,
        // A failed message goes back alone (and to the DLQ after maxReceiveCount), never the batch.
        reportBatchItemFailures: true,
        // Leaves the rest of the account's concurrency to synchronous triggers and the other functions.
        maxConcurrency: props.maxConcurrency ?? 20,
      }),
    );

    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLettersAlarm', {
      alarmDescription: 'Syncline asynchronous actions failed on infrastructure repeatedly and were parked in the actions DLQ',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  /**
   * What the API function needs to trigger actions: invoke this function (synchronous ones),
   * send to the actions queue (asynchronous ones), and both addresses in its environment.
   */
  grantTrigger(apiFunction: lambda.Function & iam.IGrantable): void {
    // The unqualified ARN only, not grantInvoke's `:*`: the API invokes $LATEST, no version or alias.
    iam.Grant.addToPrincipal({ grantee: apiFunction, actions: ['lambda:InvokeFunction'], resourceArns: [this.function.functionArn] });
    this.queue.grantSendMessages(apiFunction);
    apiFunction.addEnvironment('ACTIONS_FUNCTION_NAME', this.function.functionName);
    apiFunction.addEnvironment('ACTION_QUEUE_URL', this.queue.queueUrl);
  }
}
