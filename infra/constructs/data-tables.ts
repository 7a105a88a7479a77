import { Aws, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { RECORDS_KEYS, STATE_KEYS } from '../../functions/adapters/dynamodb/table-schema.js';

export interface DataTablesProps {
  /**
   * What happens to the tables and their key when the stack (or the construct) is deleted.
   * Production keeps the data; an ephemeral dev stack may pass `DESTROY` together with
   * `deletionProtection: false`, otherwise CloudFormation cannot delete the tables.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /** @default true */
  readonly deletionProtection?: boolean;
}

/*
 * Least-privilege action sets: only what the engine's adapters call. Deliberately absent:
 * Scan (deletion detection queries one partition, it never scans), DescribeTable, and the
 * stream actions (a stream consumer gets those from its event source, on the stream ARN).
 * TransactWriteItems is authorised per item by Put/Update/Delete/ConditionCheckItem.
 */
const READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'];
const WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:ConditionCheckItem'];
/*
 * The KMS actions DynamoDB performs with the caller's credentials for a customer-managed key,
 * spelled out (no `kms:ReEncrypt*` / `kms:GenerateDataKey*`): a wildcard would also cover the
 * asymmetric data-key-pair actions, which a symmetric table key never needs.
 */
const KEY_READ_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey'];
const KEY_WRITE_ACTIONS = ['kms:Encrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext'];
/* Envelope encryption of credentials and signing secrets (adapters/crypto/kms-cipher.ts): a data key per seal, Decrypt to open. */
const ENVELOPE_SEAL_ACTIONS = ['kms:GenerateDataKey'];
const ENVELOPE_OPEN_ACTIONS = ['kms:Decrypt'];

/**
 * Syncline's stateful core: the records table, the state table and the KMS key that encrypts
 * both and the credential envelopes (grant those with `grantEnvelopeSealOpen` / `grantEnvelopeOpen`).
 *
 * Table rather than TableV2: TableV2 (AWS::DynamoDB::GlobalTable) puts the customer-managed key
 * in a per-replica SSE specification that needs a concrete region, so it refuses to synthesise
 * in an environment-agnostic stack — and this app must synth offline without an account or
 * region. Table takes the key at table level. Cost of the choice: a multi-region future would
 * be a retain-and-import migration to TableV2 rather than a props change.
 */
export class DataTables extends Construct {
  /** One item per (connection, model, record id); GSI `byCursor` lists a model in modification order. */
  readonly records: dynamodb.Table;
  /** Connections, connection-syncs, runs, run logs, seen-id chunks; its stream feeds webhooks. */
  readonly state: dynamodb.Table;
  /** Customer-managed key for both tables (rotation on). */
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: DataTablesProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const deletionProtection = props.deletionProtection ?? true;

    // The key shares the tables' removal policy: a retained table (or PITR backup) whose key
    // was scheduled for deletion becomes unreadable.
    this.key = new kms.Key(this, 'Key', {
      description: 'Syncline records, state and credential envelopes',
      enableKeyRotation: true,
      removalPolicy,
    });

    const common = {
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection,
      removalPolicy,
    } satisfies Partial<dynamodb.TableProps>;

    // No stream on records, by decision: webhooks fire once per run result (state table), not
    // once per record, and nothing else consumes record changes. Adding one later is an
    // in-place update of the table.
    this.records = new dynamodb.Table(this, 'Records', {
      ...common,
      partitionKey: { name: RECORDS_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: RECORDS_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
    });
    this.records.addGlobalSecondaryIndex({
      indexName: RECORDS_KEYS.cursorIndex,
      partitionKey: { name: RECORDS_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: RECORDS_KEYS.cursorKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });

    this.state = new dynamodb.Table(this, 'State', {
      ...common,
      partitionKey: { name: STATE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: STATE_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: STATE_KEYS.ttl,
      stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
    });
  }

  /** Get/BatchGet/Query on the records table and its `byCursor` index, plus decrypt. */
  grantRecordsRead(grantee: iam.IGrantable): iam.Grant {
    return this.grantData(grantee, this.recordsArns(), READ_ACTIONS, KEY_READ_ACTIONS);
  }

  /** Read plus Put/Update/Delete/BatchWrite/ConditionCheck on the records table. */
  grantRecordsReadWrite(grantee: iam.IGrantable): iam.Grant {
    return this.grantData(grantee, this.recordsArns(), [...READ_ACTIONS, ...WRITE_ACTIONS], [...KEY_READ_ACTIONS, ...KEY_WRITE_ACTIONS]);
  }

  /** Get/BatchGet/Query on the state table (it has no index), plus decrypt. */
  grantStateRead(grantee: iam.IGrantable): iam.Grant {
    return this.grantData(grantee, [this.state.tableArn], READ_ACTIONS, KEY_READ_ACTIONS);
  }

  /** Read plus Put/Update/Delete/BatchWrite/ConditionCheck on the state table. */
  grantStateReadWrite(grantee: iam.IGrantable): iam.Grant {
    return this.grantData(grantee, [this.state.tableArn], [...READ_ACTIONS, ...WRITE_ACTIONS], [...KEY_READ_ACTIONS, ...KEY_WRITE_ACTIONS]);
  }

  /**
   * Seal and open credential envelopes with the key directly (not through DynamoDB): exactly the
   * two calls `KmsEnvelopeCipher` makes, GenerateDataKey and Decrypt.
   */
  grantEnvelopeSealOpen(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: [...ENVELOPE_SEAL_ACTIONS, ...ENVELOPE_OPEN_ACTIONS], resourceArns: [this.key.keyArn] });
  }

  /** Open credential envelopes only (Decrypt), e.g. webhook signing secrets for a sender. */
  grantEnvelopeOpen(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ENVELOPE_OPEN_ACTIONS, resourceArns: [this.key.keyArn] });
  }

  /** The records table and only the index the engine queries, not `index/*`. */
  private recordsArns(): string[] {
    return [this.records.tableArn, `${this.records.tableArn}/index/${RECORDS_KEYS.cursorIndex}`];
  }

  /**
   * Table actions on `resourceArns`, and key actions usable only through DynamoDB in this
   * region (kms:ViaService), so a table grant does not double as a raw-KMS grant; direct key
   * use (credential envelopes) is granted separately (`grantEnvelopeSealOpen`).
   */
  private grantData(grantee: iam.IGrantable, resourceArns: string[], tableActions: string[], keyActions: string[]): iam.Grant {
    const tableGrant = iam.Grant.addToPrincipal({ grantee, actions: tableActions, resourceArns });
    const keyGrant = iam.Grant.addToPrincipal({
      grantee,
      actions: keyActions,
      resourceArns: [this.key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Aws.REGION}.amazonaws.com` } },
    });
    return tableGrant.combine(keyGrant);
  }
}
