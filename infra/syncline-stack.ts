import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { IntegrationRegistry } from '../functions/engine/integration.js';
import { scheduleDefinitionsHash } from '../functions/engine/schedules.js';
import { integrations } from '../functions/discovery/project-integrations.js';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Actions } from './constructs/actions.js';
import { DataTables, type DataTablesProps } from './constructs/data-tables.js';
import { EXECUTOR_TIMEOUT, Executor } from './constructs/executor.js';
import { FanOut } from './constructs/fan-out.js';
import { HttpApi } from './constructs/http-api.js';
import { Monitoring } from './constructs/monitoring.js';
import { RunQueue } from './constructs/run-queue.js';
import { Schedules } from './constructs/schedules.js';
import { Webhooks } from './constructs/webhooks.js';

export interface SynclineStackProps extends StackProps {
  /** Retention settings for the data layer; production defaults when omitted. */
  readonly data?: DataTablesProps;
  /** EventBridge Scheduler group for Syncline's schedules. @default the stack name */
  readonly scheduleGroupName?: string;
  /** The API's public URL when a custom domain fronts it (see `HttpApiProps.publicUrl`). @default the API's stage URL */
  readonly publicUrl?: string;
  /** Retention of every function's log group and the API access logs. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** Where alarm notifications are e-mailed. @default the `alarmEmail` context value, else no subscription */
  readonly alarmEmail?: string;
}

/**
 * The whole Syncline deployment, one construct per concern: the data layer, the run queue, the
 * executor and fan-out functions, the schedules that drive them, and the actions function. Webhooks and the API are
 * added here and receive `data` to bind their grants and table-name environment variables.
 */
export class SynclineStack extends Stack {
  readonly data: DataTables;
  readonly runQueue: RunQueue;
  readonly executor: Executor;
  readonly fanOut: FanOut;
  readonly schedules: Schedules;
  readonly api: HttpApi;
  readonly webhooks: Webhooks;
  readonly actions: Actions;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: SynclineStackProps = {}) {
    super(scope, id, props);

    const logRetention = props.logRetention ? { logRetention: props.logRetention } : {};
    this.data = new DataTables(this, 'Data', props.data);
    this.runQueue = new RunQueue(this, 'RunQueue', { consumerTimeout: EXECUTOR_TIMEOUT });
    this.executor = new Executor(this, 'Executor', { data: this.data, runQueue: this.runQueue, ...logRetention });
    this.fanOut = new FanOut(this, 'FanOut', { data: this.data, runQueue: this.runQueue, ...logRetention });
    this.schedules = new Schedules(this, 'Schedules', {
      data: this.data,
      fanOut: this.fanOut.function,
      definitionsHash: scheduleDefinitionsHash(new IntegrationRegistry(integrations)),
      ...(props.scheduleGroupName ? { groupName: props.scheduleGroupName } : {}),
      ...logRetention,
    });

    this.api = new HttpApi(this, 'Api', {
      data: this.data,
      runQueue: this.runQueue,
      schedules: this.schedules,
      fanOutArn: this.fanOut.function.functionArn,
      ...(props.publicUrl ? { publicUrl: props.publicUrl } : {}),
      ...logRetention,
    });

    this.webhooks = new Webhooks(this, 'Webhooks', { data: this.data, ...logRetention });
    this.webhooks.grantApi(this.api.function);
    // Actions run in their own function: the API invokes it for a synchronous trigger and queues an asynchronous one.
    this.actions = new Actions(this, 'Actions', { data: this.data, webhooks: this.webhooks, ...logRetention });
    this.actions.grantTrigger(this.api.function);

    // Alarms (to an SNS topic, e-mailed when an address is given: -c alarmEmail=ops@example.com) and the dashboard.
    const contextEmail: unknown = this.node.tryGetContext('alarmEmail');
    const alarmEmail = props.alarmEmail ?? (typeof contextEmail === 'string' && contextEmail.length > 0 ? contextEmail : undefined);
    this.monitoring = new Monitoring(this, 'Monitoring', {
      runQueue: this.runQueue,
      executor: this.executor,
      fanOut: this.fanOut,
      schedules: this.schedules,
      api: this.api,
      webhooks: this.webhooks,
      actions: this.actions,
      ...(alarmEmail ? { alarmEmail } : {}),
    });

    new CfnOutput(this, 'ApiUrl', {
      description: 'Base URL of the Syncline HTTP API (use it where a Nango client takes its host)',
      value: this.api.url,
    });
    new CfnOutput(this, 'OAuthRedirectUri', {
      description: "Register this redirect URI (callback URL) in every provider's OAuth app used for connect sessions",
      value: this.api.oauthRedirectUri,
    });
    new CfnOutput(this, 'BootstrapKeySecretArn', {
      description: 'Secrets Manager secret holding the first API key (aws secretsmanager get-secret-value --secret-id <arn>)',
      value: this.api.bootstrapKeySecret.secretArn,
    });
    new CfnOutput(this, 'RecordsTableName', {
      description: 'DynamoDB table holding synced records',
      value: this.data.records.tableName,
    });
    new CfnOutput(this, 'StateTableName', {
      description: 'DynamoDB table holding connections, runs and sync state',
      value: this.data.state.tableName,
    });
    new CfnOutput(this, 'RunQueueUrl', {
      description: 'SQS queue of runs for the executor',
      value: this.runQueue.queue.queueUrl,
    });
    new CfnOutput(this, 'ActionQueueUrl', {
      description: 'SQS queue of asynchronous action executions',
      value: this.actions.queue.queueUrl,
    });
    new CfnOutput(this, 'EventBusName', {
      description: 'EventBridge bus receiving sync.success / sync.error run results (source "syncline")',
      value: this.webhooks.bus.eventBusName,
    });
    new CfnOutput(this, 'ScheduleGroupName', {
      description: 'EventBridge Scheduler group holding one schedule per sync (and per connection override)',
      value: this.schedules.groupName,
    });
  }
}
