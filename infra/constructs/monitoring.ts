import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '../../functions/adapters/metrics/emf-metrics.js';
import type { MetricName } from '../../functions/engine/metrics.js';
import type { Actions } from './actions.js';
import type { Executor } from './executor.js';
import type { FanOut } from './fan-out.js';
import type { HttpApi } from './http-api.js';
import type { RunQueue } from './run-queue.js';
import type { Schedules } from './schedules.js';
import type { Webhooks } from './webhooks.js';

/**
 * The Powertools service name of each function: the `service` dimension every Syncline metric
 * carries. Must match the `serviceName` each construct gives its `SynclineFunction`.
 */
export const SERVICES = {
  executor: 'syncline-executor',
  fanOut: 'syncline-fan-out',
  api: 'syncline-api',
  webhookDelivery: 'syncline-webhook-delivery',
  runResults: 'syncline-run-results',
  actions: 'syncline-actions',
} as const;

export interface MonitoringProps {
  readonly runQueue: RunQueue;
  readonly executor: Executor;
  readonly fanOut: FanOut;
  readonly schedules: Schedules;
  readonly api: HttpApi;
  readonly webhooks: Webhooks;
  readonly actions: Actions;
  /** Where alarm notifications are e-mailed (the address must confirm the subscription). @default no subscription */
  readonly alarmEmail?: string;
}

const PERIOD = Duration.minutes(5);

/**
 * Operations for one Syncline stack: an encrypted SNS topic every alarm notifies (and e-mails,
 * when an address is given), the alarms that are not already beside the resource they watch, and
 * one dashboard.
 *
 * Alarms that belong to a resource (the DLQs, the stream's iterator age and on-failure queue) are
 * created by that resource's construct; this one only points their actions at the topic, so each
 * condition has exactly one alarm. Syncline's own metrics are read with the contract's default
 * dimension set, `{service}`; the per-integration blobs appear only in search widgets.
 */
export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;
  readonly executorErrorsAlarm: cloudwatch.Alarm;
  readonly executorThrottlesAlarm: cloudwatch.Alarm;
  readonly apiServerErrorRateAlarm: cloudwatch.Alarm;
  readonly scheduleTargetErrorsAlarm: cloudwatch.Alarm;
  readonly tokenRefreshFailuresAlarm: cloudwatch.Alarm;
  readonly stuckRunsAlarm: cloudwatch.Alarm;
  /** Every alarm that notifies the topic: the ones created here and the resources' own. */
  readonly alarms: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { runQueue, executor, fanOut, schedules, api, webhooks, actions } = props;

    // SNS's AWS-managed key does not let CloudWatch encrypt what it publishes (alarms to such a
    // topic are silently dropped), so the topic gets its own key that CloudWatch may use. The
    // topic stores nothing once delivered: destroying the key with the stack loses no data.
    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: 'Encrypts the Syncline alarm topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'AlarmTopic', { displayName: 'Syncline alarms', masterKey: key, enforceSSL: true });
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));

    const functions: [string, lambda.Function][] = [
      ['executor', executor.function],
      ['fan-out', fanOut.function],
      ['api', api.function],
      ['run-results', webhooks.runResults],
      ['webhook-delivery', webhooks.delivery],
      ['actions', actions.function],
    ];
    const queues: [string, sqs.Queue][] = [
      ['run queue', runQueue.queue],
      ['run DLQ', runQueue.deadLetterQueue],
      ['webhook deliveries', webhooks.deliveryQueue],
      ['webhook DLQ', webhooks.deadLetterQueue],
      ['actions queue', actions.queue],
      ['actions DLQ', actions.deadLetterQueue],
      ['schedule DLQ', schedules.deadLetterQueue],
      ['stream failures', webhooks.streamFailures],
    ];
    const scheduleGroup = scheduler.ScheduleGroup.fromScheduleGroupName(this, 'ScheduleGroup', schedules.groupName);

    // Any Lambda error of the executor is a crash, a timeout or running out of memory: a script's
    // error is recorded on its run, and a message's infrastructure failure is reported per item.
    this.executorErrorsAlarm = this.alarmAbove(
      'ExecutorErrorsAlarm',
      'The Syncline executor crashed, timed out or ran out of memory',
      executor.function.metricErrors({ period: PERIOD, statistic: 'Sum' }),
    );
    // The run queue caps the executor's concurrency below its share of the account: a throttle means the account is out of concurrency.
    this.executorThrottlesAlarm = this.alarmAbove(
      'ExecutorThrottlesAlarm',
      'The Syncline executor is throttled (account concurrency exhausted)',
      executor.function.metricThrottles({ period: PERIOD, statistic: 'Sum' }),
    );
    // A rate, not a count, and only from 10 requests a period: one failed request of two at night is not a page.
    this.apiServerErrorRateAlarm = this.alarmAbove(
      'ApiServerErrorRateAlarm',
      'More than 5% of Syncline API requests failed with 5xx in two consecutive periods',
      new cloudwatch.MathExpression({
        label: 'API 5xx rate (%)',
        expression: 'IF(requests >= 10, 100 * errors / requests, 0)',
        usingMetrics: { errors: api.api.metricServerError({ statistic: 'Sum' }), requests: api.api.metricCount({ statistic: 'Sum' }) },
        period: PERIOD,
      }),
      { threshold: 5, evaluationPeriods: 2 },
    );
    this.scheduleTargetErrorsAlarm = this.alarmAbove(
      'ScheduleTargetErrorsAlarm',
      'EventBridge Scheduler got errors invoking the Syncline fan-out',
      scheduleGroup.metricTargetErrors({ period: PERIOD, statistic: 'Sum' }),
    );
    // Any function that opens credentials may refresh a token: sum the metric over all of them.
    this.tokenRefreshFailuresAlarm = this.alarmAbove(
      'TokenRefreshFailuresAlarm',
      'OAuth token refreshes failed: connections need their end user to authorize again (auth webhooks were sent)',
      new cloudwatch.MathExpression({
        label: 'TokenRefreshFailures',
        expression: `SUM([${Object.keys(SERVICES).join(', ')}])`,
        usingMetrics: Object.fromEntries(Object.entries(SERVICES).map(([name, service]) => [name, synclineMetric('TokenRefreshFailures', service)])),
        period: PERIOD,
      }),
    );
    // The fan-out reports, per tick of each sync, how many of its runs are RUNNING past their expected duration.
    this.stuckRunsAlarm = this.alarmAbove('StuckRunsAlarm', 'Syncline runs have been RUNNING longer than their sync is expected to take', synclineMetric('StuckRuns', SERVICES.fanOut, 'Maximum'));

    this.alarms = [
      runQueue.deadLetterAlarm,
      webhooks.deadLetterAlarm,
      actions.deadLetterAlarm,
      schedules.deadLetterAlarm,
      webhooks.streamFailureAlarm,
      webhooks.iteratorAgeAlarm,
      this.executorErrorsAlarm,
      this.executorThrottlesAlarm,
      this.apiServerErrorRateAlarm,
      this.scheduleTargetErrorsAlarm,
      this.tokenRefreshFailuresAlarm,
      this.stuckRunsAlarm,
    ];
    const notify = new cloudwatchActions.SnsAction(this.topic);
    for (const alarm of this.alarms) {
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
    }

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName: Stack.of(this).stackName, defaultInterval: Duration.hours(12) });
    const graph = (title: string, left: cloudwatch.IMetric[], right: cloudwatch.IMetric[] = []) => new cloudwatch.GraphWidget({ title, left, right, width: 8, height: 6 });
    const executorMetric = (name: MetricName, statistic = 'Sum') => synclineMetric(name, SERVICES.executor, statistic);
    const perFunction = (label: string, metric: (fn: lambda.Function) => cloudwatch.Metric) => functions.map(([name, fn]) => metric(fn).with({ label: `${name} ${label}`.trim(), period: PERIOD }));
    const perQueue = (metric: (queue: sqs.Queue) => cloudwatch.Metric) => queues.map(([name, queue]) => metric(queue).with({ label: name, period: PERIOD, statistic: 'Maximum' }));
    const search = (label: string, query: string, statistic: string) =>
      new cloudwatch.MathExpression({ label, expression: `SEARCH('${query}', '${statistic}', ${PERIOD.toSeconds()})`, usingMetrics: {}, period: PERIOD });

    this.dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 4 }));
    this.dashboard.addWidgets(
      graph('Runs', [executorMetric('RunsSucceeded'), executorMetric('RunsFailed'), executorMetric('Continuations')], [executorMetric('RunDuration', 'p90')]),
      graph(
        'Records',
        (['RecordsAdded', 'RecordsUpdated', 'RecordsDeleted', 'RecordsRejected'] as const).map((name) => executorMetric(name)),
      ),
      graph('Errors', [
        ...perFunction('errors', (fn) => fn.metricErrors({ statistic: 'Sum' })),
        executorMetric('DeletionRefusals'),
        synclineMetric('ApiServerErrors', SERVICES.api),
        this.tokenRefreshFailuresAlarm.metric,
      ]),
    );
    this.dashboard.addWidgets(
      graph('Running runs', [synclineMetric('StuckRuns', SERVICES.fanOut, 'Maximum')], [synclineMetric('OldestRunningRunAgeSeconds', SERVICES.fanOut, 'Maximum')]),
      graph(
        'Queue depths',
        perQueue((queue) => queue.metricApproximateNumberOfMessagesVisible()),
      ),
      graph(
        'Queue ages (oldest message)',
        perQueue((queue) => queue.metricApproximateAgeOfOldestMessage()),
      ),
    );
    this.dashboard.addWidgets(
      graph(
        'Webhook outcomes',
        (['WebhookAttemptsSucceeded', 'WebhookAttemptsFailed', 'WebhookDeadLettered'] as const).map((name) => synclineMetric(name, SERVICES.webhookDelivery)),
      ),
      graph('API latency', [api.api.metricLatency({ statistic: 'p50', period: PERIOD }), api.api.metricLatency({ statistic: 'p99', period: PERIOD })]),
      graph(
        'API requests and 5xx',
        [api.api.metricCount({ statistic: 'Sum', period: PERIOD }), api.api.metricServerError({ statistic: 'Sum', period: PERIOD })],
        [this.apiServerErrorRateAlarm.metric],
      ),
    );
    this.dashboard.addWidgets(
      graph(
        'Lambda duration (p99)',
        perFunction('', (fn) => fn.metricDuration({ statistic: 'p99' })),
      ),
      graph(
        'Lambda throttles',
        perFunction('', (fn) => fn.metricThrottles({ statistic: 'Sum' })),
      ),
      graph(
        'Lambda concurrency',
        perFunction('', (fn) => fn.metric('ConcurrentExecutions', { statistic: 'Maximum' })),
      ),
    );
    this.dashboard.addWidgets(
      graph('Scheduler invocations', [scheduleGroup.metricAttempts({ period: PERIOD }), scheduleGroup.metricTargetErrors({ period: PERIOD })]),
      // The detail blobs: one line per integration and sync (and status), found by search, never alarmed on.
      graph('Runs finished by integration', [search('', `{${METRICS_NAMESPACE},service,integration,sync,status} MetricName="RunsFinished"`, 'Sum')]),
      graph('Oldest running run by sync (s)', [search('', `{${METRICS_NAMESPACE},service,integration,sync} MetricName="OldestRunningRunAgeSeconds"`, 'Maximum')]),
    );
  }

  /** An alarm when the metric is above the threshold (0: any occurrence), missing data being fine. */
  private alarmAbove(id: string, description: string, metric: cloudwatch.IMetric, options: { threshold?: number; evaluationPeriods?: number } = {}): cloudwatch.Alarm {
    return new cloudwatch.Alarm(this, id, {
      alarmDescription: description,
      metric,
      threshold: options.threshold ?? 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}

/** A Syncline metric in its default dimension set, `{service}`. */
function synclineMetric(metricName: MetricName, service: string, statistic = 'Sum'): cloudwatch.Metric {
  return new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service }, statistic, period: PERIOD });
}
