/**
 * Which state-table stream records are run results: the Lambda event filter (CDK) and the local
 * stream poller use these same patterns, so only finished runs wake the function in both places.
 *
 * "Just finished" means the run item now says SUCCESS or ERROR and did not before: an INSERT of
 * a finished run (a run that failed before it was ever written RUNNING), or a MODIFY from a
 * non-final status. Patterns in a filter are OR-ed; within one, fields are AND-ed (EventBridge
 * pattern syntax, https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html).
 * A rewrite of an already-final run (e.g. a repeated finish) matches neither and sends nothing.
 */
export const FINAL_RUN_STATUSES = ['SUCCESS', 'ERROR'] as const;

type Pattern = { [key: string]: Pattern | unknown[] };

const finishedRun = { kind: { S: ['RUN'] }, status: { S: [...FINAL_RUN_STATUSES] } };

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
