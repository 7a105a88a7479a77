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

const LAMBDA_TIMEOUT_MS = 15 * 60_000;

export async function runThroughExecutor(deps: ExecutorDeps, key: ConnectionSyncKey): Promise<{ ms: number; run: RunRecord }> {
  const handler = makeExecutorHandler(deps);
  const message: RunMessage = { ...key, runId: newRunId(deps.clock), trigger: 'MANUAL' };
  const event = { Records: [{ messageId: randomUUID(), body: JSON.stringify(message) }] } as unknown as SQSEvent;
  const started = performance.now();
  const deadline = Date.now() + LAMBDA_TIMEOUT_MS;
  const response = await handler(event, { awsRequestId: `bench-${randomUUID()}`, getRemainingTimeInMillis: () => deadline - Date.now() });
  const ms = performance.now() - started;
  if (response.batchItemFailures.length > 0) throw new Error(`the executor reported an infrastructure failure for ${key.connectionId}`);
  const run = await deps.state.runs.get(key, message.runId!);
  if (run?.status !== 'SUCCESS') throw new Error(`run ${message.runId} ended ${run?.status ?? 'missing'}: ${run?.error?.message ?? ''}`);
  return { ms, run };
}
