import { App, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AUTH_ERROR_FILTER_PATTERNS,
  AUTH_EVENT_FILTER_PATTERNS,
  AUTH_FAILURE_FILTER_PATTERNS,
  RUN_RESULT_FILTER_PATTERNS,
  WEBHOOK_STREAM_FILTER_PATTERNS,
} from '../../functions/handlers/stream/run-result-filter.js';
import { SynclineStack } from '../../infra/syncline-stack.js';

interface Resource {
  Type: string;
  Properties: Record<string, any>;
}
type HasDefaultChild = { node: { defaultChild?: unknown } };

let stack: SynclineStack;
let template: Template;
let resources: Record<string, Resource>;

beforeAll(() => {
  stack = new SynclineStack(new App(), 'Test');
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources as Record<string, Resource>;
}, 180_000);

const logicalId = (c: HasDefaultChild) => stack.getLogicalId(c.node.defaultChild as CfnElement);
const arnOf = (c: HasDefaultChild) => ({ 'Fn::GetAtt': [logicalId(c), 'Arn'] });
function statementsOf(fn: { role?: HasDefaultChild | undefined }) {
  const roleId = logicalId(fn.role!);
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(roleId))
    .flatMap((r) => r.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
}
const actions = (fn: { role?: HasDefaultChild | undefined }) => statementsOf(fn).flatMap((s) => [s.Action].flat());

describe('webhooks', () => {
  it('the stream source only sees finished runs and newly marked connections, with bisect, retry limit, record age and an on-failure queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalId(stack.webhooks.runResults) },
      EventSourceArn: { 'Fn::GetAtt': [logicalId(stack.data.state), 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 25,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 6 * 3600,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: arnOf(stack.webhooks.streamFailures) } },
      FilterCriteria: { Filters: WEBHOOK_STREAM_FILTER_PATTERNS.map((p) => ({ Pattern: JSON.stringify(p) })) },
    });
  });

  it('the filter patterns are finished runs and connections whose auth error was just set (exists on a leaf)', () => {
    expect(RUN_RESULT_FILTER_PATTERNS).toHaveLength(2);
    expect(JSON.stringify(RUN_RESULT_FILTER_PATTERNS)).toContain('"kind":{"S":["RUN"]}');
    expect(AUTH_ERROR_FILTER_PATTERNS).toEqual([
      {
        eventName: ['MODIFY'],
        dynamodb: {
          NewImage: { kind: { S: ['CONNECTION'] }, authError: { M: { at: { S: [{ exists: true }] } } } },
          OldImage: { authError: { M: { at: { S: [{ exists: false }] } } } },
        },
      },
    ]);
    // Connect events: any write of a connection carrying an authEvent (the handler keeps those whose `at` changed).
    expect(AUTH_EVENT_FILTER_PATTERNS).toEqual([{ eventName: ['INSERT', 'MODIFY'], dynamodb: { NewImage: { kind: { S: ['CONNECTION'] }, authEvent: { M: { at: { S: [{ exists: true }] } } } } } }]);
    // Failed connects: the INSERT of a failed-connect item (written once, swept by the TTL later).
    expect(AUTH_FAILURE_FILTER_PATTERNS).toEqual([{ eventName: ['INSERT'], dynamodb: { NewImage: { kind: { S: ['AUTH_FAILURE'] } } } }]);
    expect(WEBHOOK_STREAM_FILTER_PATTERNS).toEqual([...RUN_RESULT_FILTER_PATTERNS, ...AUTH_ERROR_FILTER_PATTERNS, ...AUTH_EVENT_FILTER_PATTERNS, ...AUTH_FAILURE_FILTER_PATTERNS]);
    // A Lambda event source takes at most 5 filters, each at most 4 KB.
    expect(WEBHOOK_STREAM_FILTER_PATTERNS.length).toBeLessThanOrEqual(5);
    for (const pattern of WEBHOOK_STREAM_FILTER_PATTERNS) expect(JSON.stringify(pattern).length).toBeLessThan(4096);
  });

  it('the run-results function names its environment for auth webhooks', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('auth errors'),
      Environment: { Variables: Match.objectLike({ SYNCLINE_ENVIRONMENT: 'prod' }) },
    });
  });

  it('the delivery queue feeds the delivery function with partial batch responses; its DLQ keeps 14 days', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalId(stack.webhooks.delivery) },
      EventSourceArn: arnOf(stack.webhooks.deliveryQueue),
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const queue = resources[logicalId(stack.webhooks.deliveryQueue)]!.Properties;
    expect(queue.VisibilityTimeout).toBe(360);
    expect(queue.RedrivePolicy).toEqual({ deadLetterTargetArn: arnOf(stack.webhooks.deadLetterQueue), maxReceiveCount: 5 });
    expect(resources[logicalId(stack.webhooks.deadLetterQueue)]!.Properties.MessageRetentionPeriod).toBe(14 * 86_400);
  });

  it('functions use the house defaults and the guard stays on', () => {
    const delivery = resources[logicalId(stack.webhooks.delivery)]!.Properties;
    expect(delivery).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], MemorySize: 256, Timeout: 60 });
    expect(delivery.Environment.Variables).toMatchObject({ SYNCLINE_WEBHOOK_ALLOW_PRIVATE: 'false', KMS_KEY_ID: expect.anything() });
    expect(resources[logicalId(stack.webhooks.runResults)]!.Properties.Environment.Variables).toMatchObject({ EVENT_BUS_NAME: { Ref: logicalId(stack.webhooks.bus) } });
  });

  it('grants least privilege: run-results puts events and sends deliveries, never encrypts; delivery decrypts secrets', () => {
    const runResults = actions(stack.webhooks.runResults);
    expect(runResults).toEqual(expect.arrayContaining(['events:PutEvents', 'sqs:SendMessage', 'dynamodb:PutItem', 'dynamodb:Query']));
    expect(runResults).not.toContain('dynamodb:Scan');
    // Direct key use is only the Decrypt the stream read of a CMK-encrypted table needs (CDK's grantStreamRead):
    // run-results never encrypts, so it cannot mint or rewrap a signing secret.
    const rawKms = statementsOf(stack.webhooks.runResults)
      .filter((s) => !JSON.stringify(s).includes('kms:ViaService'))
      .flatMap((s) => [s.Action].flat())
      .filter((a) => a.startsWith('kms:'));
    expect(rawKms.filter((a) => a !== 'kms:Decrypt' && a !== 'kms:DescribeKey')).toEqual([]);
    expect(actions(stack.webhooks.delivery)).toEqual(expect.arrayContaining(['kms:Decrypt', 'sqs:SendMessage', 'dynamodb:UpdateItem']));
    expect(actions(stack.webhooks.delivery)).not.toContain('events:PutEvents');
    expect(actions(stack.api.function)).toEqual(expect.arrayContaining(['sqs:SendMessage']));
  });

  it('alarms on the DLQ, on given-up stream records and on iterator age', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 0,
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(stack.webhooks.deadLetterQueue), 'QueueName'] } }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(stack.webhooks.streamFailures), 'QueueName'] } }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'IteratorAge',
      Namespace: 'AWS/Lambda',
      Statistic: 'Maximum',
      Threshold: 300_000,
      Dimensions: Match.arrayWith([{ Name: 'FunctionName', Value: { Ref: logicalId(stack.webhooks.runResults) } }]),
    });
  });

  it('has one event bus for run results', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
  });
});
