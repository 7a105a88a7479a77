/**
 * Which state-table stream records are run results: the Lambda event filter (CDK) and the local
 * stream poller use these same patterns, so only finished runs wake the function in both places.
 * Both status lists come from the run lifecycle (`model/run.ts`).
 *
 * "Just finished" means the run item now has a status the customer is told about (SUCCESS,
 * ERROR) and had no final status before: an INSERT of a finished run, or a MODIFY from a
 * non-final status. Patterns in a filter are OR-ed; within one, fields are AND-ed (EventBridge
 * pattern syntax, https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html).
 * A rewrite of an already-final run (e.g. a repeated finish) matches neither and sends nothing.
 */
import { FINAL_RUN_STATUSES, NOTIFIED_RUN_STATUSES } from '../../engine/model/run.js';

type Pattern = { [key: string]: Pattern | unknown[] };

const finishedRun = { kind: { S: ['RUN'] }, status: { S: [...NOTIFIED_RUN_STATUSES] } };

export const RUN_RESULT_FILTER_PATTERNS: Pattern[] = [
  { eventName: ['INSERT'], dynamodb: { NewImage: finishedRun } },
  { eventName: ['MODIFY'], dynamodb: { NewImage: finishedRun, OldImage: { status: { S: [{ 'anything-but': [...FINAL_RUN_STATUSES] }] } } } },
];

/** True when the record matches any pattern — the subset of the syntax the patterns use. */
export function matchesRunResultFilter(record: unknown): boolean {
  return RUN_RESULT_FILTER_PATTERNS.some((pattern) => matches(pattern, record));
}

function matches(pattern: Pattern, value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(pattern).every(([key, rule]) => {
    const field = (value as Record<string, unknown>)[key];
    if (!Array.isArray(rule)) return matches(rule as Pattern, field);
    return rule.some((allowed) => {
      if (typeof allowed === 'object' && allowed !== null && 'anything-but' in allowed) {
        return field !== undefined && !(allowed as { 'anything-but': unknown[] })['anything-but'].includes(field);
      }
      return field === allowed;
    });
  });
}
