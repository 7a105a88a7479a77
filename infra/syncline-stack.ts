import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { DataTables, type DataTablesProps } from './constructs/data-tables.js';

export interface SynclineStackProps extends StackProps {
  /** Retention settings for the data layer; production defaults when omitted. */
  readonly data?: DataTablesProps;
}

/**
 * The whole Syncline deployment. One construct per concern: the data layer now; the executor,
 * fan-out, schedules, webhooks and API constructs are added here and receive `data` to bind
 * their grants and table-name environment variables.
 */
export class SynclineStack extends Stack {
  readonly data: DataTables;

  constructor(scope: Construct, id: string, props: SynclineStackProps = {}) {
    super(scope, id, props);

    this.data = new DataTables(this, 'Data', props.data);

    new CfnOutput(this, 'RecordsTableName', {
      description: 'DynamoDB table holding synced records',
      value: this.data.records.tableName,
    });
    new CfnOutput(this, 'StateTableName', {
      description: 'DynamoDB table holding connections, runs and sync state',
      value: this.data.state.tableName,
    });
  }
}
