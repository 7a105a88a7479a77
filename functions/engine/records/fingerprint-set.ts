/**
 * A set of id fingerprints (`idFingerprint`: integers below 2^52) in one typed array, open
 * addressing with linear probing, at most 70 % full — what a run keeps per record (the ids a
 * full refresh has seen, the ids a writer wrote without a condition), outside the JS heap, so
 * a million records stay tens of megabytes and add no garbage for V8 to collect.
 *
 * - `exact` (default): the whole fingerprint in a `Float64Array`, 11–23 bytes per id.
 * - `lossy`: its low 32 bits in a `Uint32Array`, 6–11 bytes per id. Two fingerprints sharing
 *   them look the same, so `has` may say yes for an id never added — for callers to whom a
 *   false "yes" only costs a detour (a read before a write), never a false "no".
 *
 * Only adds, lookups and the count: nothing is ever removed.
 */
const INITIAL_SLOTS = 1 << 10;
const MAX_LOAD = 0.7;

export class FingerprintSet {
  private slots: Float64Array | Uint32Array;
  private count = 0;
  /** The slot value meaning "empty": a fingerprint (or its low 32 bits) is never this. */
  private readonly empty: number;

  constructor(
    fingerprints: Iterable<number> = [],
    private readonly precision: 'exact' | 'lossy' = 'exact',
  ) {
    this.empty = precision === 'exact' ? -1 : 0;
    this.slots = this.allocate(INITIAL_SLOTS);
    for (const fingerprint of fingerprints) this.add(fingerprint);
  }

  get size(): number {
    return this.count;
  }

  /** True when it was not there yet. */
  add(fingerprint: number): boolean {
    if (this.count + 1 > this.slots.length * MAX_LOAD) this.grow();
    const added = this.insert(this.slots, this.key(fingerprint));
    if (added) this.count++;
    return added;
  }

  has(fingerprint: number): boolean {
    const key = this.key(fingerprint);
    const mask = this.slots.length - 1;
    for (let slot = home(key, mask); ; slot = (slot + 1) & mask) {
      const value = this.slots[slot]!;
      if (value === key) return true;
      if (value === this.empty) return false;
    }
  }

  /** What a slot holds for the fingerprint: itself, or its low 32 bits (0 taken as 1: 0 marks empty). */
  private key(fingerprint: number): number {
    return this.precision === 'exact' ? fingerprint : fingerprint % 0x1_0000_0000 || 1;
  }

  private allocate(length: number): Float64Array | Uint32Array {
    return this.precision === 'exact' ? new Float64Array(length).fill(this.empty) : new Uint32Array(length);
  }

  private grow(): void {
    const old = this.slots;
    this.slots = this.allocate(old.length * 2);
    for (const value of old) if (value !== this.empty) this.insert(this.slots, value);
  }

  private insert(slots: Float64Array | Uint32Array, key: number): boolean {
    const mask = slots.length - 1;
    for (let slot = home(key, mask); ; slot = (slot + 1) & mask) {
      const value = slots[slot]!;
      if (value === key) return false;
      if (value === this.empty) {
        slots[slot] = key;
        return true;
      }
    }
  }
}

/** The slot a key probes first: its low 32 bits through a multiplicative hash. */
function home(key: number, mask: number): number {
  return (Math.imul(key % 0x1_0000_0000, 0x9e3779b1) >>> 0) & mask;
}

/**
 * Fingerprints appended in chunks of `Float64Array` (off the JS heap) and taken out all at
 * once: what the deletion tracker has not persisted yet — a million of them in a run that
 * never hands over.
 */
export class FingerprintLog {
  private static readonly CHUNK = 1 << 16;
  private chunks: Float64Array[] = [];
  private used = 0;

  get length(): number {
    return this.chunks.length === 0 ? 0 : (this.chunks.length - 1) * FingerprintLog.CHUNK + this.used;
  }

  push(fingerprint: number): void {
    if (this.chunks.length === 0 || this.used === FingerprintLog.CHUNK) {
      this.chunks.push(new Float64Array(FingerprintLog.CHUNK));
      this.used = 0;
    }
    this.chunks[this.chunks.length - 1]![this.used++] = fingerprint;
  }

  /** Everything appended since the last take, in order; the log is empty afterwards. */
  take(): number[] {
    const taken: number[] = [];
    this.chunks.forEach((chunk, index) => {
      const end = index === this.chunks.length - 1 ? this.used : chunk.length;
      for (let i = 0; i < end; i++) taken.push(chunk[i]!);
    });
    this.chunks = [];
    this.used = 0;
    return taken;
  }
}
