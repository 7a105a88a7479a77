/**
 * One attempt of one action execution: resolve the action and the connection, check the input,
 * run the script with its `nango` object until the deadline, check the output. The outcome is a
 * value; only an infrastructure failure (the state table, the queue) throws, so the caller's
 * trigger retries it.
 */
import type { Connection } from '../connection.js';
import { CredentialsRefreshError } from '../credentials.js';
import { hasCause, InfrastructureError } from '../errors.js';
import type { Integration } from '../integration.js';
import { connectionClient, scriptServices } from '../runner/script-services.js';
import { createNangoAction } from '../sdk/create-nango-action.js';
import type { DeclaredAction } from '../script-definition.js';
import { describeActionError, invalidInputFailure, invalidOutputFailure, MAX_ACTION_OUTPUT_BYTES, outputTooLargeFailure, timeoutFailure } from './action-errors.js';
import { checkActionOutput, parseActionInput } from './action-input.js';
import { ActionSession } from './action-session.js';
import type { ActionRunnerDeps } from './action-worker.js';
import type { ActionExecution, ActionFailure, ActionOutcome } from './ports.js';

/** One-shot timers; real ones by default, manual ones in tests. */
export interface ActionTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemActionTimers: ActionTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Runs one attempt of a RUNNING execution until `deadline` (ms since epoch). */
export async function runActionAttempt(deps: ActionRunnerDeps, execution: ActionExecution, deadline: number): Promise<ActionOutcome> {
  const integration = deps.registry.get(execution.providerConfigKey);
  const action = integration?.actions.get(execution.actionName);
  if (!integration || !action) {
    return fail({ type: 'unknown_action', status: 404, message: `integration "${execution.providerConfigKey}" has no action "${execution.actionName}"`, payload: {} });
  }
  const connection = await deps.state.connections.getWithCredentials(execution.providerConfigKey, execution.connectionId);
  if (!connection) {
    return fail({ type: 'unknown_connection', status: 400, message: `there is no connection "${execution.connectionId}" for integration "${execution.providerConfigKey}"`, payload: {} });
  }
  // Checked again: a queued execution's input was checked against the action deployed then.
  const input = parseActionInput(action, execution.input);
  if (!input.ok) return fail(invalidInputFailure(input.errors));

  const session = new ActionSession({
    execution,
    connection,
    deadline,
    checkpointSchema: action.checkpoint,
    executions: deps.executions,
    connections: deps.state.connections,
    locks: deps.state.locks,
    clock: deps.clock,
    logger: deps.logger,
  });
  const timeoutMs = Math.max(0, deadline - (execution.startedAt ?? deps.clock.now()));
  let outcome: ActionOutcome;
  try {
    const output = await execWithinDeadline(deps, session, deadline, () => runScript(deps, session, integration, connection, action, input.data));
    // A script that caught the deadline's error and returned has not finished its work.
    outcome = session.stoppedBy ? fail(timeoutFailure(execution.mode, timeoutMs)) : checkOutput(deps, session, action, output);
  } catch (thrown) {
    if (hasCause(thrown, InfrastructureError)) {
      await session.close().catch(() => undefined);
      throw thrown;
    }
    outcome = fail(describeActionError(thrown, execution.mode, timeoutMs));
    await markAuthError(deps, connection, thrown);
  }
  if (outcome.status === 'ERROR') session.writeLog('error', `action failed: ${outcome.error.type}: ${outcome.error.message}`);
  await session.close();
  return outcome;
}

function runScript(deps: ActionRunnerDeps, session: ActionSession, integration: Integration, connection: Connection, action: DeclaredAction, input: unknown): Promise<unknown> {
  const { http, getCredentials } = connectionClient(deps, session, integration, connection);
  const nango = createNangoAction({ host: session, http, integration, getCredentials, ...scriptServices(deps, session) });
  return Promise.resolve(action.exec(nango, input));
}

/**
 * The script's promise raced against the deadline: the guard stops a script at its next SDK
 * call, the timer one that awaits something else (a sleep, a hung socket of its own). The
 * script is then abandoned: its later SDK calls throw, and its result is ignored.
 */
async function execWithinDeadline(deps: ActionRunnerDeps, session: ActionSession, deadline: number, run: () => Promise<unknown>): Promise<unknown> {
  const timers = deps.timers ?? systemActionTimers;
  let handle: unknown;
  const timedOut = new Promise<never>((_, reject) => {
    handle = timers.setTimeout(
      () => {
        session.stop();
        reject(session.stoppedBy);
      },
      Math.max(0, deadline - deps.clock.now()),
    );
  });
  const running = Promise.resolve().then(run);
  // Abandoned at the deadline, the script may still fail later: that must not crash the process.
  running.catch(() => undefined);
  timedOut.catch(() => undefined);
  try {
    return await Promise.race([running, timedOut]);
  } finally {
    timers.clearTimeout(handle);
  }
}

function checkOutput(deps: ActionRunnerDeps, session: ActionSession, action: DeclaredAction, returned: unknown): ActionOutcome {
  // JSON has no undefined: an action that returns nothing answers null.
  const output = returned === undefined ? null : returned;
  const maxBytes = deps.config?.maxOutputBytes ?? MAX_ACTION_OUTPUT_BYTES;
  const bytes = Buffer.byteLength(JSON.stringify(output) ?? 'null', 'utf8');
  if (bytes > maxBytes) return fail(outputTooLargeFailure(bytes, maxBytes));
  const checked = checkActionOutput(action, output);
  if (!checked.ok) {
    if ((deps.config?.outputValidation ?? 'warn') === 'reject') return fail(invalidOutputFailure(checked.errors));
    // Nango's production behaviour: the output is returned as the script gave it, the mismatch logged.
    for (const error of checked.errors) session.writeLog('warn', `output does not match the action's output schema at ${error.path}: ${error.message}`);
  }
  return { status: 'SUCCESS', output };
}

/**
 * A refresh the provider refused for good marks the connection, as a sync run does, so its
 * syncs stop calling the provider until the end user authorizes it again.
 */
async function markAuthError(deps: ActionRunnerDeps, connection: Connection, thrown: unknown): Promise<void> {
  let current: unknown = thrown;
  for (let depth = 0; current instanceof Error && depth < 10; depth++, current = current.cause) {
    if (current instanceof CredentialsRefreshError && current.needsReauthorization && current.connectionUpdatedAt !== undefined) {
      const at = new Date(deps.clock.now()).toISOString();
      // Conditional on the connection being the one the refresh failed on: tokens saved meanwhile win.
      await deps.state.connections.recordAuthError(connection.providerConfigKey, connection.connectionId, { type: 'auth', message: current.message, at }, current.connectionUpdatedAt);
      return;
    }
  }
}

function fail(error: ActionFailure): ActionOutcome {
  return { status: 'ERROR', error };
}
