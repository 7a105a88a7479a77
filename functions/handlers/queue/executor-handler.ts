/**
 * The executor Lambda's logic, shared by AWS and the local poller: one SQS record is one run
 * message. Outcomes (finished, duplicate, busy, paused, continued) delete the message; only an
 * infrastructure failure is reported back, so SQS redelivers it and, in the end, parks it in
 * the DLQ. A script error is a FINISHED run in ERROR: recorded, not retried.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod';
import { handleRunMessage, type ExecutorDeps } from '../../engine/orchestration/handle-run-message.js';
import { RUN_TRIGGERS } from '../../engine/model/run.js';
import { loggerWithKeys, type RunMessage } from '../../engine/ports.js';
import { VariantNameSchema } from '../../engine/state-ports.js';

export const RunMessageSchema = z.object({
  providerConfigKey: z.string().min(1),
  connectionId: z.string().min(1),
  syncName: z.string().min(1),
  /** Absent for the base variant. */
  variant: VariantNameSchema.optional(),
  runId: z.string().min(1),
  trigger: z.enum(RUN_TRIGGERS),
  scheduledAt: z.string().optional(),
  acceptMassDeletion: z.boolean().optional(),
}) satisfies z.ZodType<RunMessage>;

export interface InvocationContext {
  awsRequestId: string;
  getRemainingTimeInMillis(): number;
}

export function makeExecutorHandler(deps: ExecutorDeps) {
  return async (event: SQSEvent, context: InvocationContext): Promise<SQSBatchResponse> => {
    try {
      return await handleBatch(event, context);
    } finally {
      // One flush per invocation: the batch's counts go out as a few EMF lines.
      deps.metrics?.flush();
    }
  };

  function handleBatch(event: SQSEvent, context: InvocationContext): Promise<SQSBatchResponse> {
    // One after another: each run may use the invocation's remaining time. A fresh processor per
    // invocation, since the local poller runs invocations of one handler concurrently. A batch
    // whose every record failed is still a partial response, not an exception.
    return processPartialResponse(event, (record: SQSRecord) => handleRecord(record, context), new BatchProcessor(EventType.SQS), {
      processInParallel: false,
      throwOnFullBatchFailure: false,
    });
  }

  /** Returns for an outcome (the message is deleted); throws for a failure (it is reported back). */
  async function handleRecord(record: SQSRecord, context: InvocationContext): Promise<void> {
    const message = parseMessage(record.body);
    if (!message.success) {
      // A malformed message can never succeed: let it reach the DLQ where a person sees it.
      deps.logger.log('error', `unreadable run message ${record.messageId}: ${message.error}`);
      throw new Error(`unreadable run message ${record.messageId}`);
    }
    const { runId, providerConfigKey, connectionId, syncName, variant } = message.data;
    // Every line of this run, the runner's included, carries these keys (never in the message text).
    const logger = loggerWithKeys(deps.logger, { integration: providerConfigKey, connection: connectionId, sync: syncName, runId, ...(variant === undefined ? {} : { variant }) });
    try {
      const outcome = await handleRunMessage({ ...deps, logger }, message.data, {
        owner: `${context.awsRequestId}/${record.messageId}`,
        deadline: deps.clock.now() + context.getRemainingTimeInMillis(),
      });
      logger.log('info', describeOutcome(outcome));
    } catch (error) {
      logger.log('error', `run failed on infrastructure, will be retried: ${error instanceof Error ? error.message : String(error)}`);
      throw error;
    }
  }
}

function parseMessage(body: string): { success: true; data: RunMessage } | { success: false; error: string } {
  try {
    const parsed = RunMessageSchema.safeParse(JSON.parse(body));
    return parsed.success ? { success: true, data: parsed.data } : { success: false, error: z.prettifyError(parsed.error) };
  } catch {
    return { success: false, error: 'body is not JSON' };
  }
}

function describeOutcome(outcome: Awaited<ReturnType<typeof handleRunMessage>>): string {
  switch (outcome.kind) {
    case 'FINISHED': {
      const counts = Object.entries(outcome.run.results)
        .map(([model, c]) => `${model} +${c.added} ~${c.updated} -${c.deleted}`)
        .join(', ');
      const error = outcome.run.error ? ` (${outcome.run.error.type}: ${outcome.run.error.message})` : '';
      return `run ${outcome.run.runId} ${outcome.run.status} in ${(outcome.run.finishedAt ?? 0) - outcome.run.startedAt} ms: ${counts || 'no models'}${error}`;
    }
    case 'CONTINUE':
      return `run ${outcome.runId} reached the invocation deadline; continues in a new invocation`;
    case 'BUSY':
      return `run not started: ${outcome.heldBy ? `run ${outcome.heldBy.runId} holds the lease` : 'lease unavailable'}`;
    case 'DUPLICATE':
      return `run ${outcome.runId} already finished; duplicate message dropped`;
    case 'STOPPED':
      return `run ${outcome.runId} stopped: ${outcome.reason}`;
    case 'SKIPPED':
      return `run skipped: ${outcome.reason}`;
  }
}
