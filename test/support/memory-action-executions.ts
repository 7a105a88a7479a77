/**
 * An in-memory `ActionExecutionRepo` with the same conditions the DynamoDB one writes with: a
 * create fails on an existing id, an attempt starts only from QUEUED or RUNNING, a finish only
 * from RUNNING, a requeue only from RUNNING. Reads and writes hand out copies.
 */
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

  async startAttempt(id: string, at: number): Promise<ActionExecution | null> {
    const found = this.items.get(id);
    if (!found || (found.status !== 'QUEUED' && found.status !== 'RUNNING')) return null;
    const started: ActionExecution = { ...found, status: 'RUNNING', attempts: found.attempts + 1, startedAt: at };
    this.items.set(id, started);
    return clone(started);
  }

  async requeue(id: string, error: ActionFailure): Promise<void> {
    const found = this.items.get(id);
    if (found?.status !== 'RUNNING') throw new ConflictError(`action execution ${id} is not RUNNING`);
    this.items.set(id, { ...found, status: 'QUEUED', error: clone(error) });
  }

  async finish(id: string, result: { status: 'SUCCESS'; output: unknown } | { status: 'ERROR'; error: ActionFailure }, at: number): Promise<boolean> {
    const found = this.items.get(id);
    if (found?.status !== 'RUNNING') return false;
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

  async logs(id: string): Promise<RunLogLine[]> {
    return clone(this.logLines.get(id) ?? []);
  }
}
