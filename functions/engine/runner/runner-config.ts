/** How a run behaves: batch sizes, lease timing, hand-over and the guards against runaway runs. */
export interface RunnerConfig {
  /** Records per store write call. */
  batchSize: number;
  /** Store write calls in flight at once per run. */
  flushConcurrency: number;
  /** How long a lease lasts without renewal; longer than the longest gap between SDK calls. */
  leaseMs: number;
  /** How often a running script checks (and renews) its lease, so a cancel or pause stops it promptly. */
  leaseCheckMs: number;
  /**
   * A run spread over several invocations is counted from the cursor index, which DynamoDB
   * updates shortly after each write (usually well under a second): wait this long first.
   */
  indexSettleMs: number;
  /** Stop this long before the invocation's deadline, to save state and hand over. */
  deadlineMarginMs: number;
  /** A full-refresh deletion above this share of the live records is refused … */
  maxDeleteShare: number;
  /** … when it also deletes more than this many records: small datasets legitimately lose most of a handful. */
  minGuardedDeletions: number;
  /**
   * A run still unfinished after this many invocations ends in ERROR: a script that hands over
   * for ever (it restarts from the top each time, or re-reads the same page) must not run for ever.
   */
  maxInvocations: number;
  /** What a record that does not match its model does, for syncs that do not say (see `SyncDefinition.validation`). */
  recordValidation: 'warn' | 'reject';
}

export const DEFAULT_RUNNER_CONFIG: RunnerConfig = {
  batchSize: 100,
  flushConcurrency: 4,
  leaseMs: 5 * 60_000,
  leaseCheckMs: 5_000,
  indexSettleMs: 1_500,
  deadlineMarginMs: 60_000,
  maxDeleteShare: 0.5,
  minGuardedDeletions: 10,
  maxInvocations: 20,
  recordValidation: 'warn',
};
