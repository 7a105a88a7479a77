/**
 * The one place an error becomes an HTTP answer. Every error body has the same shape,
 * `{"error": {"code", "message", "errors"}}`; a client's mistake is a 4xx with a message it can
 * act on, and anything unexpected is a 500 whose body says nothing about the internals (the
 * details go to the log, keyed by the request id).
 */
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import * as z from 'zod';
import { CredentialsRefreshError } from '../engine/credentials.js';
import { ConflictError, InvalidCursorError, NotFoundError } from '../engine/errors.js';
import { FrequencyError } from '../engine/frequency.js';
import { InvalidConnectionConfigError } from '../engine/providers/connection-config.js';
import type { Logger } from '../engine/ports.js';
import { SyncConfigError } from '../engine/sync-definition.js';

export interface FieldError {
  /** Where the problem is, e.g. `query.limit` or `body.credentials.type`. */
  path: string;
  message: string;
}

export const ErrorResponseSchema = z.object({
  error: z.object({
    code: z.string().meta({ description: 'Stable machine-readable code, e.g. invalid_request, unauthorized, forbidden, not_found, conflict, invalid_credentials' }),
    message: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })),
  }),
});

export type ErrorBody = z.infer<typeof ErrorResponseSchema>;

/** An error raised by the HTTP layer itself, with its status and code decided where it is thrown. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super(message);
  }

  toBody(): ErrorBody {
    return errorBody(this.code, this.message, this.errors);
  }
}

/** Validation failed on one part of the request (query, body, headers, path). */
export function invalidRequest(location: string, error: z.ZodError): ApiError {
  const errors = error.issues.map((issue) => ({ path: [location, ...issue.path.map(String)].join('.'), message: issue.message }));
  return new ApiError(400, 'invalid_request', `invalid ${location}: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, errors);
}

export function errorBody(code: string, message: string, errors: FieldError[] = []): ErrorBody {
  return { error: { code, message, errors } };
}

/** Maps any thrown value to a status and body; logs what the client must not see. */
export function toErrorResponse(error: unknown, logger: Logger, requestId: string | undefined): { status: ContentfulStatusCode; body: ErrorBody } {
  if (error instanceof ApiError) return { status: error.status, body: error.toBody() };
  if (error instanceof z.ZodError) return { status: 400, body: invalidRequest('request', error).toBody() };
  if (error instanceof NotFoundError) return { status: 404, body: errorBody('not_found', error.message) };
  if (error instanceof ConflictError) return { status: 409, body: errorBody('conflict', error.message) };
  if (error instanceof FrequencyError) return { status: 400, body: errorBody('invalid_frequency', error.message) };
  if (error instanceof SyncConfigError) return { status: 400, body: errorBody('invalid_request', error.message) };
  // Only POST /connections takes a connection_config.
  if (error instanceof InvalidConnectionConfigError) {
    return {
      status: 400,
      body: errorBody(
        'invalid_request',
        error.message,
        error.problems.map((p) => ({ path: `body.connection_config.${p.field}`, message: p.message })),
      ),
    };
  }
  // Nango's 424 for a connection whose token could not be refreshed; the message names the
  // connection, the token endpoint's status and OAuth error code, never a token.
  if (error instanceof CredentialsRefreshError) return { status: 424, body: errorBody('invalid_credentials', error.message) };
  if (error instanceof InvalidCursorError) return { status: 400, body: errorBody('invalid_cursor', error.message, [{ path: 'query.cursor', message: error.message }]) };
  logger.log('error', `unhandled error: ${describe(error)}`, { requestId });
  return { status: 500, body: errorBody('internal_error', `internal error; quote request id ${requestId ?? 'unknown'} when reporting it`) };
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (cause: ${error.cause.name}: ${error.cause.message})` : '';
  return `${error.name}: ${error.message}${cause}`;
}
