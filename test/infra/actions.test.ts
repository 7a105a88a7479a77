import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACTIONS_MAX_RECEIVE_COUNT } from '../../functions/handlers/queue/actions-handler.js';
import { SynclineStack } from '../../infra/syncline-stack.js';

interface Resource {
  Type: string;
  Properties: Record<string, any>;
}
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}
type HasDefaultChild = { node: { defaultChild?: unknown } };

// Synthesizing bundles every function with the real esbuild: once for the file.
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
function statementsOf(fn: { role?: HasDefaultChild | undefined }): Statement[] {
  const roleId = logicalId(fn.role!);
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(roleId))
    .flatMap((r) => r.Properties.PolicyDocument.Statement as Statement[]);
}
const actionsOf = (st: Statement) => [st.Action].flat();
const resourcesFor = (statements: Statement[], action: string) => statements.filter((st) => actionsOf(st).includes(action)).flatMap((st) => [st.Resource].flat());

describe('the actions function', () => {
  it('is a house function with 15 minutes and 1 GB, pointed at the actions entry', () => {
    const props = resourceOf(stack.actions.function).Properties;
    expect(props).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], MemorySize: 1024, Timeout: 900 });
    expect(props.Environment.Variables).toMatchObject({
      POWERTOOLS_SERVICE_NAME: 'syncline-actions',
      STATE_TABLE: { Ref: logicalId(stack.data.state) },
      ACTION_QUEUE_URL: { Ref: logicalId(stack.actions.queue) },
      KMS_KEY_ID: arnOf(stack.data.key),
      DELIVERY_QUEUE_URL: { Ref: logicalId(stack.webhooks.deliveryQueue) },
      DELIVERY_DLQ_URL: { Ref: logicalId(stack.webhooks.deadLetterQueue) },
      EVENT_BUS_NAME: { Ref: logicalId(stack.webhooks.bus) },
      SYNCLINE_ENVIRONMENT: 'prod',
    });
    expect(props.Environment.Variables).not.toHaveProperty('RUN_QUEUE_URL');
  });

  it('takes one message per invocation from the actions queue, reports item failures, caps concurrency', () => {
    const mappings = template.findResources('AWS::Lambda::EventSourceMapping', { Properties: { EventSourceArn: arnOf(stack.actions.queue) } });
    expect(Object.values(mappings).map((m) => (m as Resource).Properties)).toEqual([
      expect.objectContaining({
        FunctionName: { Ref: logicalId(stack.actions.function) },
        BatchSize: 1,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 20 },
      }),
    ]);
  });

  it('gets the state table, the credentials key, its queue and the webhook pipeline; not the records table', () => {
    const statements = statementsOf(stack.actions.function);
    const dynamo = statements.filter((st) => actionsOf(st).some((a) => a.startsWith('dynamodb:PutItem')));

    expect(dynamo.flatMap((st) => [st.Resource].flat())).toEqual([arnOf(stack.data.state)]);
    expect(JSON.stringify(statements)).not.toContain(logicalId(stack.data.records));
    expect(resourcesFor(statements, 'kms:Decrypt')).toContainEqual(arnOf(stack.data.key));
    expect(resourcesFor(statements, 'kms:GenerateDataKey')).toContainEqual(arnOf(stack.data.key));
    expect(resourcesFor(statements, 'sqs:SendMessage').sort()).toEqual([arnOf(stack.actions.queue), arnOf(stack.webhooks.deliveryQueue)].sort());
    expect(resourcesFor(statements, 'events:PutEvents')).toEqual([arnOf(stack.webhooks.bus)]);
    expect(statements.flatMap(actionsOf)).not.toContain('lambda:InvokeFunction');
  });
});

describe('the actions queue', () => {
  it('keeps messages invisible for at least 6× the function timeout, encrypted, with a DLQ after 5 receives', () => {
    const queue = resourceOf(stack.actions.queue).Properties;
    const timeout = resourceOf(stack.actions.function).Properties.Timeout as number;

    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
    expect(queue.SqsManagedSseEnabled).toBe(true);
    expect(queue.RedrivePolicy).toEqual({ deadLetterTargetArn: arnOf(stack.actions.deadLetterQueue), maxReceiveCount: 5 });
    // The local runtime's actions queue uses the same value.
    expect(ACTIONS_MAX_RECEIVE_COUNT).toBe(5);
    expect(resourceOf(stack.actions.deadLetterQueue).Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 });
    template.hasOutput('ActionQueueUrl', { Value: { Ref: logicalId(stack.actions.queue) } });
  });

  it('alarms as soon as one message sits in the DLQ', () => {
    expect(resourceOf(stack.actions.deadLetterAlarm).Properties).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(stack.actions.deadLetterQueue), 'QueueName'] } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });
});

describe('the API’s trigger grant', () => {
  it('lets the API invoke the actions function and queue executions, and tells it where both are', () => {
    const statements = statementsOf(stack.api.function);

    // The unqualified ARN only: the API invokes $LATEST, no version or alias (`:*`).
    expect(resourcesFor(statements, 'lambda:InvokeFunction')).toEqual([arnOf(stack.actions.function)]);
    expect(resourcesFor(statements, 'sqs:SendMessage')).toContainEqual(arnOf(stack.actions.queue));
    expect(resourceOf(stack.api.function).Properties.Environment.Variables).toMatchObject({
      ACTIONS_FUNCTION_NAME: { Ref: logicalId(stack.actions.function) },
      ACTION_QUEUE_URL: { Ref: logicalId(stack.actions.queue) },
    });
    // API Gateway's 30 s integration limit: the API function must stay under it.
    expect(resourceOf(stack.api.function).Properties.Timeout).toBeLessThan(30);
  });
});
