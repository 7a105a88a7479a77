import { App, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { SERVICES } from '../../infra/constructs/monitoring.js';
import { SynclineStack } from '../../infra/syncline-stack.js';

interface Resource {
  Type: string;
  Properties: Record<string, any>;
}
type HasDefaultChild = { node: { defaultChild?: unknown } };

// Nothing here looks at the bundles: skip esbuild (orchestration.test.ts proves bundling works offline).
const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

let stack: SynclineStack;
let template: Template;
let resources: Record<string, Resource>;

beforeAll(() => {
  stack = new SynclineStack(new App({ context: NO_BUNDLING }), 'Test');
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources as Record<string, Resource>;
}, 120_000);

const logicalId = (c: HasDefaultChild) => stack.getLogicalId(c.node.defaultChild as CfnElement);
const alarmOf = (c: HasDefaultChild) => resources[logicalId(c)]!.Properties;
/** The metrics a math-expression alarm reads, as `{MetricName, Namespace, Dimensions}`. */
const metricsOf = (alarm: Record<string, any>) => (alarm.Metrics as { MetricStat?: { Metric: Record<string, any> } }[]).flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric] : []));

describe('alarm topic', () => {
  it('is encrypted with a key CloudWatch may use, and has no subscription without an address', () => {
    const topic = alarmOf(stack.monitoring.topic);
    expect(topic.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [expect.stringContaining('AlarmTopicKey'), 'Arn'] });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] })]),
      },
    });
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it.each([
    ['the alarmEmail prop', () => new SynclineStack(new App({ context: NO_BUNDLING }), 'WithProp', { alarmEmail: 'ops@example.com' })],
    ['the alarmEmail context value', () => new SynclineStack(new App({ context: { ...NO_BUNDLING, alarmEmail: 'ops@example.com' } }), 'WithContext')],
  ])('e-mails the topic when %s is set', (_how, makeStack) => {
    const withEmail = makeStack();
    const subscribed = Template.fromStack(withEmail);

    subscribed.resourceCountIs('AWS::SNS::Subscription', 1);
    subscribed.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: { Ref: withEmail.getLogicalId(withEmail.monitoring.topic.node.defaultChild as CfnElement) },
    });
  });
});

describe('alarms', () => {
  it.each([
    ['executor errors', () => stack.monitoring.executorErrorsAlarm, 'Errors', 'AWS/Lambda', () => ({ Name: 'FunctionName', Value: { Ref: logicalId(stack.executor.function) } })],
    ['executor throttles', () => stack.monitoring.executorThrottlesAlarm, 'Throttles', 'AWS/Lambda', () => ({ Name: 'FunctionName', Value: { Ref: logicalId(stack.executor.function) } })],
    ['schedule target errors', () => stack.monitoring.scheduleTargetErrorsAlarm, 'TargetErrorCount', 'AWS/Scheduler', () => ({ Name: 'ScheduleGroup', Value: stack.schedules.groupName })],
    ['stuck runs', () => stack.monitoring.stuckRunsAlarm, 'StuckRuns', 'Syncline', () => ({ Name: 'service', Value: 'syncline-fan-out' })],
  ] as const)('%s: any occurrence, missing data is fine', (_name, alarm, metricName, namespace, dimension) => {
    expect(alarmOf(alarm())).toMatchObject({
      MetricName: metricName,
      Namespace: namespace,
      Dimensions: [dimension()],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
  });

  it('token refresh failures: any occurrence in any service, in the contract dimension set {service}', () => {
    const alarm = alarmOf(stack.monitoring.tokenRefreshFailuresAlarm);

    expect(alarm).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching' });
    const metrics = metricsOf(alarm);
    expect(metrics.map((m) => m.MetricName)).toEqual(Object.values(SERVICES).map(() => 'TokenRefreshFailures'));
    expect(metrics.map((m) => m.Namespace)).toEqual(Object.values(SERVICES).map(() => 'Syncline'));
    expect(metrics.map((m) => m.Dimensions)).toEqual(Object.values(SERVICES).map((service) => [{ Name: 'service', Value: service }]));
  });

  it('API 5xx: a rate over 5% of API Gateway requests, from 10 requests, two periods in a row', () => {
    const alarm = alarmOf(stack.monitoring.apiServerErrorRateAlarm);

    expect(alarm).toMatchObject({ Threshold: 5, EvaluationPeriods: 2, TreatMissingData: 'notBreaching' });
    expect(JSON.stringify(alarm.Metrics)).toContain('IF(requests >= 10, 100 * errors / requests, 0)');
    const apiDimension = [{ Name: 'ApiId', Value: { Ref: logicalId(stack.api.api) } }];
    expect(metricsOf(alarm)).toEqual(
      expect.arrayContaining([
        { MetricName: '5xx', Namespace: 'AWS/ApiGateway', Dimensions: apiDimension },
        { MetricName: 'Count', Namespace: 'AWS/ApiGateway', Dimensions: apiDimension },
      ]),
    );
  });

  it('the resources own their DLQ and stream alarms; monitoring only points them at the topic', () => {
    const owned = [stack.runQueue.deadLetterAlarm, stack.webhooks.deadLetterAlarm, stack.actions.deadLetterAlarm, stack.webhooks.iteratorAgeAlarm];
    expect(stack.monitoring.alarms).toEqual(expect.arrayContaining(owned));
    expect(alarmOf(stack.runQueue.deadLetterAlarm)).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', Namespace: 'AWS/SQS', Threshold: 0 });
    expect(alarmOf(stack.actions.deadLetterAlarm)).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', Namespace: 'AWS/SQS', Threshold: 0 });
    // One alarm per condition: nothing in the monitoring construct duplicates a DLQ or iterator-age alarm.
    const dlqAlarms = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties.MetricName === 'ApproximateNumberOfMessagesVisible');
    expect(dlqAlarms).toHaveLength(5);
  });

  it('every alarm notifies the topic when it fires and when it recovers', () => {
    const topic = { Ref: logicalId(stack.monitoring.topic) };

    expect(stack.monitoring.alarms).toHaveLength(12);
    for (const alarm of stack.monitoring.alarms) {
      expect(alarmOf(alarm).AlarmActions).toEqual([topic]);
      expect(alarmOf(alarm).OKActions).toEqual([topic]);
    }
  });
});

describe('dashboard', () => {
  it("reads each function's metrics under the service name the function publishes them with", () => {
    const functions = {
      executor: stack.executor.function,
      fanOut: stack.fanOut.function,
      api: stack.api.function,
      webhookDelivery: stack.webhooks.delivery,
      runResults: stack.webhooks.runResults,
      actions: stack.actions.function,
    } satisfies Record<keyof typeof SERVICES, unknown>;

    for (const [key, fn] of Object.entries(functions)) {
      expect(alarmOf(fn).Environment.Variables.POWERTOOLS_SERVICE_NAME).toBe(SERVICES[key as keyof typeof SERVICES]);
    }
  });

  it('one per stack, named after it, with every widget', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const dashboard = alarmOf(stack.monitoring.dashboard);
    expect(dashboard.DashboardName).toBe('Test');
    const body = JSON.stringify(dashboard.DashboardBody);

    for (const title of [
      'Alarms',
      'Runs',
      'Records',
      'Errors',
      'Running runs',
      'Queue depths',
      'Queue ages (oldest message)',
      'Webhook outcomes',
      'API latency',
      'API requests and 5xx',
      'Lambda duration (p99)',
      'Lambda throttles',
      'Lambda concurrency',
      'Scheduler invocations',
      'Runs finished by integration',
      'Oldest running run by sync (s)',
    ]) {
      expect(body).toContain(`\\"title\\":\\"${title}\\"`);
    }
  });

  it('reads Syncline metrics in the contract dimension set and every queue and function', () => {
    const body = JSON.stringify(alarmOf(stack.monitoring.dashboard).DashboardBody);

    for (const name of [
      'RunsSucceeded',
      'RunsFailed',
      'RunDuration',
      'RecordsAdded',
      'RecordsUpdated',
      'RecordsDeleted',
      'RecordsRejected',
      'WebhookAttemptsSucceeded',
      'WebhookDeadLettered',
      'OldestRunningRunAgeSeconds',
    ]) {
      expect(body).toMatch(new RegExp(`\\[\\\\"Syncline\\\\",\\\\"${name}\\\\",\\\\"service\\\\",\\\\"syncline-`));
    }
    const queues = [stack.runQueue.queue, stack.runQueue.deadLetterQueue, stack.webhooks.deliveryQueue, stack.webhooks.deadLetterQueue, stack.actions.queue, stack.actions.deadLetterQueue];
    for (const queue of queues) expect(body).toContain(`"${logicalId(queue)}","QueueName"`);
    for (const fn of [stack.executor.function, stack.fanOut.function, stack.api.function, stack.webhooks.delivery, stack.webhooks.runResults, stack.actions.function]) {
      expect(body).toContain(`{"Ref":"${logicalId(fn)}"}`);
    }
  });
});

describe('tracing', () => {
  it('is off by default and turned on for every function with -c tracing=true', () => {
    const functionsOf = (t: Template) => Object.values(t.findResources('AWS::Lambda::Function')) as Resource[];
    const own = (r: Resource) => r.Properties['Environment']?.Variables?.POWERTOOLS_SERVICE_NAME !== undefined;
    expect(
      functionsOf(template)
        .filter(own)
        .every((r) => r.Properties['TracingConfig'] === undefined),
    ).toBe(true);

    const traced = Template.fromStack(new SynclineStack(new App({ context: { ...NO_BUNDLING, tracing: 'true' } }), 'Traced'));
    const tracedFunctions = functionsOf(traced).filter(own);
    expect(tracedFunctions.length).toBeGreaterThanOrEqual(6);
    expect(tracedFunctions.every((r) => r.Properties['TracingConfig']?.Mode === 'Active')).toBe(true);
  }, 120_000);
});
