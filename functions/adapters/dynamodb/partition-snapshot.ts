/**
 * What a partition held when a run (invocation) began, packed for a big dataset: per record a
 * 52-bit id fingerprint, a 48-bit content-hash fingerprint and a deleted flag — 17 bytes, in
 * typed arrays sorted by id fingerprint for binary search. With it a full refresh tells an
 * unchanged record from a changed or new one without reading it again, and counts deletions
 * without a second scan.
 */
import { idFingerprint } from '../../engine/records/content-hash.js';

export class PackedSnapshot {
  private constructor(
    private readonly ids: Float64Array,
    private readonly hashes: Float64Array,
    private readonly deleted: Uint8Array,
    /** Live (not deleted) records when the snapshot was read. */
    readonly liveCount: number,
  ) {}

  static build(entries: { idFp: number[]; hashFp: number[]; deleted: number[] }): PackedSnapshot {
    const n = entries.idFp.length;
    const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => entries.idFp[a]! - entries.idFp[b]!);
    const ids = new Float64Array(n);
    const hashes = new Float64Array(n);
    const deleted = new Uint8Array(n);
    let live = 0;
    order.forEach((from, to) => {
      ids[to] = entries.idFp[from]!;
      hashes[to] = entries.hashFp[from]!;
      deleted[to] = entries.deleted[from]!;
      if (!deleted[to]) live++;
    });
    return new PackedSnapshot(ids, hashes, deleted, live);
  }

  /** Fingerprints compare with `contentHash`'s via `hashFingerprint`. */
  lookup(id: string): { hashFingerprint: number; deleted: boolean } | undefined {
    const target = idFingerprint(id);
    let low = 0;
    let high = this.ids.length - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const value = this.ids[mid]!;
      if (value === target) return { hashFingerprint: this.hashes[mid]!, deleted: this.deleted[mid] === 1 };
      if (value < target) low = mid + 1;
      else high = mid - 1;
    }
    return undefined;
  }

  *liveIdFingerprints(): Iterable<number> {
    for (let i = 0; i < this.ids.length; i++) if (!this.deleted[i]) yield this.ids[i]!;
  }
}
