/**
 * Runs action executions: a synchronous trigger's run (`runInvokedAction`, what the actions
 * Lambda or the local runtime does behind an `ActionInvoker`) and the asynchronous worker
 * (`handleActionMessage`, one queue message per attempt).
 *
 * Outcomes are values. Only an infrastructure failure throws, so the queue redelivers the
 * message: `startAttempt` takes a QUEUED execution, or a RUNNING one whose attempt's lease (the
 * end of the invocation that ran it) has expired — never one an attempt may still be running,
 * so a duplicate message cannot run a second attempt beside the first. A message for a finished
 * execution re-sends its webhook and stops. A synchronous execution is claimed once: a repeated
 * invocation refuses to run it.
 */
import { ConflictError, NotFoundError } from '../errors.js';
import type { Logger, StateRepos } from '../ports.js';
import type { ScriptServiceDeps } from '../runner/script-services.js';
import type { ActionExecution, ActionExecutionRepo, ActionInvocation, ActionOutcome, ActionQueue, ActionWebhookSender } from './ports.js';
import { type ActionTimers, runActionAttempt } from './run-action.js';

export interface ActionRunnerDeps extends ScriptServiceDeps {
  /** Connections, integrations and the scripts' named locks. */
  state: ScriptServiceDeps['state'] & Pick<StateRepos, 'locks'>;
  executions: ActionExecutionRepo;
  /** Where retries of asynchronous actions are queued. */
  queue: ActionQueue;
  logger: Logger;
  /** Sends the `async_action` webhook when an asynchronous execution finishes. */
  webhooks?: ActionWebhookSender;
  /**
   * `outputValidation`: what an output that does not match the action's `output` schema does —
   * `warn` (default, Nango's production behaviour: logged, returned) or `reject`
   * (`invalid_action_output`). `maxOutputBytes`: 2 MB of JSON by default, as on Nango.
   */
  config?: { outputValidation?: 'warn' | 'reject'; maxOutputBytes?: number };
  /** The deadline timer of an attempt; real timers by default. */
  timers?: ActionTimers;
}

/** `LEASED`: another attempt holds the execution (a duplicate message); that attempt's own message is redelivered if it crashes. */
export type ActionMessageResult = { kind: 'FINISHED' | 'RETRYING' | 'DUPLICATE' | 'LEASED' | 'UNKNOWN' };

/** The first retry waits this long; each next one twice as long, up to `MAX_RETRY_DELAY_SECONDS` (SQS's limit). */
export const FIRST_RETRY_DELAY_SECONDS = 5;
export const MAX_RETRY_DELAY_SECONDS = 900;

/**
 * Runs a synchronous trigger's execution, which the service created RUNNING, until
 * `invocation.deadline`; records how it finished (without its output: the caller got it in the
 * answer and nothing reads it later) and returns the outcome.
 */
export async function runInvokedAction(deps: ActionRunnerDeps, invocation: ActionInvocation): Promise<ActionOutcome> {
  // Claimed once: a second invocation of the same execution (a retried invoke) must not run it again.
  const execution = await deps.executions.claimInvocation(invocation.executionId);
  if (!execution) {
    const existing = await deps.executions.get(invocation.executionId);
    if (!existing) throw new NotFoundError(`there is no action execution "${invocation.executionId}"`);
    const why = existing.status === 'RUNNING' && existing.mode === 'sync' ? 'RUNNING in another invocation' : `${existing.mode} and ${existing.status}`;
    throw new ConflictError(`action execution "${existing.id}" is ${why}: it is not run again`);
  }
  const outcome = await runActionAttempt(deps, execution, invocation.deadline);
  const result = outcome.status === 'SUCCESS' ? { status: 'SUCCESS' as const, output: execution.mode === 'sync' ? undefined : outcome.output } : outcome;
  await deps.executions.finish(execution.id, result, deps.clock.now());
  return outcome;
}

/**
 * Runs one attempt of a queued execution before `deadline` (the worker's own, ms since epoch),
 * holding it until `leaseUntil` (when the invocation running it ends: no other attempt starts
 * before). A failed attempt with retries left goes back to the queue with a growing delay;
 * otherwise the execution finishes with its output or error and its `async_action` webhook is
 * sent. An attempt that crashed counts: taken over with no attempt left, the execution finishes
 * in ERROR without running again.
 */
export async function handleActionMessage(deps: ActionRunnerDeps, message: { executionId: string }, deadline: number, leaseUntil: number): Promise<ActionMessageResult> {
  const now = deps.clock.now();
  const execution = await deps.executions.startAttempt(message.executionId, now, Math.max(leaseUntil, deadline));
  if (!execution) return notTaken(deps, message.executionId);
  if (execution.attempts > execution.maxRetries + 1) return finishAbandoned(deps, execution);
  // Room to record the result after the script stops: a fifth of the time left, at most 5 s.
  const attemptDeadline = deadline - Math.min(5_000, Math.max(0, (deadline - now) * 0.2));
  const outcome = await runActionAttempt(deps, execution, attemptDeadline);
  if (outcome.status === 'ERROR' && execution.attempts <= execution.maxRetries && isRetriable(outcome.error.type)) {
    const delay = retryDelaySeconds(execution.attempts);
    deps.logger.log('warn', `action attempt ${execution.attempts} failed (${outcome.error.type}); retrying in ${delay} s`, logKeys(execution));
    // Requeued before sent: if the send fails, this message is redelivered and takes the QUEUED execution again.
    await deps.executions.requeue(execution.id, outcome.error);
    await deps.queue.send({ executionId: execution.id }, delay);
    return { kind: 'RETRYING' };
  }
  return finishAndAnnounce(deps, execution, outcome);
}

async function finishAndAnnounce(deps: ActionRunnerDeps, execution: ActionExecution, outcome: ActionOutcome): Promise<ActionMessageResult> {
  const at = deps.clock.now();
  const finished: ActionExecution =
    outcome.status === 'SUCCESS' ? { ...execution, status: 'SUCCESS', output: outcome.output, error: null, finishedAt: at } : { ...execution, status: 'ERROR', error: outcome.error, finishedAt: at };
  // False: another delivery of the message finished it first, and sent (or will send) its webhook.
  if (!(await deps.executions.finish(execution.id, outcome, at))) return { kind: 'DUPLICATE' };
  if (finished.mode === 'async') await deps.webhooks?.asyncActionFinished(finished);
  return { kind: 'FINISHED' };
}

/**
 * Taken over after its last attempt ended without a result (the function crashed, ran out of
 * memory or time): no attempt is left, so it finishes in ERROR — and its webhook says so —
 * rather than running once more than the caller allowed.
 */
function finishAbandoned(deps: ActionRunnerDeps, execution: ActionExecution): Promise<ActionMessageResult> {
  const allowed = execution.maxRetries + 1;
  const message = `the action's attempt ${execution.attempts - 1} of ${allowed} ended without recording a result (its function crashed or ran out of time), and no attempt is left`;
  deps.logger.log('error', `action execution abandoned: ${message}`, logKeys(execution));
  return finishAndAnnounce(deps, execution, {
    status: 'ERROR',
    error: { type: 'script_internal_error', status: 500, message, payload: { attempts: execution.attempts - 1, maxRetries: execution.maxRetries } },
  });
}

/** Seconds before retry `attempt` (1-based): 5, 10, 20, … up to 900. */
export function retryDelaySeconds(attempt: number): number {
  return Math.min(MAX_RETRY_DELAY_SECONDS, FIRST_RETRY_DELAY_SECONDS * 2 ** Math.max(0, attempt - 1));
}

/**
 * A message for an execution no attempt can take: unknown, held by a running attempt, or
 * finished. A finished one may have crashed between its finish and its webhook, so the webhook
 * is sent again (the sender keeps one delivery per execution).
 */
async function notTaken(deps: ActionRunnerDeps, executionId: string): Promise<ActionMessageResult> {
  const existing = await deps.executions.get(executionId);
  if (!existing) return { kind: 'UNKNOWN' };
  if (existing.status === 'RUNNING' || existing.status === 'QUEUED') return { kind: 'LEASED' };
  if ((existing.status === 'SUCCESS' || existing.status === 'ERROR') && existing.mode === 'async') await deps.webhooks?.asyncActionFinished(existing);
  return { kind: 'DUPLICATE' };
}

/** An input the action refuses will be refused again: retrying it only delays the answer. */
function isRetriable(type: string): boolean {
  return type !== 'invalid_action_input' && type !== 'unknown_action' && type !== 'unknown_connection';
}

function logKeys(execution: ActionExecution): Record<string, unknown> {
  return { executionId: execution.id, providerConfigKey: execution.providerConfigKey, connectionId: execution.connectionId, actionName: execution.actionName };
}
