/**
 * The actions Lambda's logic: one function, two triggers.
 *
 * - The actions queue (SQS, batch size 1): one message is one attempt of an asynchronous
 *   execution. Outcomes (finished, retrying, duplicate, unknown) delete the message; only an
 *   infrastructure failure is reported back, so SQS redelivers it and, in the end, parks it in
 *   the DLQ. A malformed message goes the same way, where a person sees it.
 * - A direct, synchronous invocation `{executionId, deadline}` from the API (`LambdaActionInvoker`):
 *   runs the created execution and answers with its `ActionOutcome`. An infrastructure failure
 *   is thrown, which the caller sees as a `FunctionError`.
 *
 * Either way the action must stop before the function does: the deadline is the earlier of what
 * the caller asked and the invocation's remaining time less a margin for writing the result. A
 * queued attempt's lease is the invocation's end (the function's timeout, as Lambda enforces it;
 * the poller's locally): until then no other delivery of the message may start an attempt.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod';
import { handleActionMessage, runInvokedAction, type ActionMessageResult, type ActionRunnerDeps } from '../../engine/actions/action-worker.js';
import type { ActionInvocation, ActionOutcome } from '../../engine/actions/ports.js';
import type { InvocationContext } from './executor-handler.js';

/**
 * Receives of one actions-queue message before it is parked in the DLQ: the AWS queue's default
 * (`infra/constructs/actions.ts`) and the local runtime's, so both give up after as many tries.
 */
export const ACTIONS_MAX_RECEIVE_COUNT = 5;

/** Time kept back from the invocation's end: saving the outcome, queueing a retry, the webhook. */
export const DEADLINE_MARGIN_MS = 10_000;

export const ActionMessageSchema = z.object({ executionId: z.string().min(1) }).strict();
export const ActionInvocationSchema = z.object({ executionId: z.string().min(1), deadline: z.number().int().positive() }).strict() satisfies z.ZodType<ActionInvocation>;

const SqsEventSchema = z.object({ Records: z.array(z.object({ messageId: z.string(), body: z.string() }).loose()) }).loose();

/** The engine calls the handler maps its triggers onto (the actions worker's by default; tests pass stand-ins). */
export interface ActionsEngine {
  runInvokedAction: typeof runInvokedAction;
  handleActionMessage: typeof handleActionMessage;
}

export function makeActionsHandler(deps: ActionRunnerDeps, options: { marginMs?: number; engine?: ActionsEngine } = {}) {
  const margin = options.marginMs ?? DEADLINE_MARGIN_MS;
  const engine = options.engine ?? { runInvokedAction, handleActionMessage };
  const latestDeadline = (context: InvocationContext) => deps.clock.now() + context.getRemainingTimeInMillis() - margin;

  function onQueue(event: SQSEvent, context: InvocationContext): Promise<SQSBatchResponse> {
    // A fresh processor per invocation, since the local poller runs invocations concurrently; a
    // batch whose every record failed is still a partial response, not an exception.
    return processPartialResponse(event, (record: SQSRecord) => attemptOne(record, context), new BatchProcessor(EventType.SQS), {
      processInParallel: false,
      throwOnFullBatchFailure: false,
    });
  }

  /** Returns for an outcome (the message is deleted); throws for a failure (it is reported back). */
  async function attemptOne(record: SQSRecord, context: InvocationContext): Promise<void> {
    const message = parseJson(ActionMessageSchema, record.body);
    if (!message.success) {
      deps.logger.log('error', `unreadable action message ${record.messageId}: ${message.error}`);
      throw new Error(`unreadable action message ${record.messageId}`);
    }
    const fields = { executionId: message.data.executionId };
    try {
      const result = await engine.handleActionMessage(deps, message.data, latestDeadline(context), deps.clock.now() + context.getRemainingTimeInMillis());
      deps.logger.log('info', describeResult(result, message.data.executionId), fields);
    } catch (error) {
      deps.logger.log('error', `action attempt failed on infrastructure, will be retried: ${error instanceof Error ? error.message : String(error)}`, fields);
      throw error;
    }
  }

  async function onInvoke(event: unknown, context: InvocationContext): Promise<ActionOutcome> {
    const parsed = ActionInvocationSchema.safeParse(event);
    if (!parsed.success) throw new Error(`not an action invocation: ${z.prettifyError(parsed.error)}`);
    const invocation = { executionId: parsed.data.executionId, deadline: Math.min(parsed.data.deadline, latestDeadline(context)) };
    const outcome = await engine.runInvokedAction(deps, invocation);
    deps.logger.log('info', `action execution ${invocation.executionId} ${outcome.status}${outcome.status === 'ERROR' ? ` (${outcome.error.type})` : ''}`, { executionId: invocation.executionId });
    return outcome;
  }

  return async (event: SQSEvent | ActionInvocation, context: InvocationContext): Promise<SQSBatchResponse | ActionOutcome> =>
    SqsEventSchema.safeParse(event).success ? onQueue(event as SQSEvent, context) : onInvoke(event, context);
}

function parseJson<T>(schema: z.ZodType<T>, body: string): { success: true; data: T } | { success: false; error: string } {
  try {
    const parsed = schema.safeParse(JSON.parse(body));
    return parsed.success ? { success: true, data: parsed.data } : { success: false, error: z.prettifyError(parsed.error) };
  } catch {
    return { success: false, error: 'body is not JSON' };
  }
}

function describeResult(result: ActionMessageResult, executionId: string): string {
  switch (result.kind) {
    case 'FINISHED':
      return `action execution ${executionId} finished`;
    case 'RETRYING':
      return `action execution ${executionId} failed; a retry is queued`;
    case 'DUPLICATE':
      return `action execution ${executionId} already finished; duplicate message dropped`;
    case 'LEASED':
      return `action execution ${executionId} is held by a running attempt; duplicate message dropped`;
    case 'UNKNOWN':
      return `action execution ${executionId} does not exist; message dropped`;
  }
}
