/** Environment of the Lambda functions, validated once per cold start; each function picks its part. */
import * as z from 'zod';
import type { RunnerConfig } from '../engine/runner/runner-config.js';

export const TablesEnv = z.object({
  RECORDS_TABLE: z.string().min(1),
  STATE_TABLE: z.string().min(1),
  /** Finished runs expire (DynamoDB TTL) this many days after they finish; default 90. */
  SYNCLINE_RUN_RETENTION_DAYS: z.coerce.number().positive().max(3650).optional(),
});

export const QueueEnv = z.object({
  RUN_QUEUE_URL: z.string().url(),
});

/** The asynchronous actions' queue: the actions function (retries) and the API (async triggers). */
export const ActionQueueEnv = z.object({
  ACTION_QUEUE_URL: z.string().url(),
});

/** What the API needs to trigger actions: the actions function it invokes for a synchronous one, and the queue. */
export const ActionsApiEnv = ActionQueueEnv.extend({
  ACTIONS_FUNCTION_NAME: z.string().min(1),
});

/**
 * Where a function that creates webhook deliveries sends them (the run-results function's
 * variables): the delivery queue, its DLQ, the event bus, and the deployment's name.
 */
export const WebhookDeliveryEnv = z.object({
  DELIVERY_QUEUE_URL: z.string().url(),
  DELIVERY_DLQ_URL: z.string().url(),
  EVENT_BUS_NAME: z.string().min(1),
  /** The deployment's name (Nango's `environment`). */
  SYNCLINE_ENVIRONMENT: z.string().min(1).max(64).default('prod'),
});

export function readEnv<T extends z.ZodObject>(schema: T, env: NodeJS.ProcessEnv = process.env): z.infer<T> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`environment is incomplete: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

/**
 * The runner's guards, the same variables locally and in AWS (executor): the mass-deletion guard
 * and the continuation cap. Unset means the defaults of `DEFAULT_RUNNER_CONFIG`.
 */
export const RunnerEnv = z.object({
  SYNCLINE_MAX_DELETE_SHARE: z.coerce.number().min(0).max(1).optional(),
  SYNCLINE_MIN_GUARDED_DELETIONS: z.coerce.number().int().min(0).optional(),
  SYNCLINE_MAX_INVOCATIONS: z.coerce.number().int().min(1).optional(),
  SYNCLINE_RECORD_VALIDATION: z.enum(['warn', 'reject']).optional(),
});

/** The runner settings the environment overrides. */
export function runnerConfigFrom(env: z.infer<typeof RunnerEnv>): Partial<RunnerConfig> {
  return {
    ...(env.SYNCLINE_MAX_DELETE_SHARE !== undefined ? { maxDeleteShare: env.SYNCLINE_MAX_DELETE_SHARE } : {}),
    ...(env.SYNCLINE_MIN_GUARDED_DELETIONS !== undefined ? { minGuardedDeletions: env.SYNCLINE_MIN_GUARDED_DELETIONS } : {}),
    ...(env.SYNCLINE_MAX_INVOCATIONS !== undefined ? { maxInvocations: env.SYNCLINE_MAX_INVOCATIONS } : {}),
    ...(env.SYNCLINE_RECORD_VALIDATION !== undefined ? { recordValidation: env.SYNCLINE_RECORD_VALIDATION } : {}),
  };
}

export const KeyEnv = z.object({
  /** The KMS key that wraps the data keys of encrypted credentials. */
  KMS_KEY_ID: z.string().min(1),
});
