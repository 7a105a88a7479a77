/**
 * How a failed action is reported, as Nango reports it: one `ActionFailure` per way an
 * attempt can fail. The script's own words (an `ActionError`'s payload, the provider's answer)
 * pass through; Syncline's internals (stacks, file paths) never do.
 */
import { DeadlineReachedError, hasCause } from '../errors.js';
import { ProviderHttpError } from '../http/errors.js';
import type { ActionFailure, ActionMode } from './ports.js';

/** Nango's limit on what an action may return: 2 MB of JSON. */
export const MAX_ACTION_OUTPUT_BYTES = 2 * 1024 * 1024;

/** The error types an action execution can end with (Nango's codes, plus Syncline's `action_timeout`). */
export const ACTION_FAILURE_TYPES = {
  runtime: 'action_script_runtime_error',
  invalidInput: 'invalid_action_input',
  invalidOutput: 'invalid_action_output',
  http: 'script_http_error',
  network: 'script_network_error',
  internal: 'script_internal_error',
  timeout: 'action_timeout',
  outputTooLarge: 'script_output_too_large',
} as const;

/** A field error of an input or output check: its dot path (`input.address.city`) and what is wrong. */
export interface FieldError {
  path: string;
  message: string;
  code?: string;
}

/** Anything an action's `exec` threw, as the failure the trigger answers with. */
export function describeActionError(thrown: unknown, mode: ActionMode, timeoutMs: number): ActionFailure {
  if (hasCause(thrown, DeadlineReachedError)) return timeoutFailure(mode, timeoutMs);
  if (isActionError(thrown)) {
    const payload = thrown.payload;
    return {
      type: ACTION_FAILURE_TYPES.runtime,
      status: 500,
      message: 'The action script failed with a runtime error',
      // Nango wraps what is not an object (a string, an array) so `payload` always is one.
      payload: payload === undefined || payload === null ? {} : typeof payload === 'object' && !Array.isArray(payload) ? { ...payload } : { message: payload },
    };
  }
  if (thrown instanceof ProviderHttpError) {
    if (thrown.response) {
      const body = thrown.response.data;
      const payload = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : { message: body };
      return {
        type: ACTION_FAILURE_TYPES.http,
        status: 424,
        message: 'An error occurred during an HTTP call',
        payload,
        upstream: { status: thrown.response.status, headers: upstreamHeaders(thrown.response.headers), body: payload },
      };
    }
    return { type: ACTION_FAILURE_TYPES.network, status: 500, message: 'A network error occurred during an HTTP call', payload: { name: thrown.name, message: thrown.message } };
  }
  const error = thrown instanceof Error ? thrown : new Error(typeof thrown === 'string' ? thrown : (JSON.stringify(thrown) ?? String(thrown)));
  return {
    type: ACTION_FAILURE_TYPES.internal,
    status: 500,
    message: 'An internal error occurred during the script execution',
    // Name and message only: a stack would show Syncline's files, not the script's.
    payload: { name: typeof error.name === 'string' && error.name ? error.name : 'Error', message: String(error.message) },
  };
}

/** The action did not return before its deadline. */
export function timeoutFailure(mode: ActionMode, timeoutMs: number): ActionFailure {
  const seconds = Math.round(timeoutMs / 1000);
  const hint = mode === 'sync' ? '; trigger it with the header `X-Async: true` to run it in the background without this limit' : '';
  return {
    type: ACTION_FAILURE_TYPES.timeout,
    status: 504,
    message: `The action did not finish within ${seconds} s${hint}`,
    payload: { timeoutMs },
  };
}

export function invalidInputFailure(errors: FieldError[]): ActionFailure {
  return { type: ACTION_FAILURE_TYPES.invalidInput, status: 400, message: 'Failed to validate the input passed to the action', payload: { errors } };
}

export function invalidOutputFailure(errors: FieldError[]): ActionFailure {
  return { type: ACTION_FAILURE_TYPES.invalidOutput, status: 400, message: 'Failed to validate the output passed to the action', payload: { errors } };
}

export function outputTooLargeFailure(bytes: number, maxBytes: number): ActionFailure {
  return {
    type: ACTION_FAILURE_TYPES.outputTooLarge,
    status: 400,
    message: `Script output is too large: ${bytes} bytes, at most ${maxBytes} are allowed`,
    payload: { bytes, maxBytes },
  };
}

/**
 * Read by shape, not `instanceof`: a script may throw the `ActionError` of a bundled copy of the
 * SDK, or one it defined itself, as Nango's older scripts did.
 */
function isActionError(value: unknown): value is Error & { payload?: unknown } {
  return value instanceof Error && (value as { type?: unknown }).type === ACTION_FAILURE_TYPES.runtime;
}

/** Nango keeps only the content type and rate-limit headers of a provider's answer. */
function upstreamHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers)
      .map(([name, value]) => [name.toLowerCase(), String(value)] as const)
      .filter(([name]) => name === 'content-type' || name.startsWith('x-rate')),
  );
}
