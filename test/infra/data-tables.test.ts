import { App, RemovalPolicy, Stack, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { DataTables, type DataTablesProps } from '../../infra/constructs/data-tables.js';
import { SynclineStack } from '../../infra/syncline-stack.js';

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}
type HasDefaultChild = { node: { defaultChild?: unknown } };

function synth(props?: DataTablesProps, arrange?: (stack: Stack, data: DataTables) => void) {
  const stack = new Stack(new App(), 'Test');
  const data = new DataTables(stack, 'Data', props);
  arrange?.(stack, data);
  const template = Template.fromStack(stack);
  const resources = template.toJSON().Resources as Record<string, Resource>;
  const logicalId = (c: HasDefaultChild) => stack.getLogicalId(c.node.defaultChild as CfnElement);
  const resourceOf = (c: HasDefaultChild): Resource => {
    const resource = resources[logicalId(c)];
    if (!resource) throw new Error(`no resource for ${c.node.defaultChild}`);
    return resource;
  };
  return { stack, data, template, resources, logicalId, resourceOf };
}

const keySchema = (hash: string, range: string) => [
  { AttributeName: hash, KeyType: 'HASH' },
  { AttributeName: range, KeyType: 'RANGE' },
];

describe('DataTables', () => {
  it('creates exactly two tables and one rotating KMS key', () => {
    const { template } = synth();

    template.resourceCountIs('AWS::DynamoDB::Table', 2);
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('keys the records table pk/sk with a byCursor GSI on pk/cu projecting ALL', () => {
    const { data, resourceOf } = synth();
    const props = resourceOf(data.records).Properties;

    expect(props.KeySchema).toEqual(keySchema('pk', 'sk'));
    expect(props.AttributeDefinitions).toEqual(
      expect.arrayContaining([
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'cu', AttributeType: 'S' },
      ]),
    );
    expect(props.GlobalSecondaryIndexes).toEqual([{ IndexName: 'byCursor', KeySchema: keySchema('pk', 'cu'), Projection: { ProjectionType: 'ALL' } }]);
  });

  it('keys the state table pk/sk with a ttl attribute and no index', () => {
    const { data, resourceOf } = synth();
    const props = resourceOf(data.state).Properties;

    expect(props.KeySchema).toEqual(keySchema('pk', 'sk'));
    expect(props.TimeToLiveSpecification).toEqual({ AttributeName: 'ttl', Enabled: true });
    expect(props.GlobalSecondaryIndexes).toBeUndefined();
  });

  it('streams NEW_AND_OLD_IMAGES from state only', () => {
    const { data, resourceOf } = synth();

    expect(resourceOf(data.state).Properties.StreamSpecification).toEqual({
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    });
    // Decision: records has no stream — webhooks fire per run result (state table), not per
    // record. Adding one must be a deliberate change that updates this test.
    expect(resourceOf(data.records).Properties.StreamSpecification).toBeUndefined();
  });

  it.each(['records', 'state'] as const)('%s: on-demand, encrypted with the construct key, PITR, deletion protection, retained', (table) => {
    const { data, resourceOf, logicalId } = synth();
    const resource = resourceOf(data[table]);

    expect(resource.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: {
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: { 'Fn::GetAtt': [logicalId(data.key), 'Arn'] },
      },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
    });
    expect(resource.Properties.ProvisionedThroughput).toBeUndefined();
    expect(resource.DeletionPolicy).toBe('Retain');
    expect(resource.UpdateReplacePolicy).toBe('Retain');
  });

  it('retains the key with the tables, so retained data stays readable', () => {
    const { data, resourceOf } = synth();

    expect(resourceOf(data.key).DeletionPolicy).toBe('Retain');
  });

  it('lets a dev stack opt into DESTROY without deletion protection', () => {
    const { template } = synth({ removalPolicy: RemovalPolicy.DESTROY, deletionProtection: false });

    template.allResources('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ DeletionProtectionEnabled: false }),
    });
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
  });
});

describe('DataTables grants', () => {
  /** Every (action, resource) pair the role's policies allow, resources rendered as JSON. */
  function allowedPairs(grant: (data: DataTables, role: iam.Role) => void) {
    const { data, resources, logicalId } = synth(undefined, (stack, d) => {
      grant(d, new iam.Role(stack, 'Fn', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }));
    });
    const policies = Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Policy');
    expect(policies).toHaveLength(1);
    const pairs = new Set<string>();
    const conditions = new Map<string, unknown>();
    for (const policy of policies) {
      const doc = policy.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> };
      for (const st of doc.Statement) {
        expect(st.Effect).toBe('Allow');
        for (const action of [st.Action].flat() as string[]) {
          for (const res of [st.Resource].flat()) {
            pairs.add(`${action} ${JSON.stringify(res)}`);
            conditions.set(action, st.Condition);
          }
        }
      }
    }
    const arn = (c: HasDefaultChild) => JSON.stringify({ 'Fn::GetAtt': [logicalId(c), 'Arn'] });
    const index = JSON.stringify({
      'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(data.records), 'Arn'] }, '/index/byCursor']],
    });
    return { pairs, conditions, records: arn(data.records), state: arn(data.state), key: arn(data.key), index };
  }

  const expected = (actions: string[], resources: string[]) => actions.flatMap((a) => resources.map((r) => `${a} ${r}`));

  it('grantRecordsRead allows only reads on the records table and byCursor, and decrypt via DynamoDB', () => {
    const { pairs, conditions, records, index, key } = allowedPairs((d, r) => d.grantRecordsRead(r));

    expect([...pairs].sort()).toEqual([...expected(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query'], [records, index]), ...expected(['kms:Decrypt', 'kms:DescribeKey'], [key])].sort());
    expect(conditions.get('kms:Decrypt')).toEqual({
      StringEquals: {
        'kms:ViaService': { 'Fn::Join': ['', ['dynamodb.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
      },
    });
  });

  it('grantRecordsReadWrite adds writes and encrypt but no Scan, no state table, no index wildcard', () => {
    const { pairs, records, index, key, state } = allowedPairs((d, r) => d.grantRecordsReadWrite(r));
    const all = [...pairs];

    const writes = ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'ConditionCheckItem'];
    for (const action of [...writes, 'Query']) {
      expect(pairs).toContain(`dynamodb:${action} ${records}`);
    }
    expect(pairs).toContain(`dynamodb:Query ${index}`);
    expect(pairs).toContain(`kms:GenerateDataKey ${key}`);
    expect(all.filter((p) => p.startsWith('kms:') && p.split(' ')[0]?.includes('*'))).toEqual([]);
    expect(all.filter((p) => p.startsWith('dynamodb:Scan') || p.startsWith('dynamodb:*'))).toEqual([]);
    expect(all.filter((p) => p.includes(state) || p.includes('index/*'))).toEqual([]);
  });

  it('grantStateReadWrite covers the state table only', () => {
    const { pairs, records, state } = allowedPairs((d, r) => d.grantStateReadWrite(r));
    const all = [...pairs];

    expect(pairs).toContain(`dynamodb:UpdateItem ${state}`);
    expect(pairs).toContain(`dynamodb:Query ${state}`);
    expect(all.filter((p) => p.includes(records))).toEqual([]);
    expect(all.filter((p) => /^dynamodb:(GetRecords|Scan) /.test(p))).toEqual([]);
  });

  it('grantStateRead grants no write action', () => {
    const { pairs } = allowedPairs((d, r) => d.grantStateRead(r));
    const actions = new Set([...pairs].map((p) => p.split(' ')[0]));

    expect([...actions].sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query', 'kms:Decrypt', 'kms:DescribeKey'].sort());
  });
});

describe('SynclineStack', () => {
  it('outputs both table names', () => {
    const stack = new SynclineStack(new App(), 'Syncline');
    const template = Template.fromStack(stack);
    const ref = (c: HasDefaultChild) => ({
      Ref: stack.getLogicalId(c.node.defaultChild as CfnElement),
    });

    template.hasOutput('RecordsTableName', { Value: ref(stack.data.records) });
    template.hasOutput('StateTableName', { Value: ref(stack.data.state) });
  });
});
