/**
 * Deploy step: a CloudFormation custom resource (CDK Provider framework `onEvent`) that brings
 * the EventBridge schedules in line with the integration definitions and the per-connection
 * frequency overrides. The resource's properties carry a hash of the definitions, so every
 * deploy that changes a sync's name or frequency runs it again.
 *
 * Why a custom resource rather than CfnSchedule resources: the per-connection schedules come
 * from data (the state table), and schedules a person disabled or re-rated must survive a
 * deploy — CloudFormation would reset both to the template.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import * as z from 'zod';
import { integrations } from 'syncline-integrations';
import { makeDynamoClients } from '../../adapters/dynamodb/client.js';
import { makeOverrideReader } from '../../adapters/dynamodb/override-reader.js';
import { EventBridgeScheduler } from '../../adapters/scheduler/eventbridge-scheduler.js';
import { IntegrationRegistry } from '../../engine/integration.js';
import { reconcileSchedules, removeManagedSchedules, type ScheduleReport } from '../../engine/schedules.js';
import { readEnv } from '../env.js';

const Env = z.object({
  SCHEDULE_GROUP: z.string().min(1),
  FAN_OUT_ARN: z.string().startsWith('arn:'),
  SCHEDULER_ROLE_ARN: z.string().startsWith('arn:'),
  STATE_TABLE: z.string().min(1),
  SCHEDULER_DLQ_ARN: z.string().startsWith('arn:').optional(),
});

/** What the construct puts in the resource's properties; a change to any of them re-runs the step. */
const Properties = z.object({
  DefinitionsHash: z.string(),
  FanOutArn: z.string(),
  SchedulerRoleArn: z.string(),
  DeadLetterArn: z.string().optional(),
});

const env = readEnv(Env);
const logger = new Logger({ serviceName: 'syncline-schedules' });
const registry = new IntegrationRegistry(integrations);
// Generous retries: a deploy may touch many schedules and Scheduler throttles per account.
const client = new SchedulerClient({ maxAttempts: 8 });
const schedulerFor = (groupName: string) => new EventBridgeScheduler({ client, groupName, targetArn: env.FAN_OUT_ARN, roleArn: env.SCHEDULER_ROLE_ARN, deadLetterArn: env.SCHEDULER_DLQ_ARN });
const { doc } = makeDynamoClients();
const physicalIdPrefix = 'syncline-schedules/';

export async function handler(event: CloudFormationCustomResourceEvent) {
  const physicalId = `${physicalIdPrefix}${env.SCHEDULE_GROUP}`;

  if (event.RequestType === 'Delete') {
    // The schedules are not CloudFormation resources, so nothing else removes them when the
    // stack (or this construct) goes: a retained or reused group would keep invoking a deleted
    // fan-out. Deleting the group also drops its schedules, but only if the group goes too.
    // Never fail a Delete — that would wedge stack deletion and rollback — just log.
    const group = event.PhysicalResourceId.startsWith(physicalIdPrefix) ? event.PhysicalResourceId.slice(physicalIdPrefix.length) : env.SCHEDULE_GROUP;
    try {
      summarize(await removeManagedSchedules(schedulerFor(group)));
    } catch (error) {
      logger.error('could not delete the managed schedules; deleting the group removes them', { group, error });
    }
    return { PhysicalResourceId: event.PhysicalResourceId };
  }

  const next = Properties.parse(event.ResourceProperties);
  const previous = event.RequestType === 'Update' ? Properties.safeParse(event.OldResourceProperties).data : undefined;
  const reports = await reconcileSchedules({
    registry,
    scheduler: schedulerFor(env.SCHEDULE_GROUP),
    overrides: makeOverrideReader({ doc, tableName: env.STATE_TABLE, registry }),
    // Only untouched schedules are rewritten; the rest keep pointing where a person left them.
    refreshTargets: previous !== undefined && (previous.FanOutArn !== next.FanOutArn || previous.SchedulerRoleArn !== next.SchedulerRoleArn || previous.DeadLetterArn !== next.DeadLetterArn),
  });
  // Data stays small: a custom resource response is capped at 4 KB; the full report is logged.
  return { PhysicalResourceId: physicalId, Data: summarize(reports) };
}

function summarize(reports: ScheduleReport[]): Record<string, number> {
  const counts: Record<string, number> = { created: 0, updated: 0, unchanged: 0, kept: 0, deleted: 0 };
  for (const report of reports) counts[report.action] = (counts[report.action] ?? 0) + 1;
  logger.info('schedules reconciled', { counts, schedules: reports });
  return counts;
}
