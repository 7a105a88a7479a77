/**
 * A run's named locks (Nango's `tryAcquireLock`, `releaseLock`, `releaseAllLocks`): scoped to
 * the connection, owned by the run id, so a second run — of this sync or another one on the
 * same connection — gets false while a lock is held, and the run's own later invocations hold
 * what its earlier ones took. Taking a lock the run holds already extends it.
 */
import * as z from 'zod';
import { SdkUsageError } from '../errors.js';
import type { Clock, LockRepo, LockScope } from '../ports.js';
import { describeIssues } from '../records/validate-record.js';

/** As on Nango: a key of 1 to 255 characters. */
export const MAX_LOCK_KEY_LENGTH = 255;
/**
 * Nango sets no upper bound. One hour bounds how long a lock left by a dead executor blocks
 * others (a live run releases its locks when it ends, and may take a lock again to extend it).
 */
export const MAX_LOCK_TTL_MS = 60 * 60_000;

const LockKey = z.string({ error: 'must be a string' }).min(1, 'must not be empty').max(MAX_LOCK_KEY_LENGTH, `must be at most ${MAX_LOCK_KEY_LENGTH} characters`);
const Ttl = z
  .number({ error: 'must be a number of milliseconds' })
  .int('must be a whole number of milliseconds')
  .positive('must be positive')
  .max(MAX_LOCK_TTL_MS, `must be at most ${MAX_LOCK_TTL_MS} (one hour)`);
const AcquireOptions = z.object({ key: LockKey, ttlMs: Ttl }, { error: 'expects an object { key, ttlMs }' });
const ReleaseOptions = z.object({ key: LockKey }, { error: 'expects an object { key }' });

export class RunLocks {
  private taken = false;

  constructor(
    private readonly repo: LockRepo,
    private readonly scope: LockScope,
    private readonly owner: string,
    private readonly clock: Clock,
  ) {}

  /** True once this invocation took a lock: otherwise only an earlier invocation can have left one. */
  get tookAny(): boolean {
    return this.taken;
  }

  async tryAcquire(options: unknown): Promise<boolean> {
    const { key, ttlMs } = parse(AcquireOptions, options, 'tryAcquireLock');
    const now = this.clock.now();
    const acquired = await this.repo.tryAcquire(this.scope, key, this.owner, now + ttlMs, now);
    if (acquired) this.taken = true;
    return acquired;
  }

  async release(options: unknown): Promise<boolean> {
    const { key } = parse(ReleaseOptions, options, 'releaseLock');
    return this.repo.release(this.scope, key, this.owner, this.clock.now());
  }

  /** Releases every lock the run holds on the connection; returns how many. */
  releaseAll(): Promise<number> {
    return this.repo.releaseAll(this.scope, this.owner);
  }
}

function parse<T>(schema: z.ZodType<T>, input: unknown, method: string): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  // A wrong type for the whole argument reads better without a path.
  if (issue && issue.path.length === 0) throw new SdkUsageError(`${method} ${issue.message}`);
  throw new SdkUsageError(`${method}: ${describeIssues(parsed.error.issues)}`);
}
