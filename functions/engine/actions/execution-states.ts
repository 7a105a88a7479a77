/**
 * An action execution's statuses and the changes between them, as data (STYLE habit 5). The
 * repos allow no other: the DynamoDB repo builds each write's status condition from
 * `ACTION_EXECUTION_WRITES`, the in-memory one checks the same table, and a unit test holds both
 * to it.
 *
 *   QUEUED ──startAttempt──▶ RUNNING ──finish──▶ SUCCESS | ERROR (final)
 *     ▲                       │  ▲
 *     └───────requeue─────────┘  └─ startAttempt (async, the lease has expired: a crashed attempt)
 *                                   claimInvocation (sync, once: the one run of a synchronous trigger)
 */
import type { ActionExecutionStatus } from './ports.js';

/** Every status change an execution may make. SUCCESS and ERROR are final. */
export const ACTION_EXECUTION_TRANSITIONS = {
  QUEUED: ['RUNNING'],
  RUNNING: ['RUNNING', 'QUEUED', 'SUCCESS', 'ERROR'],
  SUCCESS: [],
  ERROR: [],
} as const satisfies Record<ActionExecutionStatus, readonly ActionExecutionStatus[]>;

/**
 * The repo's writes that take or change an execution's status: the statuses each may leave (its
 * condition) and those it moves to. `guard` is the condition beside the status, where there is one.
 */
export const ACTION_EXECUTION_WRITES = {
  startAttempt: { from: ['QUEUED', 'RUNNING'], to: ['RUNNING'], guard: 'RUNNING only for an async execution whose lease has expired' },
  claimInvocation: { from: ['RUNNING'], to: ['RUNNING'], guard: 'a sync execution not claimed yet (attempts = 0)' },
  requeue: { from: ['RUNNING'], to: ['QUEUED'], guard: null },
  finish: { from: ['RUNNING'], to: ['SUCCESS', 'ERROR'], guard: null },
} as const satisfies Record<string, { from: readonly ActionExecutionStatus[]; to: readonly ActionExecutionStatus[]; guard: string | null }>;

export type ActionExecutionWrite = keyof typeof ACTION_EXECUTION_WRITES;

export function canTransition(from: ActionExecutionStatus, to: ActionExecutionStatus): boolean {
  return (ACTION_EXECUTION_TRANSITIONS[from] as readonly ActionExecutionStatus[]).includes(to);
}

/** Whether `write` may take an execution in `status` (its guard aside). */
export function writeLeaves(write: ActionExecutionWrite, status: ActionExecutionStatus): boolean {
  return (ACTION_EXECUTION_WRITES[write].from as readonly ActionExecutionStatus[]).includes(status);
}
