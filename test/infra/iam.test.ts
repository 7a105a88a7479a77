import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { SynclineStack } from '../../infra/syncline-stack.js';

/*
 * Least privilege on the data plane, asserted on the synthesized policies: no wildcard on
 * DynamoDB, SQS or KMS, and each function reaches exactly the tables, queues and key uses it needs.
 */

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
interface Resource {
  Type: string;
  Properties: Record<string, any>;
}
type HasDefaultChild = { node: { defaultChild?: unknown } };

let stack: SynclineStack;
let resources: Record<string, Resource>;
beforeAll(() => {
  stack = new SynclineStack(new App(), 'Iam');
  resources = Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;
}, 120_000);

const logicalId = (c: HasDefaultChild) => stack.getLogicalId(c.node.defaultChild as CfnElement);
const actionsOf = (st: Statement) => [st.Action].flat();
const resourcesOf = (st: Statement) => [st.Resource].flat();
const isDataAction = (action: string) => /^(dynamodb|sqs|kms):/.test(action);

const allStatements = () =>
  Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .flatMap((r) => r.Properties.PolicyDocument.Statement as Statement[]);

function statementsOf(role: iam.IRole | undefined): Statement[] {
  const roleId = logicalId(role as unknown as HasDefaultChild);
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(roleId))
    .flatMap((r) => r.Properties.PolicyDocument.Statement as Statement[]);
}

/** The named tables, queues and key a role's data statements point at (by logical id). */
function dataResourcesOf(role: iam.IRole | undefined): string[] {
  const named: Record<string, HasDefaultChild> = {
    records: stack.data.records,
    state: stack.data.state,
    key: stack.data.key,
    runQueue: stack.runQueue.queue,
    runDlq: stack.runQueue.deadLetterQueue,
    schedulerDlq: stack.schedules.deadLetterQueue,
    deliveryQueue: stack.webhooks.deliveryQueue,
    deliveryDlq: stack.webhooks.deadLetterQueue,
    streamFailures: stack.webhooks.streamFailures,
    actionQueue: stack.actions.queue,
    actionDlq: stack.actions.deadLetterQueue,
  };
  const referenced = JSON.stringify(statementsOf(role).filter((st) => actionsOf(st).some(isDataAction)));
  return Object.entries(named)
    .filter(([, construct]) => referenced.includes(`"${logicalId(construct)}"`))
    .map(([name]) => name)
    .sort();
}

/** KMS actions a role may call on the key itself, not only through DynamoDB (kms:ViaService). */
function directKeyActionsOf(role: iam.IRole | undefined): string[] {
  return statementsOf(role)
    .filter((st) => actionsOf(st).some((a) => a.startsWith('kms:')) && !st.Condition?.StringEquals?.['kms:ViaService'])
    .flatMap(actionsOf)
    .sort();
}

describe('data-plane IAM', () => {
  it('has no wildcard action on DynamoDB, SQS or KMS', () => {
    const wildcards = allStatements()
      .flatMap(actionsOf)
      .filter((a) => a === '*' || (isDataAction(a) && a.includes('*')));

    expect(wildcards).toEqual([]);
  });

  it('has no "*" resource on DynamoDB, SQS or KMS, except dynamodb:ListStreams, which has no resource type in IAM', () => {
    const starred = allStatements().filter((st) => resourcesOf(st).includes('*') && actionsOf(st).some(isDataAction));

    // Granted by the stream event source (Table.grantStreamRead); it lists stream ARNs, reads nothing.
    expect(starred.flatMap(actionsOf)).toEqual(['dynamodb:ListStreams']);
  });

  it('gives no data resource an index or table wildcard', () => {
    const arns = JSON.stringify(
      allStatements()
        .filter((st) => actionsOf(st).some(isDataAction))
        .flatMap(resourcesOf),
    );

    expect(arns).not.toContain('/index/*');
    expect(arns).not.toContain('table/*');
  });
});

describe('each function reaches only its own tables, queues and key uses', () => {
  it('executor: both tables, the run queue, the key; no webhook or action queue', () => {
    expect(dataResourcesOf(stack.executor.function.role)).toEqual(['key', 'records', 'runQueue', 'state']);
    expect(directKeyActionsOf(stack.executor.function.role)).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
  });

  it('fan-out: state (read) and the run queue; no records table, no direct key use', () => {
    expect(dataResourcesOf(stack.fanOut.function.role)).toEqual(['key', 'runQueue', 'state']);
    expect(directKeyActionsOf(stack.fanOut.function.role)).toEqual([]);
  });

  it('schedules deploy step: state (read) only, no queue', () => {
    expect(dataResourcesOf(stack.schedules.deployFunction.role)).toEqual(['key', 'state']);
    expect(directKeyActionsOf(stack.schedules.deployFunction.role)).toEqual([]);
  });

  it('API: both tables, the run, delivery and action queues; not the DLQs', () => {
    expect(dataResourcesOf(stack.api.function.role)).toEqual(['actionQueue', 'deliveryQueue', 'key', 'records', 'runQueue', 'state']);
    expect(directKeyActionsOf(stack.api.function.role)).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
  });

  it('run results: state, the delivery queue and its stream-failure destination; no records, key for the stream only', () => {
    expect(dataResourcesOf(stack.webhooks.runResults.role)).toEqual(['deliveryQueue', 'key', 'state', 'streamFailures']);
    // The state table's stream is encrypted with the key: the stream event source grants reading it, nothing that seals.
    expect(directKeyActionsOf(stack.webhooks.runResults.role)).toEqual(['kms:Decrypt', 'kms:DescribeKey']);
  });

  it('webhook delivery: state, the delivery queue and its DLQ; no records table, decrypt only', () => {
    expect(dataResourcesOf(stack.webhooks.delivery.role)).toEqual(['deliveryDlq', 'deliveryQueue', 'key', 'state']);
    expect(directKeyActionsOf(stack.webhooks.delivery.role)).toEqual(['kms:Decrypt']);
  });

  it('actions: state, the action and delivery queues; no records table, no run queue', () => {
    expect(dataResourcesOf(stack.actions.function.role)).toEqual(['actionQueue', 'deliveryQueue', 'key', 'state']);
    expect(directKeyActionsOf(stack.actions.function.role)).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
  });

  it('scheduler invoke role: its DLQ only', () => {
    expect(dataResourcesOf(stack.schedules.role)).toEqual(['schedulerDlq']);
  });
});
