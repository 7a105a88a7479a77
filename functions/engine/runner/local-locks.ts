import type { LockRepo, LockScope } from '../ports.js';

interface HeldLock {
  owner: string;
  expiresAt: number;
}

/**
 * Locks kept in this process, with the rules of the shared `LockRepo`. A run whose state has no
 * lock repository (a dry run) uses one of its own, so its locks bind only itself; tests use it
 * as the in-memory lock store.
 */
export class LocalLockRepo implements LockRepo {
  private readonly scopes = new Map<string, Map<string, HeldLock>>();

  async tryAcquire(scope: LockScope, key: string, owner: string, expiresAt: number, now: number): Promise<boolean> {
    const locks = this.locksOf(scope);
    const current = locks.get(key);
    if (current && current.owner !== owner && current.expiresAt > now) return false;
    locks.set(key, { owner, expiresAt });
    return true;
  }

  async release(scope: LockScope, key: string, owner: string, now: number): Promise<boolean> {
    const locks = this.locksOf(scope);
    const current = locks.get(key);
    if (!current || current.owner !== owner) return false;
    locks.delete(key);
    return current.expiresAt > now;
  }

  async releaseAll(scope: LockScope, owner: string): Promise<number> {
    const locks = this.locksOf(scope);
    let removed = 0;
    for (const [key, lock] of locks) {
      if (lock.owner !== owner) continue;
      locks.delete(key);
      removed++;
    }
    return removed;
  }

  /** The locks live at `now` in one scope, as `key → owner` (for tests and diagnostics). */
  holders(scope: LockScope, now: number): Map<string, string> {
    return new Map([...this.locksOf(scope)].filter(([, lock]) => lock.expiresAt > now).map(([key, lock]) => [key, lock.owner]));
  }

  private locksOf(scope: LockScope): Map<string, HeldLock> {
    const id = JSON.stringify([scope.providerConfigKey, scope.connectionId]);
    let locks = this.scopes.get(id);
    if (!locks) this.scopes.set(id, (locks = new Map()));
    return locks;
  }
}
