/**
 * The engine's error kinds. Where each one goes — a recorded run error, an SQS retry, an HTTP
 * status — is decided in one place per trigger, from these classes.
 */

/** A dependency of the engine (DynamoDB, SQS, …) failed: the work may be retried as is. */
export class InfrastructureError extends Error {
  override readonly name = 'InfrastructureError';
}

/** The run must stop now: its Lambda is near its deadline. It continues in a new invocation. */
export class DeadlineReachedError extends Error {
  override readonly name = 'DeadlineReachedError';
  constructor() {
    super('the invocation is near its deadline; the run continues in a new invocation');
  }
}

/** The run lost its lease (cancelled, paused, or taken over after it expired). */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
}

/** Deletion detection refused an implausible mass deletion. */
export class DeletionRefusedError extends Error {
  override readonly name = 'DeletionRefusedError';
}

/** A script misused the SDK (unknown model, bad checkpoint, …). */
export class SdkUsageError extends Error {
  override readonly name = 'SdkUsageError';
}

/** Something asked for does not exist (→ 404). */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}

/** The request conflicts with the current state, e.g. resetting a running sync (→ 409). */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
}

/** A records cursor that the store did not issue (or that was altered): the reader's mistake (→ 400). */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
  constructor() {
    super('cursor is not valid: pass back a next_cursor exactly as received');
  }
}

/** True when the error, or any error in its `cause` chain, is of the given class. */
export function hasCause(error: unknown, kind: abstract new (...args: never[]) => Error): boolean {
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 10; depth++) {
    if (current instanceof kind) return true;
    current = (current as Error).cause;
  }
  return false;
}

/** Wraps a failure of the engine's own dependencies so it is retried, not blamed on the script. */
export function asInfrastructureError(error: unknown, what: string): InfrastructureError {
  if (error instanceof InfrastructureError) return error;
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new InfrastructureError(`${what} failed: ${detail}`, { cause: error });
}
