/**
 * An in-memory `ActionExecutionRepo` with the same conditions the DynamoDB one writes with: a
 * create fails on an existing id; each status change leaves only the statuses the table in
 * `execution-states.ts` allows, with the same guards (an attempt takes a RUNNING execution only
 * once its lease has expired, an invocation claims a sync one once). Reads and writes hand out copies.
 */
import { writeLeaves } from '../../functions/engine/actions/execution-states.js';
import { ConflictError } from '../../functions/engine/errors.js';
import type { ActionExecution, ActionExecutionFilter, ActionExecutionRepo, ActionFailure } from '../../functions/engine/actions/ports.js';
import type { Checkpoint, RunLogLine } from '../../functions/engine/ports.js';

const clone = <T>(value: T): T => structuredClone(value);

export class MemoryActionExecutions implements ActionExecutionRepo {
  readonly items = new Map<string, ActionExecution>();
  readonly logLines = new Map<string, RunLogLine[]>();
  /** Every checkpoint saved, in order, per execution. */
  readonly savedCheckpoints: { id: string; checkpoint: Checkpoint | null }[] = [];

  async create(execution: ActionExecution): Promise<void> {
    if (this.items.has(execution.id)) throw new ConflictError(`action execution ${execution.id} exists`);
    this.items.set(execution.id, clone(execution));
  }

  async get(id: string): Promise<ActionExecution | null> {
    const found = this.items.get(id);
    return found ? clone(found) : null;
  }

  async startAttempt(id: string, at: number, leaseUntil: number): Promise<ActionExecution | null> {
    const found = this.items.get(id);
    if (!found || !writeLeaves('startAttempt', found.status)) return null;
    // A RUNNING execution is taken only once its attempt's lease has expired.
    if (found.status === 'RUNNING' && !(found.mode === 'async' && found.leaseUntil !== null && found.leaseUntil < at)) return null;
    const started: ActionExecution = { ...found, status: 'RUNNING', attempts: found.attempts + 1, startedAt: at, leaseUntil };
    this.items.set(id, started);
    return clone(started);
  }

  async claimInvocation(id: string): Promise<ActionExecution | null> {
    const found = this.items.get(id);
    if (!found || !writeLeaves('claimInvocation', found.status) || found.mode !== 'sync' || found.attempts !== 0) return null;
    const claimed: ActionExecution = { ...found, attempts: 1 };
    this.items.set(id, claimed);
    return clone(claimed);
  }

  async requeue(id: string, error: ActionFailure): Promise<void> {
    const found = this.items.get(id);
    if (!found || !writeLeaves('requeue', found.status)) throw new ConflictError(`action execution ${id} is not RUNNING`);
    this.items.set(id, { ...found, status: 'QUEUED', error: clone(error), leaseUntil: null });
  }

  async finish(id: string, result: { status: 'SUCCESS'; output: unknown } | { status: 'ERROR'; error: ActionFailure }, at: number): Promise<boolean> {
    const found = this.items.get(id);
    if (!found || !writeLeaves('finish', found.status)) return false;
    const finished: ActionExecution =
      result.status === 'SUCCESS'
        ? { ...found, status: 'SUCCESS', error: null, finishedAt: at, ...(result.output === undefined ? {} : { output: clone(result.output) }) }
        : { ...found, status: 'ERROR', error: clone(result.error), finishedAt: at };
    this.items.set(id, finished);
    return true;
  }

  async saveCheckpoint(id: string, checkpoint: Checkpoint | null): Promise<void> {
    const found = this.items.get(id);
    if (!found) throw new ConflictError(`action execution ${id} does not exist`);
    this.items.set(id, { ...found, checkpoint: clone(checkpoint) });
    this.savedCheckpoints.push({ id, checkpoint: clone(checkpoint) });
  }

  async list(filter: ActionExecutionFilter): Promise<ActionExecution[]> {
    return [...this.items.values()]
      .filter((e) => e.providerConfigKey === filter.providerConfigKey && e.connectionId === filter.connectionId && (filter.actionName === undefined || e.actionName === filter.actionName))
      .sort((a, b) => b.createdAt - a.createdAt)
      .slice(0, filter.limit)
      .map(clone);
  }

  async appendLogs(id: string, lines: RunLogLine[]): Promise<void> {
    this.logLines.set(id, [...(this.logLines.get(id) ?? []), ...clone(lines)]);
  }

  /** Every `logs` call, to count and overlap reads. */
  readonly logReads: { id: string; last: number | undefined }[] = [];

  async logs(id: string, options: { last?: number } = {}): Promise<RunLogLine[]> {
    this.logReads.push({ id, last: options.last });
    const lines = clone(this.logLines.get(id) ?? []);
    return options.last === undefined ? lines : lines.slice(Math.max(0, lines.length - options.last));
  }
}
