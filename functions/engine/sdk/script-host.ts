/**
 * What a script's `nango` object needs from whatever runs it, whatever the script's kind: a sync
 * run (`RunSession`) or one action execution (`ActionSession`). Records, deletions and the run's
 * sync-only state stay on `RunSession`; this is the part every script kind shares.
 */
import type { Connection } from '../connection.js';
import type { Checkpoint, LogLevel } from '../ports.js';

export interface ScriptHost {
  /** The connection as the script sees it now (metadata the script set included), credentials and all. */
  readonly connection: Connection;
  /** Runs before every SDK call: throws to stop the script (deadline, cancel, lost lease). */
  guard(): Promise<void>;
  /** A copy of the checkpoint, or null. */
  readCheckpoint(): Checkpoint | null;
  saveCheckpoint(checkpoint: unknown): Promise<void>;
  clearCheckpoint(): Promise<void>;
  /** Replaces (`merge` false) or merges into the connection's metadata, durably. */
  setMetadata(metadata: unknown, merge: boolean): Promise<void>;
  writeLog(level: LogLevel, message: string): void;
  tryAcquireLock(options: { key: string; ttlMs: number }): Promise<boolean>;
  releaseLock(options: { key: string }): Promise<boolean>;
  releaseAllLocks(): Promise<void>;
}
