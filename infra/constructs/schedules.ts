import { Aws, type CfnElement, CustomResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type { DataTables } from './data-tables.js';
import { SynclineFunction } from './syncline-function.js';

export interface SchedulesProps {
  readonly data: DataTables;
  /** The fan-out every schedule invokes. */
  readonly fanOut: lambda.IFunction;
  /**
   * Digest of the integration definitions (names + frequencies): a new value re-runs the deploy
   * step, so schedules follow every change of a sync. See `scheduleDefinitionsHash`.
   */
  readonly definitionsHash: string;
  /**
   * Schedule group name (1–64 of `[0-9a-zA-Z-_.]`). Defaults to the stack name, so two stacks in
   * one account (a dev stack beside production) never manage each other's schedules.
   */
  readonly groupName?: string;
  /** Retention of the deploy step's logs. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * EventBridge Scheduler for Syncline: the schedule group, the role schedules invoke the fan-out
 * with, a DLQ for invocations that still fail after the retries, and the deploy step (a custom
 * resource) that creates, re-rates and deletes the schedules in the group.
 *
 * The schedules themselves are not CloudFormation resources: per-connection schedules come from
 * data, and a schedule a person disabled or re-rated in the console must survive a deploy,
 * which a template would reset.
 */
export class Schedules extends Construct {
  readonly group: scheduler.CfnScheduleGroup;
  readonly groupName: string;
  /** Assumed by EventBridge Scheduler; may invoke the fan-out and nothing else. */
  readonly role: iam.Role;
  readonly deadLetterQueue: sqs.Queue;
  readonly deadLetterAlarm: cloudwatch.Alarm;
  readonly deployFunction: SynclineFunction;

  constructor(scope: Construct, id: string, props: SchedulesProps) {
    super(scope, id);
    this.groupName = props.groupName ?? Stack.of(this).stackName;
    this.group = new scheduler.CfnScheduleGroup(this, 'Group', { name: this.groupName });

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: "It is a DLQ: EventBridge Scheduler's dead-letter target for failed fan-out invocations (not an SQS redrive, which cdk-nag cannot see).",
    });
    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLettersAlarm', {
      alarmDescription: 'EventBridge Scheduler could not invoke the Syncline fan-out',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.role = new iam.Role(this, 'InvokeRole', {
      description: 'Assumed by EventBridge Scheduler to invoke the Syncline fan-out',
      // Confused-deputy guard: only schedules of this account may use the role.
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    });
    // The unqualified ARN only (not `:*`): schedules invoke $LATEST, no version or alias.
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [props.fanOut.functionArn] }));
    // Scheduler sends undeliverable invocations to the DLQ with the schedule's role.
    this.deadLetterQueue.grantSendMessages(this.role);

    this.deployFunction = new SynclineFunction(this, 'DeployFunction', {
      description: 'Syncline deploy step: reconciles the EventBridge schedules with the integration definitions',
      entry: 'functions/handlers/deploy/sync-schedules.lambda.ts',
      serviceName: 'syncline-schedules',
      // Reads every schedule of the group and the overrides; throttled calls are retried.
      timeout: Duration.minutes(10),
      memorySize: 512,
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
      environment: {
        SCHEDULE_GROUP: this.groupName,
        FAN_OUT_ARN: props.fanOut.functionArn,
        SCHEDULER_ROLE_ARN: this.role.roleArn,
        SCHEDULER_DLQ_ARN: this.deadLetterQueue.queueArn,
        STATE_TABLE: props.data.state.tableName,
      },
    });
    this.grantManageSchedules(this.deployFunction);
    const deployRole = this.deployFunction.role as iam.Role;
    Validations.of(deployRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'scheduler:ListSchedules has no resource type in IAM; it is the only action granted on "*" (see grantManageSchedules).',
    });
    Validations.of(deployRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${this.groupName}/*]`,
      reason: "Schedules are created from data (one per sync and per connection override): scoped to Syncline's own group.",
    });
    props.data.grantStateRead(this.deployFunction);

    // The provider framework's own function gets the same treatment as a SynclineFunction: a
    // role that writes to its log group only, not the account-wide managed execution policy.
    const providerLogs = new logs.LogGroup(this, 'ProviderLogs', { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH });
    const providerRole = new iam.Role(this, 'ProviderRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    providerLogs.grantWrite(providerRole);
    const provider = new cr.Provider(this, 'Provider', { onEventHandler: this.deployFunction, logGroup: providerLogs, frameworkOnEventRole: providerRole });
    Validations.of(providerRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.deployFunction.node.defaultChild as CfnElement)}.Arn>:*]`,
      reason: "The provider framework's grantInvoke covers the deploy function's versions (`:*`); it invokes only that function.",
    });
    const reconcile = new CustomResource(this, 'Reconcile', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::SynclineSchedules',
      properties: {
        DefinitionsHash: props.definitionsHash,
        FanOutArn: props.fanOut.functionArn,
        SchedulerRoleArn: this.role.roleArn,
        DeadLetterArn: this.deadLetterQueue.queueArn,
      },
    });
    // Schedules go into the group and invoke through the role's policy: both must exist first
    // (and, on stack deletion, the schedules are removed before them).
    reconcile.node.addDependency(this.group, this.role);
  }

  /** Create/read/update/delete schedules of this group only, and pass the invoke role to Scheduler. */
  private grantManageSchedules(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['scheduler:GetSchedule', 'scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'],
      resourceArns: [`arn:${Aws.PARTITION}:scheduler:${Aws.REGION}:${Aws.ACCOUNT_ID}:schedule/${this.groupName}/*`],
    });
    // ListSchedules has no resource type in IAM (it is filtered by GroupName in the call): it
    // can only be granted on "*". It reveals schedule names and states, nothing else.
    iam.Grant.addToPrincipal({ grantee, actions: ['scheduler:ListSchedules'], resourceArns: ['*'] });
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['iam:PassRole'],
      resourceArns: [this.role.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
    });
  }
}
