/**
 * The `ScriptHost` of one action attempt: what the action's `nango` object reads and changes —
 * its connection and metadata, the execution's checkpoint, its log and its named locks — and
 * the guard that stops the script at the attempt's deadline.
 */
import type * as z from 'zod';
import type { Connection } from '../connection.js';
import { DeadlineReachedError, SdkUsageError } from '../errors.js';
import type { Checkpoint, Clock, ConnectionRepo, LockRepo, LogLevel, Logger, RunLogRepo } from '../ports.js';
import { isPlainObject } from '../records/deep-merge.js';
import { LocalLockRepo } from '../runner/local-locks.js';
import { RunLocks } from '../runner/run-locks.js';
import { RunLog } from '../runner/run-log.js';
import type { ScriptHost } from '../sdk/script-host.js';
import type { ActionExecution, ActionExecutionRepo } from './ports.js';

export interface ActionSessionArgs {
  execution: ActionExecution;
  connection: Connection;
  /** When the script must stop, ms since epoch. */
  deadline: number;
  /** The action's `checkpoint` schema, when it declares one. */
  checkpointSchema?: z.ZodType | undefined;
  executions: ActionExecutionRepo;
  connections: Pick<ConnectionRepo, 'updateMetadata'>;
  /** Absent only where nothing else shares the connection's locks (then they are kept in memory). */
  locks?: LockRepo | undefined;
  clock: Clock;
  logger: Logger;
}

export class ActionSession implements ScriptHost {
  readonly log: RunLog;
  readonly locks: RunLocks;
  connection: Connection;
  checkpoint: Checkpoint | null;
  /** Set once the deadline stopped the script, even if the script caught the error and returned. */
  stoppedBy: DeadlineReachedError | null = null;

  constructor(private readonly args: ActionSessionArgs) {
    const { execution } = args;
    this.connection = args.connection;
    this.checkpoint = execution.checkpoint === null ? null : { ...execution.checkpoint };
    // The run log keeps lines per (key, run id); an execution's lines live on the execution.
    const logs: RunLogRepo = {
      append: (_key, id, lines) => args.executions.appendLogs(id, lines),
      list: (_key, id) => args.executions.logs(id),
    };
    const key = { providerConfigKey: execution.providerConfigKey, connectionId: execution.connectionId, syncName: execution.actionName };
    this.log = new RunLog(logs, key, execution.id, args.logger, () => args.clock.now());
    // Owned by the execution id: a retried attempt holds what an earlier one took.
    const scope = { providerConfigKey: execution.providerConfigKey, connectionId: execution.connectionId };
    this.locks = new RunLocks(args.locks ?? new LocalLockRepo(), scope, execution.id, args.clock);
  }

  /** Stops the script at its next SDK call: the deadline passed while it awaited something else. */
  stop(): void {
    this.stoppedBy ??= new DeadlineReachedError();
  }

  async guard(): Promise<void> {
    if (this.stoppedBy || this.args.clock.now() >= this.args.deadline) throw (this.stoppedBy ??= new DeadlineReachedError());
  }

  readCheckpoint(): Checkpoint | null {
    return this.checkpoint === null ? null : { ...this.checkpoint };
  }

  async saveCheckpoint(checkpoint: unknown): Promise<void> {
    await this.guard();
    if (!isPlainObject(checkpoint) || !Object.values(checkpoint).every((v) => ['string', 'number', 'boolean'].includes(typeof v))) {
      throw new SdkUsageError('a checkpoint must be a flat object of string, number or boolean values');
    }
    if (this.args.checkpointSchema) {
      const parsed = this.args.checkpointSchema.safeParse(checkpoint);
      if (!parsed.success) throw new SdkUsageError(`checkpoint does not match the action's checkpoint schema: ${parsed.error.issues[0]?.message}`);
    }
    await this.args.executions.saveCheckpoint(this.args.execution.id, { ...(checkpoint as Checkpoint) });
    this.checkpoint = { ...(checkpoint as Checkpoint) };
  }

  async clearCheckpoint(): Promise<void> {
    await this.guard();
    await this.args.executions.saveCheckpoint(this.args.execution.id, null);
    this.checkpoint = null;
  }

  async setMetadata(metadata: unknown, merge: boolean): Promise<void> {
    await this.guard();
    if (!isPlainObject(metadata)) throw new SdkUsageError('metadata must be an object');
    const next = merge ? { ...this.connection.metadata, ...metadata } : metadata;
    await this.args.connections.updateMetadata(this.connection.providerConfigKey, this.connection.connectionId, next);
    this.connection = { ...this.connection, metadata: next };
  }

  writeLog(level: LogLevel, message: string): void {
    this.log.write(level, message);
  }

  async tryAcquireLock(options: { key: string; ttlMs: number }): Promise<boolean> {
    await this.guard();
    return this.locks.tryAcquire(options);
  }

  async releaseLock(options: { key: string }): Promise<boolean> {
    await this.guard();
    return this.locks.release(options);
  }

  async releaseAllLocks(): Promise<void> {
    await this.guard();
    await this.locks.releaseAll();
  }

  /**
   * The attempt has ended, however it ended: its locks go (a retry, seconds or minutes later,
   * must not find the connection locked by the attempt that failed) and its log is written.
   * Best effort for the locks: one left behind expires on its own.
   */
  async close(): Promise<void> {
    if (this.locks.tookAny || this.args.execution.attempts > 1) {
      try {
        await this.locks.releaseAll();
      } catch (error) {
        this.log.write('warn', `the execution's locks could not be released and will expire on their own: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    await this.log.close();
  }
}
