/**
 * The run lifecycle as data: the statuses a run can be in, which changes are allowed, which
 * statuses are final, and the one schema of a stored run that its writer (the run repository)
 * and every reader (stream handler and its filter, webhook planner, controls, API) share.
 *
 * A run item is created RUNNING when an executor takes the lease, or CANCELLED when a cancel
 * lands before that. From RUNNING it ends exactly once; a final run never changes again. The
 * repository enforces each change with a condition on the status it expects to leave, so two
 * writers racing (a cancel and the runner resuming, say) cannot undo each other.
 */
import * as z from 'zod';

export const RUN_STATUSES = ['RUNNING', 'SUCCESS', 'ERROR', 'CANCELLED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Statuses a run never leaves. */
export const FINAL_RUN_STATUSES = ['SUCCESS', 'ERROR', 'CANCELLED'] as const satisfies readonly RunStatus[];
export type FinalRunStatus = (typeof FINAL_RUN_STATUSES)[number];

/**
 * Final statuses that tell the customer something (webhooks, events): a CANCELLED run was
 * stopped by a person, so there is nothing new to fetch and nothing broke.
 */
export const NOTIFIED_RUN_STATUSES = ['SUCCESS', 'ERROR'] as const satisfies readonly FinalRunStatus[];
export type NotifiedRunStatus = (typeof NOTIFIED_RUN_STATUSES)[number];

/** Allowed status changes; `NONE` is "no run item yet". */
export const RUN_TRANSITIONS: Readonly<Record<RunStatus | 'NONE', readonly RunStatus[]>> = {
  NONE: ['RUNNING', 'CANCELLED'],
  // RUNNING → RUNNING is a resume: the next invocation of a continued or redelivered run.
  RUNNING: ['RUNNING', 'SUCCESS', 'ERROR', 'CANCELLED'],
  SUCCESS: [],
  ERROR: [],
  CANCELLED: [],
};

export function canTransition(from: RunStatus | null, to: RunStatus): boolean {
  return RUN_TRANSITIONS[from ?? 'NONE'].includes(to);
}

export function isFinalRunStatus(status: string): status is FinalRunStatus {
  return (FINAL_RUN_STATUSES as readonly string[]).includes(status);
}

export function isNotifiedRunStatus(status: string): status is NotifiedRunStatus {
  return (NOTIFIED_RUN_STATUSES as readonly string[]).includes(status);
}

export const RUN_TYPES = ['INITIAL', 'INCREMENTAL'] as const;
export type RunType = (typeof RUN_TYPES)[number];
export const RUN_TRIGGERS = ['SCHEDULE', 'MANUAL', 'CONTINUATION'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];

export const ChangeCountsSchema = z.object({ added: z.number(), updated: z.number(), deleted: z.number() });
export type ChangeCounts = z.infer<typeof ChangeCountsSchema>;

export const RunErrorSchema = z.object({ type: z.string(), message: z.string() });
export type RunError = z.infer<typeof RunErrorSchema>;

/** A sync's checkpoint as stored: a flat object of strings, numbers and booleans (Nango's `Checkpoint`). */
export const CheckpointSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

/**
 * Nango's `CheckpointRange` for one run: `from` is the checkpoint the run started from (null on a
 * first run, after a reset, or once a full sync finished its pass), `to` the last one the script
 * saved (null after `clearCheckpoint()`). Receivers tell a full sync (`from` null) from an
 * incremental one by it.
 */
export const CheckpointRangeSchema = z.object({ from: CheckpointSchema.nullable(), to: CheckpointSchema.nullable() });
export type CheckpointRange = z.infer<typeof CheckpointRangeSchema>;

/** What `lastRun` on a connection-sync and each listed execution carry. */
export const RunSummarySchema = z.object({
  runId: z.string(),
  status: z.enum(RUN_STATUSES),
  type: z.enum(RUN_TYPES),
  trigger: z.enum(RUN_TRIGGERS),
  startedAt: z.number(),
  finishedAt: z.number().nullable().default(null),
  results: z.record(z.string(), ChangeCountsSchema).default({}),
  error: RunErrorSchema.nullable().default(null),
});
export type RunSummary = z.infer<typeof RunSummarySchema>;

/** A stored run: one execution of one sync for one connection, across all its invocations. */
export const RunSchema = RunSummarySchema.extend({
  providerConfigKey: z.string(),
  connectionId: z.string(),
  syncName: z.string(),
  /** The sync variant; absent on the base variant (and on runs stored before variants). */
  variant: z.string().optional(),
  /** Invocations that worked on the run; a continuation or a redelivery adds one. */
  invocations: z.number().int().min(0).default(0),
  /** Hand-overs in a row that moved nothing forward; a second one in a row ends the run. */
  stalledHandOvers: z.number().int().min(0).default(0),
  /**
   * The connection-sync's checkpoint when the run was created, kept for every later invocation
   * (continuations, redeliveries) so the run's range starts where the run did, not where the
   * last invocation did. Absent on runs created before it was recorded.
   */
  checkpointAtStart: CheckpointSchema.nullable().optional(),
  /** Set when the run ends, if its script read, saved or cleared its checkpoint: the range the webhooks report. */
  checkpoints: CheckpointRangeSchema.optional(),
});
export type RunRecord = z.infer<typeof RunSchema>;

/** A run as its first invocation opens it: RUNNING, nothing counted yet. */
export function newRun(
  fields: Pick<RunRecord, 'providerConfigKey' | 'connectionId' | 'syncName' | 'runId' | 'trigger' | 'type' | 'startedAt'> & Pick<Partial<RunRecord>, 'variant' | 'checkpointAtStart'>,
): RunRecord {
  return { ...fields, status: 'RUNNING', finishedAt: null, results: {}, error: null, invocations: 1, stalledHandOvers: 0 };
}

/** The summary of a run as kept on its connection-sync. */
export function summarizeRun(run: RunRecord): RunSummary {
  const { runId, status, type, trigger, startedAt, finishedAt, results, error } = run;
  return { runId, status, type, trigger, startedAt, finishedAt, results, error };
}
