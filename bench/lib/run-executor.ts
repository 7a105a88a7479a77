/**
 * Runs one sync execution through the real executor handler — the function the executor
 * Lambda and the local queue poller call — with a one-message SQS event, and reads back the
 * run it recorded.
 */
import { randomUUID } from 'node:crypto';
import type { SQSEvent } from 'aws-lambda';
import { newRunId } from '../../functions/composition.js';
import type { ExecutorDeps } from '../../functions/engine/orchestration/handle-run-message.js';
import type { ConnectionSyncKey, RunMessage, RunRecord } from '../../functions/engine/ports.js';
import { makeExecutorHandler } from '../../functions/handlers/queue/executor-handler.js';

/** Lambda's longest timeout: the deadline an invocation gets unless told otherwise. */
export const LAMBDA_TIMEOUT_MS = 15 * 60_000;

/** A manual run's first message, as the API would queue it. */
export function newRunMessage(deps: ExecutorDeps, key: ConnectionSyncKey): RunMessage {
  return { ...key, runId: newRunId(deps.clock), trigger: 'MANUAL' };
}

/**
 * One invocation of the executor handler on one message, with `timeoutMs` as the Lambda's
 * remaining time. The run may still be RUNNING afterwards: it then handed over to a
 * continuation message on the run queue. Throws when the handler reports the message failed.
 */
export async function invokeExecutor(deps: ExecutorDeps, message: RunMessage, timeoutMs = LAMBDA_TIMEOUT_MS): Promise<{ ms: number; run: RunRecord }> {
  const handler = makeExecutorHandler(deps);
  const event = { Records: [{ messageId: randomUUID(), body: JSON.stringify(message) }] } as unknown as SQSEvent;
  const started = performance.now();
  const deadline = Date.now() + timeoutMs;
  const response = await handler(event, { awsRequestId: `bench-${randomUUID()}`, getRemainingTimeInMillis: () => deadline - Date.now() });
  const ms = performance.now() - started;
  if (response.batchItemFailures.length > 0) throw new Error(`the executor reported an infrastructure failure for ${message.connectionId}`);
  const run = await deps.state.runs.get(message, message.runId!);
  if (!run) throw new Error(`run ${message.runId} was not recorded`);
  return { ms, run };
}

/** A whole run in one invocation (Lambda's 15 minutes); it must end in SUCCESS. */
export async function runThroughExecutor(deps: ExecutorDeps, key: ConnectionSyncKey): Promise<{ ms: number; run: RunRecord }> {
  const message = newRunMessage(deps, key);
  const { ms, run } = await invokeExecutor(deps, message);
  if (run.status !== 'SUCCESS') throw new Error(`run ${message.runId} ended ${run.status}: ${run.error?.message ?? ''}`);
  return { ms, run };
}
