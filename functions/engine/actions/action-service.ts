/**
 * The actions API's engine side (Nango's `POST /action/trigger`, `GET /action/{id}`): trigger an
 * action — run it now and answer with its outcome, or queue it and answer with its id — read an
 * execution, list a connection's executions, read an execution's log.
 *
 * Everything a trigger can be refused for is checked before an execution exists: the
 * integration, the connection, the action and the input against the action's schema. A refusal
 * is an `ActionRequestError` carrying the status and Nango's code.
 */
import { randomUUID } from 'node:crypto';
import type { IntegrationRegistry } from '../integration.js';
import type { Clock, RunLogLine, StateRepos } from '../ports.js';
import { type FieldError, timeoutFailure } from './action-errors.js';
import { parseActionInput } from './action-input.js';
import type { ActionExecution, ActionExecutionFilter, ActionExecutionRepo, ActionInvoker, ActionOutcome, ActionQueue } from './ports.js';

export interface ActionServiceDeps {
  registry: IntegrationRegistry;
  state: Pick<StateRepos, 'connections'>;
  executions: ActionExecutionRepo;
  invoker: ActionInvoker;
  queue: ActionQueue;
  clock: Clock;
  /** Execution ids; `randomUUID` by default. */
  newId?: () => string;
  /** How long a synchronous trigger may run; 25 s by default, inside API Gateway's 30 s window. */
  syncTimeoutMs?: number;
}

export const DEFAULT_SYNC_TIMEOUT_MS = 25_000;
/**
 * A sync execution still RUNNING this long after its deadline has lost its runner (the function
 * died, or its script blocked the event loop past the deadline): its runner records a result
 * within seconds of the deadline (`DEADLINE_MARGIN_MS` of the actions function) when it can.
 */
export const SYNC_RESULT_GRACE_MS = 60_000;
/** Nango's `X-Max-Retries` range. */
export const MAX_ACTION_RETRIES = 5;

export type TriggerResult = { kind: 'completed'; executionId: string; outcome: ActionOutcome } | { kind: 'queued'; id: string; statusUrl: string };

export interface TriggerRequest {
  providerConfigKey: string;
  connectionId: string;
  actionName: string;
  input: unknown;
  /** Nango's `X-Async: true`: queue the execution and answer at once. */
  async: boolean;
  /** Nango's `X-Max-Retries` (0–5): retries of a failed asynchronous execution. Ignored for a synchronous one. */
  maxRetries: number;
}

/** A trigger refused before anything ran: `status` and `code` are what the API answers with; `errors` the fields at fault. */
export class ActionRequestError extends Error {
  override readonly name = 'ActionRequestError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors: FieldError[] = [],
    readonly payload?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export class ActionService {
  private readonly newId: () => string;
  private readonly syncTimeoutMs: number;

  constructor(private readonly deps: ActionServiceDeps) {
    this.newId = deps.newId ?? randomUUID;
    this.syncTimeoutMs = deps.syncTimeoutMs ?? DEFAULT_SYNC_TIMEOUT_MS;
  }

  async trigger(req: TriggerRequest): Promise<TriggerResult> {
    const { providerConfigKey, connectionId, actionName } = req;
    const integration = this.deps.registry.get(providerConfigKey);
    if (!integration) throw new ActionRequestError(400, 'unknown_provider', `there is no integration "${providerConfigKey}"`);
    const connection = await this.deps.state.connections.find(providerConfigKey, connectionId);
    if (!connection) throw new ActionRequestError(400, 'unknown_connection', `there is no connection "${connectionId}" for integration "${providerConfigKey}"`);
    if (connection.authError) {
      // The provider refused its credentials: the action would only fail on them again.
      throw new ActionRequestError(400, 'connection_auth_error', `connection "${connectionId}" must be authorized again: ${connection.authError.message}`);
    }
    const action = integration.actions.get(actionName);
    if (!action) throw new ActionRequestError(404, 'not_found', `integration "${providerConfigKey}" has no action "${actionName}"`);
    if (req.async && (!Number.isInteger(req.maxRetries) || req.maxRetries < 0 || req.maxRetries > MAX_ACTION_RETRIES)) {
      throw new ActionRequestError(400, 'invalid_headers', `X-Max-Retries must be a whole number from 0 to ${MAX_ACTION_RETRIES}`, [
        { path: 'x-max-retries', message: `must be a whole number from 0 to ${MAX_ACTION_RETRIES}` },
      ]);
    }
    const input = parseActionInput(action, req.input);
    if (!input.ok) throw new ActionRequestError(400, 'invalid_action_input', 'Failed to validate the input passed to the action', input.errors);

    const now = this.deps.clock.now();
    const base = {
      id: this.newId(),
      providerConfigKey,
      connectionId,
      actionName,
      createdAt: now,
      finishedAt: null,
      // Kept as given, not as parsed: each attempt parses it again with the action then deployed.
      input: req.input,
      checkpoint: null,
    } satisfies Partial<ActionExecution>;
    const deadline = now + this.syncTimeoutMs;

    if (req.async) {
      await this.deps.executions.create({ ...base, mode: 'async', status: 'QUEUED', startedAt: null, attempts: 0, maxRetries: req.maxRetries, leaseUntil: null });
      await this.deps.queue.send({ executionId: base.id });
      return { kind: 'queued', id: base.id, statusUrl: `/action/${base.id}` };
    }
    // Attempts 0 until the invocation claims it: a repeated invocation finds it claimed and refuses to run it.
    await this.deps.executions.create({ ...base, mode: 'sync', status: 'RUNNING', startedAt: now, attempts: 0, maxRetries: 0, leaseUntil: deadline });
    let outcome: ActionOutcome;
    try {
      outcome = await this.deps.invoker.invoke({ executionId: base.id, deadline });
    } catch (error) {
      // The runner never answered (it crashed, or the invoke failed): the execution must not stay RUNNING.
      // Conditional on RUNNING, so a runner that did finish keeps its own result.
      const message = `the action could not be run: ${error instanceof Error ? error.message : String(error)}`;
      await this.deps.executions.finish(base.id, { status: 'ERROR', error: { type: 'script_internal_error', status: 500, message, payload: {} } }, this.deps.clock.now()).catch(() => undefined);
      throw error;
    }
    return { kind: 'completed', executionId: base.id, outcome };
  }

  async get(id: string): Promise<ActionExecution | null> {
    const execution = await this.deps.executions.get(id);
    return execution && this.settleLapsed(execution);
  }

  /** A connection's executions (of one action when named), newest first. */
  async list(filter: ActionExecutionFilter): Promise<ActionExecution[]> {
    const found = await this.deps.executions.list(filter);
    return Promise.all(found.map((execution) => this.settleLapsed(execution)));
  }

  /** The execution's log; with `last`, only its last lines. */
  logs(id: string, options?: { last?: number }): Promise<RunLogLine[]> {
    return this.deps.executions.logs(id, options);
  }

  /**
   * A sync execution RUNNING past its deadline and `SYNC_RESULT_GRACE_MS` lost its runner: it is
   * finished here as ERROR `action_timeout`, so it does not read RUNNING until its TTL. The finish
   * is conditional on RUNNING: a result recorded meanwhile wins, and is read back.
   */
  private async settleLapsed(execution: ActionExecution): Promise<ActionExecution> {
    const now = this.deps.clock.now();
    if (!isLapsedSyncExecution(execution, now)) return execution;
    const timeout = timeoutFailure('sync', execution.leaseUntil! - (execution.startedAt ?? execution.createdAt));
    const error = { ...timeout, message: `${timeout.message} (its run ended without recording a result)` };
    if (await this.deps.executions.finish(execution.id, { status: 'ERROR', error }, now)) return { ...execution, status: 'ERROR', error, finishedAt: now };
    return (await this.deps.executions.get(execution.id)) ?? execution;
  }
}

/** A sync execution still RUNNING `SYNC_RESULT_GRACE_MS` after its deadline. */
export function isLapsedSyncExecution(execution: ActionExecution, now: number): boolean {
  return execution.mode === 'sync' && execution.status === 'RUNNING' && execution.leaseUntil !== null && now > execution.leaseUntil + SYNC_RESULT_GRACE_MS;
}
