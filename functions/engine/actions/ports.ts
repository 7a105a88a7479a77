/**
 * Actions: Nango's `createAction` scripts, run on demand for one connection with an input
 * (`POST /action/trigger`). These are the types and ports the actions engine talks through; the
 * DynamoDB, SQS and Lambda adapters implement them, the engine imports no AWS SDK.
 *
 * An execution's life: a synchronous trigger creates it RUNNING and runs it at once (in the
 * actions Lambda in AWS, in process locally) and answers with the output; an asynchronous one
 * (`X-Async: true`) creates it QUEUED, queues its id and answers 202 `{id, statusUrl}`; the
 * worker takes it (RUNNING, one more attempt), runs it, records SUCCESS or ERROR with the output
 * or the error, and sends the `async_action` webhook. `GET /action/{id}` reads the result.
 * The allowed status changes are a table: `execution-states.ts`.
 */
import type { Checkpoint, LogLevel, RunLogLine } from '../ports.js';

export const ACTION_EXECUTION_STATUSES = ['QUEUED', 'RUNNING', 'SUCCESS', 'ERROR'] as const;
export type ActionExecutionStatus = (typeof ACTION_EXECUTION_STATUSES)[number];

export type ActionMode = 'sync' | 'async';

/**
 * Why an action failed, as Nango reports it: `type` is Nango's error code
 * (`action_script_runtime_error` for an `ActionError`, `invalid_action_input`,
 * `invalid_action_output`, `script_http_error`, `script_network_error`, `script_internal_error`,
 * `action_timeout`, `script_output_too_large`), `status` the HTTP status the trigger answers
 * with, `payload` what the script (or the validation) said.
 */
export interface ActionFailure {
  type: string;
  status: number;
  message: string;
  payload: Record<string, unknown>;
  /** A provider's failed answer, for `script_http_error` (Nango's `upstream`): status, a few headers, body. */
  upstream?: { status: number; headers: Record<string, string>; body: unknown };
}

export interface ActionExecution {
  /** A UUID, as Nango's async action ids are. */
  id: string;
  providerConfigKey: string;
  connectionId: string;
  actionName: string;
  mode: ActionMode;
  status: ActionExecutionStatus;
  /** ms since epoch. */
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /**
   * Attempts started so far (an async action is retried up to `maxRetries` times; an attempt that
   * crashed counts). A sync execution is created with 0 and its one invocation claims it (1).
   */
  attempts: number;
  /** Nango's `X-Max-Retries` (0–5); always 0 for a synchronous trigger. */
  maxRetries: number;
  /** The input as given (JSON); kept so a queued action can run and a retry can run again. */
  input: unknown;
  /** On SUCCESS: what `exec` returned (null when it returned nothing). */
  output?: unknown;
  /** On ERROR. */
  error?: ActionFailure | null;
  /** `nango.saveCheckpoint()` of the execution: a retried async action resumes from it. */
  checkpoint: Checkpoint | null;
  /**
   * Until when the running attempt may still be running, ms since epoch: an async attempt's lease
   * (the end of the invocation running it: no other attempt starts before), a sync execution's
   * deadline (past it, and a grace, a RUNNING one lost its runner). Null while queued.
   */
  leaseUntil: number | null;
}

export interface ActionExecutionFilter {
  providerConfigKey: string;
  connectionId: string;
  actionName?: string;
  /** Newest first; at most this many. */
  limit: number;
}

export interface ActionExecutionRepo {
  /** Creates the execution; fails with a conflict when the id exists. */
  create(execution: ActionExecution): Promise<void>;
  get(id: string): Promise<ActionExecution | null>;
  /**
   * Takes an async execution for one more attempt — a QUEUED one, or a RUNNING one whose lease
   * has expired (its attempt crashed) — holding it until `leaseUntil`: status RUNNING,
   * attempts + 1, startedAt. Null when it has finished (a duplicate message), another attempt
   * holds its lease, or it does not exist.
   */
  startAttempt(id: string, at: number, leaseUntil: number): Promise<ActionExecution | null>;
  /**
   * Claims a sync execution (created RUNNING, attempts 0) for its one run: attempts 1. Null when
   * it was claimed already (a repeated invocation), is not a RUNNING sync execution, or does not exist.
   */
  claimInvocation(id: string): Promise<ActionExecution | null>;
  /** Back to QUEUED after a failed attempt that will be retried; the error is kept for reading. */
  requeue(id: string, error: ActionFailure): Promise<void>;
  /** SUCCESS with its output or ERROR with its error; only from RUNNING. False when it had already finished. */
  finish(id: string, result: { status: 'SUCCESS'; output: unknown } | { status: 'ERROR'; error: ActionFailure }, at: number): Promise<boolean>;
  saveCheckpoint(id: string, checkpoint: Checkpoint | null): Promise<void>;
  /** The executions of one connection (and action), newest first. */
  list(filter: ActionExecutionFilter): Promise<ActionExecution[]>;
  appendLogs(id: string, lines: RunLogLine[]): Promise<void>;
  /** The execution's log in order; with `last`, only its last `last` lines (and only the items holding them are read). */
  logs(id: string, options?: { last?: number }): Promise<RunLogLine[]>;
}

/** What runs one execution and how it went. */
export type ActionOutcome = { status: 'SUCCESS'; output: unknown } | { status: 'ERROR'; error: ActionFailure };

/** A synchronous run request, as the API hands it to whatever runs actions (the actions Lambda in AWS). */
export interface ActionInvocation {
  executionId: string;
  /** When the action must have returned, ms since epoch. */
  deadline: number;
}

/** Runs a created (RUNNING) execution now and waits for its outcome. */
export interface ActionInvoker {
  invoke(invocation: ActionInvocation): Promise<ActionOutcome>;
}

/** The async actions queue: one message per execution id (and per retry, with a delay). */
export interface ActionQueue {
  send(message: { executionId: string }, delaySeconds?: number): Promise<void>;
}

export type { LogLevel };

/** Sends the `async_action` webhook of a finished asynchronous execution (the webhook engine implements it). */
export interface ActionWebhookSender {
  /** Idempotent per execution: a repeat (a redelivered message) creates no second delivery. */
  asyncActionFinished(execution: ActionExecution): Promise<void>;
}
