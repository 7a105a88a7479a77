import type { ConnectionSyncKey, LogLevel, Logger, RunLogLine, RunLogRepo } from '../ports.js';

/**
 * A run's log lines: kept with the run (for the executions API) and passed to the process
 * logger. Bounded so a chatty script cannot grow memory or the state table without limit.
 */
export class RunLog {
  private pending: RunLogLine[] = [];
  private stored = 0;
  private dropped = 0;

  constructor(
    private readonly repo: RunLogRepo,
    private readonly key: ConnectionSyncKey,
    private readonly runId: string,
    private readonly logger: Logger,
    private readonly now: () => number,
    private readonly maxLines = 2_000,
  ) {}

  write(level: LogLevel, message: string): void {
    this.logger.log(level, message, { runId: this.runId, ...this.key });
    if (this.stored + this.pending.length >= this.maxLines) {
      this.dropped++;
      return;
    }
    this.pending.push({ at: this.now(), level, message: message.slice(0, 4_000) });
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const lines = this.pending;
    this.pending = [];
    await this.repo.append(this.key, this.runId, lines);
    this.stored += lines.length;
  }

  /** Writes a last line saying how many were dropped, then flushes. */
  async close(): Promise<void> {
    if (this.dropped > 0) {
      this.pending.push({ at: this.now(), level: 'warn', message: `${this.dropped} more log lines were dropped (limit ${this.maxLines} per run)` });
      this.dropped = 0;
    }
    await this.flush();
  }
}
