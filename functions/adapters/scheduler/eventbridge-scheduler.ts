/**
 * The `Scheduler` port on EventBridge Scheduler: one schedule per name in Syncline's group,
 * each invoking the fan-out Lambda with `{integration, sync[, connection[, variant]], scheduledAt}`.
 *
 * The rate Syncline set is recorded in the schedule's Description (`syncline managed-rate=…`),
 * the only free-text field a schedule has, so a later read can tell a console re-rate from
 * Syncline's own rate. UpdateSchedule replaces every field (unset ones fall back to defaults),
 * so `updateRate` reads the schedule first and writes back what a person may have set.
 */
import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  paginateListSchedules,
  ResourceNotFoundException,
  UpdateScheduleCommand,
  type GetScheduleOutput,
  type SchedulerClient,
  type Target,
} from '@aws-sdk/client-scheduler';
import * as z from 'zod';
import { mapWithConcurrency } from '../../engine/concurrency.js';
import type { ScheduleInfo, ScheduleSpec, Scheduler } from '../../engine/ports.js';

export interface EventBridgeSchedulerOptions {
  client: SchedulerClient;
  groupName: string;
  /** The fan-out Lambda's ARN. */
  targetArn: string;
  /** The role EventBridge Scheduler assumes to invoke the fan-out. */
  roleArn: string;
  /** SQS queue for invocations that still fail after the retries. */
  deadLetterArn?: string;
  /**
   * Retries of a failed invocation. A fan-out older than a few minutes is superseded by the next
   * firing, so retries stop early; a repeated fan-out is harmless (run ids derive from the time).
   * @default { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 300 }
   */
  retry?: { maximumRetryAttempts: number; maximumEventAgeInSeconds: number };
  /** GetSchedule calls in flight while listing. @default 5 */
  readConcurrency?: number;
}

/** EventBridge Scheduler substitutes this placeholder with the firing's scheduled time (ISO). */
export const SCHEDULED_TIME_PLACEHOLDER = '<aws.scheduler.scheduled-time>';

const MANAGED_PREFIX = 'syncline managed-rate=';
const MANAGED_PATTERN = /syncline managed-rate=((?:rate|cron|at)\([^)]*\))/;

const TargetInputSchema = z.object({
  integration: z.string().min(1),
  sync: z.string().min(1),
  connection: z.string().min(1).optional(),
  variant: z.string().min(1).optional(),
});

export class EventBridgeScheduler implements Scheduler {
  private readonly retry: NonNullable<EventBridgeSchedulerOptions['retry']>;

  constructor(private readonly options: EventBridgeSchedulerOptions) {
    this.retry = options.retry ?? { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 300 };
  }

  async get(name: string): Promise<ScheduleInfo | null> {
    const output = await this.fetch(name);
    return output ? toInfo(name, output) : null;
  }

  async list(): Promise<ScheduleInfo[]> {
    // ListSchedules returns summaries without expression, description or input: read each one.
    const names: string[] = [];
    for await (const page of paginateListSchedules({ client: this.options.client }, { GroupName: this.options.groupName })) {
      for (const summary of page.Schedules ?? []) if (summary.Name) names.push(summary.Name);
    }
    const infos = await mapWithConcurrency(names, this.options.readConcurrency ?? 5, (name) => this.get(name));
    // A schedule deleted between the list and the read is simply gone.
    return infos.filter((info): info is ScheduleInfo => info !== null);
  }

  async create(spec: ScheduleSpec): Promise<void> {
    await this.options.client.send(
      new CreateScheduleCommand({
        Name: spec.name,
        GroupName: this.options.groupName,
        ScheduleExpression: spec.rateExpression,
        Description: describeManaged(spec.rateExpression),
        State: 'ENABLED',
        // Fire on the dot: the scheduled time names the run, and connections are spread by SQS.
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: this.target(spec),
      }),
    );
  }

  async updateRate(spec: ScheduleSpec): Promise<void> {
    const current = await this.fetch(spec.name);
    if (!current) return; // deleted meanwhile (e.g. by a person): nothing to re-rate
    await this.options.client.send(
      new UpdateScheduleCommand({
        Name: spec.name,
        GroupName: this.options.groupName,
        ScheduleExpression: spec.rateExpression,
        Description: describeManaged(spec.rateExpression),
        // Everything a person may have set is written back as it was, the state above all.
        State: current.State,
        ScheduleExpressionTimezone: current.ScheduleExpressionTimezone,
        StartDate: current.StartDate,
        EndDate: current.EndDate,
        KmsKeyArn: current.KmsKeyArn,
        ActionAfterCompletion: current.ActionAfterCompletion,
        FlexibleTimeWindow: current.FlexibleTimeWindow ?? { Mode: 'OFF' },
        // The target is Syncline's: the current fan-out, role, payload, retries and DLQ.
        Target: this.target(spec),
      }),
    );
  }

  async delete(name: string): Promise<void> {
    try {
      await this.options.client.send(new DeleteScheduleCommand({ Name: name, GroupName: this.options.groupName }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
  }

  private async fetch(name: string): Promise<GetScheduleOutput | null> {
    try {
      return await this.options.client.send(new GetScheduleCommand({ Name: name, GroupName: this.options.groupName }));
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return null;
      throw error;
    }
  }

  private target(spec: ScheduleSpec): Target {
    const { integration, sync, connection, variant } = spec.target;
    return {
      Arn: this.options.targetArn,
      RoleArn: this.options.roleArn,
      Input: JSON.stringify({
        integration,
        sync,
        ...(connection !== undefined ? { connection } : {}),
        ...(variant !== undefined ? { variant } : {}),
        scheduledAt: SCHEDULED_TIME_PLACEHOLDER,
      }),
      RetryPolicy: {
        MaximumRetryAttempts: this.retry.maximumRetryAttempts,
        MaximumEventAgeInSeconds: this.retry.maximumEventAgeInSeconds,
      },
      ...(this.options.deadLetterArn ? { DeadLetterConfig: { Arn: this.options.deadLetterArn } } : {}),
    };
  }
}

function describeManaged(rateExpression: string): string {
  return `${MANAGED_PREFIX}${rateExpression}`;
}

/**
 * A schedule whose input is not a Syncline payload (made by hand in the group) reads as
 * unmanaged with an empty target, so the reconciler leaves it alone.
 */
function toInfo(name: string, output: GetScheduleOutput): ScheduleInfo {
  const target = parseTarget(output.Target?.Input);
  const managed = MANAGED_PATTERN.exec(output.Description ?? '')?.[1] ?? null;
  return {
    name,
    rateExpression: output.ScheduleExpression ?? '',
    enabled: output.State !== 'DISABLED',
    managedRateExpression: target ? managed : null,
    target: target ?? { integration: '', sync: '' },
  };
}

function parseTarget(input: string | undefined): ScheduleInfo['target'] | null {
  if (!input) return null;
  let json: unknown;
  try {
    json = JSON.parse(input);
  } catch {
    return null;
  }
  const parsed = TargetInputSchema.safeParse(json);
  if (!parsed.success) return null;
  const { integration, sync, connection, variant } = parsed.data;
  return { integration, sync, ...(connection === undefined ? {} : { connection }), ...(variant === undefined ? {} : { variant }) };
}
