/**
 * What the executor does with one queued message: run (or continue) it, and when the
 * invocation's deadline cuts a run short, queue its continuation under the same run id.
 * Returns the outcome; throws only for failures the queue should retry.
 */
import type { RunMessage, RunQueue } from '../ports.js';
import { runInvocation, type RunOutcome, type RunnerDeps } from '../runner/run-invocation.js';

export interface ExecutorDeps extends RunnerDeps {
  queue: RunQueue;
}

export interface Invocation {
  /** Lease owner: the Lambda request id. */
  owner: string;
  /** ms since epoch by which the invocation must have handed over. */
  deadline: number | null;
}

export async function handleRunMessage(deps: ExecutorDeps, message: RunMessage, invocation: Invocation): Promise<RunOutcome> {
  const outcome = await runInvocation(deps, { ...message, owner: invocation.owner, deadline: invocation.deadline });
  if (outcome.kind === 'CONTINUE') {
    // The continuation carries the message's options (an accepted mass deletion, say) along.
    await deps.queue.send([{ ...message, trigger: 'CONTINUATION' }]);
    deps.metrics?.count('Continuations', 1, { integration: message.providerConfigKey, sync: message.syncName });
  }
  return outcome;
}
