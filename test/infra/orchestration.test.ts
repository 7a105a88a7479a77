import { App, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { IntegrationRegistry } from '../../functions/engine/integration.js';
import { scheduleDefinitionsHash } from '../../functions/engine/schedules.js';
import { integrations } from '../../functions/discovery/project-integrations.js';
import { SynclineStack } from '../../infra/syncline-stack.js';

interface Resource {
  Type: string;
  Properties: Record<string, any>;
}
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}
type HasDefaultChild = { node: { defaultChild?: unknown } };

// Synthesizing bundles every function with the real esbuild (it proves bundling works offline):
// do it once for the whole file.
let stack: SynclineStack;
let template: Template;
let resources: Record<string, Resource>;

beforeAll(() => {
  stack = new SynclineStack(new App(), 'Test');
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources as Record<string, Resource>;
}, 120_000);

const logicalId = (c: HasDefaultChild) => stack.getLogicalId(c.node.defaultChild as CfnElement);
const resourceOf = (c: HasDefaultChild): Resource => {
  const resource = resources[logicalId(c)];
  if (!resource) throw new Error('resource not in template');
  return resource;
};
const arnOf = (c: HasDefaultChild) => ({ 'Fn::GetAtt': [logicalId(c), 'Arn'] });

/** Statements of the inline policies attached to a function's role. */
function statementsOf(fn: { role?: HasDefaultChild | undefined }): Statement[] {
  const roleId = logicalId(fn.role!);
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(roleId))
    .flatMap((r) => r.Properties.PolicyDocument.Statement as Statement[]);
}
const actionsOf = (st: Statement) => [st.Action].flat();

describe('functions', () => {
  it.each([
    ['executor', () => stack.executor.function, 1024, 900],
    ['fan-out', () => stack.fanOut.function, 512, 300],
    ['deploy step', () => stack.schedules.deployFunction, 512, 600],
  ] as const)('%s: Node 22 on arm64 with explicit memory and timeout, source maps, one-month logs', (_name, fn, memory, timeout) => {
    const props = resourceOf(fn()).Properties;

    expect(props).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], MemorySize: memory, Timeout: timeout, Handler: 'index.handler' });
    expect(props.Environment.Variables).toMatchObject({ NODE_OPTIONS: '--enable-source-maps', POWERTOOLS_SERVICE_NAME: expect.any(String) });
    const logGroupId = props.LoggingConfig.LogGroup.Ref as string;
    expect(resources[logGroupId]).toMatchObject({ Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30 } });
  });

  it('binds table names and the queue URL into the executor and fan-out environments', () => {
    const env = (fn: HasDefaultChild) => resourceOf(fn).Properties.Environment.Variables;
    const expected = {
      RECORDS_TABLE: { Ref: logicalId(stack.data.records) },
      STATE_TABLE: { Ref: logicalId(stack.data.state) },
      RUN_QUEUE_URL: { Ref: logicalId(stack.runQueue.queue) },
    };

    expect(env(stack.executor.function)).toMatchObject(expected);
    expect(env(stack.fanOut.function)).toMatchObject(expected);
  });
});

describe('run queue', () => {
  it('keeps messages invisible for at least 6× the executor timeout', () => {
    const visibility = resourceOf(stack.runQueue.queue).Properties.VisibilityTimeout as number;
    const timeout = resourceOf(stack.executor.function).Properties.Timeout as number;

    expect(visibility).toBeGreaterThanOrEqual(6 * timeout);
  });

  it('parks a message in an encrypted 14-day DLQ after 5 receives', () => {
    const queue = resourceOf(stack.runQueue.queue).Properties;
    const dlq = resourceOf(stack.runQueue.deadLetterQueue).Properties;

    expect(queue.RedrivePolicy).toEqual({ deadLetterTargetArn: arnOf(stack.runQueue.deadLetterQueue), maxReceiveCount: 5 });
    expect(queue.SqsManagedSseEnabled).toBe(true);
    expect(dlq).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 });
  });

  it.each([
    ['run', () => stack.runQueue.deadLetterQueue, () => stack.runQueue.deadLetterAlarm],
    ['scheduler', () => stack.schedules.deadLetterQueue, () => stack.schedules.deadLetterAlarm],
  ] as const)('alarms as soon as one message sits in the %s DLQ', (_name, dlq, alarm) => {
    expect(resourceOf(alarm()).Properties).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(dlq()), 'QueueName'] } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
    });
  });
});

describe('executor event source', () => {
  it('takes one message per invocation, reports item failures, caps concurrency', () => {
    const onRunQueue = template.findResources('AWS::Lambda::EventSourceMapping', { Properties: { EventSourceArn: arnOf(stack.runQueue.queue) } });
    expect(Object.keys(onRunQueue)).toHaveLength(1);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: arnOf(stack.runQueue.queue),
      FunctionName: { Ref: logicalId(stack.executor.function) },
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 50 },
    });
  });
});

describe('schedules', () => {
  it('creates the schedule group, named after the stack', () => {
    template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
    template.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'Test' });
    template.hasOutput('ScheduleGroupName', { Value: 'Test' });
  });

  it('lets only EventBridge Scheduler of this account assume the invoke role', () => {
    expect(resourceOf(stack.schedules.role).Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      },
    ]);
  });

  it('lets the invoke role invoke the fan-out only (and write to its DLQ)', () => {
    const statements = statementsOf({ role: stack.schedules.role });
    const invoke = statements.filter((st) => actionsOf(st).includes('lambda:InvokeFunction'));

    expect(invoke).toEqual([{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: arnOf(stack.fanOut.function) }]);
    expect(statements.flatMap(actionsOf).sort()).toEqual(['lambda:InvokeFunction', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage']);
    expect(statements.filter((st) => actionsOf(st).some((a) => a.startsWith('sqs:'))).map((st) => st.Resource)).toEqual([arnOf(stack.schedules.deadLetterQueue)]);
  });

  it('runs the deploy step as a custom resource carrying the definitions hash and the fan-out ARN', () => {
    template.resourceCountIs('Custom::SynclineSchedules', 1);
    template.hasResource('Custom::SynclineSchedules', {
      Properties: Match.objectLike({
        DefinitionsHash: scheduleDefinitionsHash(new IntegrationRegistry(integrations)),
        FanOutArn: arnOf(stack.fanOut.function),
        SchedulerRoleArn: arnOf(stack.schedules.role),
      }),
      DependsOn: Match.arrayWith([stack.getLogicalId(stack.schedules.group), logicalId(stack.schedules.role)]),
    });
    expect(resourceOf(stack.schedules.deployFunction).Properties.Environment.Variables).toMatchObject({
      SCHEDULE_GROUP: 'Test',
      FAN_OUT_ARN: arnOf(stack.fanOut.function),
      SCHEDULER_ROLE_ARN: arnOf(stack.schedules.role),
      STATE_TABLE: { Ref: logicalId(stack.data.state) },
    });
  });

  it('lets the deploy step manage schedules of its group only, pass the invoke role to Scheduler only, and read state', () => {
    const statements = statementsOf(stack.schedules.deployFunction);
    const byAction = (action: string) => statements.filter((st) => actionsOf(st).includes(action));

    for (const action of ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule', 'scheduler:GetSchedule']) {
      expect(byAction(action).map((st) => st.Resource)).toEqual([
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':scheduler:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':schedule/Test/*']] },
      ]);
    }
    expect(byAction('iam:PassRole')).toEqual([
      { Effect: 'Allow', Action: 'iam:PassRole', Resource: arnOf(stack.schedules.role), Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } } },
    ]);
    expect(
      statements
        .flatMap(actionsOf)
        .filter((a) => a.startsWith('dynamodb:'))
        .sort(),
    ).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query']);
  });
});

describe('least privilege', () => {
  const allStatements = () =>
    Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((r) => r.Properties.PolicyDocument.Statement as Statement[]);

  it('grants no wildcard action anywhere', () => {
    const wildcards = allStatements()
      .flatMap(actionsOf)
      .filter((a) => a === '*' || a.endsWith(':*'));

    expect(wildcards).toEqual([]);
  });

  it('uses a "*" resource only for actions that have no resource type in IAM', () => {
    const starred = allStatements().filter((st) => [st.Resource].flat().includes('*'));

    // scheduler:ListSchedules (the deploy step) and dynamodb:ListStreams (the stream event source).
    expect([...new Set(starred.flatMap(actionsOf))].sort()).toEqual(['dynamodb:ListStreams', 'scheduler:ListSchedules']);
  });

  it('gives the fan-out state reads and queue sends, no writes to tables', () => {
    const actions = statementsOf(stack.fanOut.function).flatMap(actionsOf);

    expect(actions.filter((a) => a.startsWith('dynamodb:')).sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query']);
    expect(actions).toContain('sqs:SendMessage');
    expect(actions).not.toContain('sqs:ReceiveMessage');
  });

  it('gives the executor table writes and lets it send continuations to the run queue', () => {
    const statements = statementsOf(stack.executor.function);
    const actions = statements.flatMap(actionsOf);

    expect(actions).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:UpdateItem', 'sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage']));
    expect(actions).not.toContain('dynamodb:Scan');
    expect(statements.filter((st) => actionsOf(st).includes('sqs:SendMessage')).map((st) => st.Resource)).toEqual([arnOf(stack.runQueue.queue)]);
  });
});

describe('outputs', () => {
  it('outputs the run queue URL beside the table names', () => {
    template.hasOutput('RunQueueUrl', { Value: { Ref: logicalId(stack.runQueue.queue) } });
    template.hasOutput('RecordsTableName', { Value: { Ref: logicalId(stack.data.records) } });
  });
});
