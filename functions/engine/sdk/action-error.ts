/**
 * `ActionError`, as Nango's SDK exports it: thrown by a script (`throw new nango.ActionError({...})`)
 * to fail with a payload the caller can read. Its `type` is Nango's, so a client that checks for
 * `action_script_runtime_error` keeps working.
 */
export class ActionError<T = Record<string, unknown>> extends Error {
  readonly type = 'action_script_runtime_error';
  payload?: Record<string, unknown>;

  constructor(payload?: T) {
    const message = isRecord(payload) && typeof payload['message'] === 'string' ? payload['message'] : 'action failed';
    super(message);
    this.name = 'ActionError';
    if (payload !== undefined) this.payload = payload as Record<string, unknown>;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
