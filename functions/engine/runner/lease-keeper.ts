/**
 * Keeps one run's lease on its connection-sync: renews it as the script makes SDK calls, keeps
 * it alive through one long call (a provider request waiting out a Retry-After) with a
 * heartbeat, and remembers when it was lost (cancelled, paused, taken over) so the next SDK
 * call stops the script. Clock and timers are injected so tests control time.
 */
import { LeaseLostError } from '../errors.js';
import type { Clock, ConnectionSyncKey, ConnectionSyncRepo, Lease } from '../ports.js';

export interface Timers {
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export const systemTimers: Timers = {
  setInterval: (callback, ms) => {
    const handle = setInterval(callback, ms);
    handle.unref();
    return handle;
  },
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

export interface LeaseKeeperArgs {
  repo: Pick<ConnectionSyncRepo, 'renewLease' | 'releaseLease' | 'handOverLease'>;
  key: ConnectionSyncKey;
  lease: Lease;
  clock: Clock;
  leaseMs: number;
  /** Renew at most this often from SDK calls. */
  checkEveryMs: number;
  timers?: Timers;
}

export class LeaseKeeper {
  private lastRenewal: number;
  private lost = false;

  constructor(private readonly args: LeaseKeeperArgs) {
    this.lastRenewal = args.clock.now();
  }

  get lease(): Lease {
    return this.args.lease;
  }

  assertHeld(): void {
    if (this.lost) throw new LeaseLostError('the run lost its lease: it was cancelled, paused or taken over');
  }

  /**
   * Renews now, however recent the last renewal: before writes that must not outlive a cancel
   * (the buffered records a finishing run writes), the run proves it still holds the lease.
   */
  async confirm(): Promise<void> {
    this.assertHeld();
    await this.renew();
  }

  /** Called before each SDK call: throws once the lease is lost, renews when due. */
  async keep(): Promise<void> {
    this.assertHeld();
    const dueEvery = Math.min(this.args.checkEveryMs, this.args.leaseMs / 3);
    if (this.args.clock.now() - this.lastRenewal >= dueEvery) await this.renew();
  }

  /** Renews from a timer while no SDK call does; returns the function that stops it. */
  startHeartbeat(): () => void {
    const timers = this.args.timers ?? systemTimers;
    const handle = timers.setInterval(
      () => {
        if (this.args.clock.now() - this.lastRenewal < this.args.leaseMs / 3) return;
        this.renew().catch(() => undefined); // a lost lease is seen by the next `keep`
      },
      Math.max(1_000, this.args.leaseMs / 6),
    );
    return () => timers.clearInterval(handle);
  }

  /** Gives the lease back (a hand-over or a failure); harmless when it was lost already. */
  release(): Promise<void> {
    return this.args.repo.releaseLease(this.args.key, this.args.lease);
  }

  /** Keeps the lease for the run's continuation (any invocation of this run may take it) for one lease period. */
  handOver(): Promise<void> {
    return this.args.repo.handOverLease(this.args.key, this.args.lease, this.args.clock.now() + this.args.leaseMs);
  }

  private async renew(): Promise<void> {
    const now = this.args.clock.now();
    const renewed = { ...this.args.lease, expiresAt: now + this.args.leaseMs };
    this.lastRenewal = now;
    if (!(await this.args.repo.renewLease(this.args.key, renewed))) {
      this.lost = true;
      throw new LeaseLostError('the run lost its lease: it was cancelled, paused or taken over');
    }
    this.args.lease.expiresAt = renewed.expiresAt;
  }
}
