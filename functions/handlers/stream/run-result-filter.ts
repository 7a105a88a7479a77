/**
 * Which state-table stream records wake the webhook function: the Lambda event filter (CDK) and
 * the local stream poller use these same patterns, so only what sends a webhook is read in both
 * places. Patterns in a filter are OR-ed; within one, fields are AND-ed (EventBridge pattern
 * syntax, https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html).
 *
 * Run results (both status lists come from the run lifecycle, `model/run.ts`): the run item now
 * has a status the customer is told about (SUCCESS, ERROR) and had no final status before — an
 * INSERT of a finished run, or a MODIFY from a non-final status. A rewrite of an already-final
 * run matches neither and sends nothing.
 *
 * Auth errors: a connection item whose `authError` was just set — present in the new image,
 * absent from the old one. `exists` only applies to a leaf (a map is not one), so the patterns
 * name the auth error's `at` string. Later writes to a marked connection (a refresh lock, new
 * metadata) keep the auth error on both sides and match nothing; saving new credentials removes
 * it, so the next failure is "just set" again.
 *
 * Connect events: a connection item written by the connect flow carries `authEvent` (its `at`
 * new with each connect). A filter cannot compare the old image with the new one, so the
 * pattern takes every INSERT or MODIFY of a connection that has an `authEvent`, and the handler
 * drops those whose `at` did not change (a later metadata, tags or token write to a connection
 * made through the connect flow). That wakes the function for such writes too: a cost paid only
 * by connect-made connections, and one pattern instead of a second table or a second write.
 *
 * Failed connects: the INSERT of an `AUTH_FAILURE` item (`engine/connect/auth-failure.ts`). It is
 * written once and only swept later (a TTL REMOVE), so the INSERT alone is the event.
 */
import { FINAL_RUN_STATUSES, NOTIFIED_RUN_STATUSES } from '../../engine/model/run.js';

type Pattern = { [key: string]: Pattern | unknown[] };

const finishedRun = { kind: { S: ['RUN'] }, status: { S: [...NOTIFIED_RUN_STATUSES] } };

export const RUN_RESULT_FILTER_PATTERNS: Pattern[] = [
  { eventName: ['INSERT'], dynamodb: { NewImage: finishedRun } },
  { eventName: ['MODIFY'], dynamodb: { NewImage: finishedRun, OldImage: { status: { S: [{ 'anything-but': [...FINAL_RUN_STATUSES] }] } } } },
];

/** The item kind of a connection (`adapters/dynamodb/state/connection-repo.ts`). */
const CONNECTION_KIND = 'CONNECTION';
const authErrorAt = (exists: boolean) => ({ authError: { M: { at: { S: [{ exists }] } } } });

export const AUTH_ERROR_FILTER_PATTERNS: Pattern[] = [{ eventName: ['MODIFY'], dynamodb: { NewImage: { kind: { S: [CONNECTION_KIND] }, ...authErrorAt(true) }, OldImage: authErrorAt(false) } }];

export const AUTH_EVENT_FILTER_PATTERNS: Pattern[] = [
  { eventName: ['INSERT', 'MODIFY'], dynamodb: { NewImage: { kind: { S: [CONNECTION_KIND] }, authEvent: { M: { at: { S: [{ exists: true }] } } } } } },
];

/** The item kind of a failed connect (`adapters/dynamodb/state/auth-failure-repo.ts`). */
const AUTH_FAILURE_KIND = 'AUTH_FAILURE';

export const AUTH_FAILURE_FILTER_PATTERNS: Pattern[] = [{ eventName: ['INSERT'], dynamodb: { NewImage: { kind: { S: [AUTH_FAILURE_KIND] } } } }];

/** Everything the webhook function is given: run results, newly marked connections, connect events, failed connects. */
export const WEBHOOK_STREAM_FILTER_PATTERNS: Pattern[] = [...RUN_RESULT_FILTER_PATTERNS, ...AUTH_ERROR_FILTER_PATTERNS, ...AUTH_EVENT_FILTER_PATTERNS, ...AUTH_FAILURE_FILTER_PATTERNS];

export function matchesRunResultFilter(record: unknown): boolean {
  return RUN_RESULT_FILTER_PATTERNS.some((pattern) => matches(pattern, record));
}

export function matchesAuthErrorFilter(record: unknown): boolean {
  return AUTH_ERROR_FILTER_PATTERNS.some((pattern) => matches(pattern, record));
}

export function matchesAuthFailureFilter(record: unknown): boolean {
  return AUTH_FAILURE_FILTER_PATTERNS.some((pattern) => matches(pattern, record));
}

/** A connection written with an `authEvent` whose `at` is new (the part the filter cannot check is checked here). */
export function matchesAuthEventFilter(record: unknown): boolean {
  if (!AUTH_EVENT_FILTER_PATTERNS.some((pattern) => matches(pattern, record))) return false;
  const images = (record as { dynamodb?: { NewImage?: unknown; OldImage?: unknown } }).dynamodb;
  return authEventAt(images?.NewImage) !== authEventAt(images?.OldImage);
}

function authEventAt(image: unknown): unknown {
  const event = (image as { authEvent?: { M?: { at?: { S?: unknown } } } } | undefined)?.authEvent;
  return event?.M?.at?.S;
}

/** True when the record matches any pattern the event source filters with. */
export function matchesWebhookStreamFilter(record: unknown): boolean {
  return WEBHOOK_STREAM_FILTER_PATTERNS.some((pattern) => matches(pattern, record));
}

/** The subset of the pattern syntax the patterns use: values, `anything-but`, `exists` (on leaves). */
function matches(pattern: Pattern, value: unknown): boolean {
  const object = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  return Object.entries(pattern).every(([key, rule]) => {
    const field = object?.[key];
    if (!Array.isArray(rule)) return matches(rule as Pattern, field);
    return rule.some((allowed) => {
      if (typeof allowed === 'object' && allowed !== null && 'exists' in allowed) {
        // A leaf exists when it holds a primitive; a missing parent means a missing leaf.
        const present = field !== undefined && (typeof field !== 'object' || field === null);
        return present === (allowed as { exists: boolean }).exists;
      }
      if (typeof allowed === 'object' && allowed !== null && 'anything-but' in allowed) {
        return field !== undefined && !(allowed as { 'anything-but': unknown[] })['anything-but'].includes(field);
      }
      return field === allowed;
    });
  });
}
