import { idFingerprint } from '../records/content-hash.js';
import { FingerprintLog, FingerprintSet } from '../records/fingerprint-set.js';

/**
 * Which records of each model a full-refresh pass has seen, as 52-bit id fingerprints in a
 * `FingerprintSet` (11–23 bytes per record, whatever the id's length). Fingerprints not
 * yet persisted are kept apart so a checkpoint writes only what is new.
 */
export class DeletionTracker {
  private readonly seen = new Map<string, FingerprintSet>();
  private readonly unsaved = new Map<string, FingerprintLog>();

  isTracking(model: string): boolean {
    return this.seen.has(model);
  }

  /** Starts tracking; fingerprints loaded from a resumed pass are kept. */
  start(model: string, carriedOver: number[] = []): void {
    if (this.seen.has(model)) return;
    this.seen.set(model, new FingerprintSet(carriedOver));
    this.unsaved.set(model, new FingerprintLog());
  }

  markSeen(model: string, ids: Iterable<string>): void {
    const set = this.seen.get(model);
    if (!set) return;
    const pending = this.unsaved.get(model)!;
    for (const id of ids) {
      const fingerprint = idFingerprint(id);
      if (set.add(fingerprint)) pending.push(fingerprint);
    }
  }

  hasSeen(model: string, id: string): boolean {
    return this.hasSeenFingerprint(model, idFingerprint(id));
  }

  hasSeenFingerprint(model: string, fingerprint: number): boolean {
    return this.seen.get(model)?.has(fingerprint) ?? false;
  }

  seenCount(model: string): number {
    return this.seen.get(model)?.size ?? 0;
  }

  /** Takes the fingerprints not yet persisted, per model. */
  takeUnsaved(): Map<string, number[]> {
    const taken = new Map<string, number[]>();
    for (const [model, pending] of this.unsaved) {
      if (pending.length > 0) taken.set(model, pending.take());
    }
    return taken;
  }

  stop(model: string): void {
    this.seen.delete(model);
    this.unsaved.delete(model);
  }

  trackedModels(): string[] {
    return [...this.seen.keys()];
  }
}
