/**
 * A set of id fingerprints (`idFingerprint`: integers below 2^52) in one `Float64Array`, open
 * addressing with linear probing, at most 70 % full: 11–23 bytes per fingerprint, where a `Set`
 * of numbers takes ~50 (each a boxed double plus the table's entry). What a run keeps per record
 * — the ids a full refresh has seen, the ids a writer wrote without a condition — so a million
 * records stay tens of megabytes. Only adds, lookups and the count: nothing is ever removed.
 */
const EMPTY = -1;
const INITIAL_SLOTS = 1 << 10;
const MAX_LOAD = 0.7;

export class FingerprintSet {
  private slots = new Float64Array(INITIAL_SLOTS).fill(EMPTY);
  private count = 0;

  constructor(fingerprints: Iterable<number> = []) {
    for (const fingerprint of fingerprints) this.add(fingerprint);
  }

  get size(): number {
    return this.count;
  }

  /** True when it was not there yet. */
  add(fingerprint: number): boolean {
    if (this.count + 1 > this.slots.length * MAX_LOAD) this.grow();
    const added = insert(this.slots, fingerprint);
    if (added) this.count++;
    return added;
  }

  has(fingerprint: number): boolean {
    const mask = this.slots.length - 1;
    for (let slot = home(fingerprint, mask); ; slot = (slot + 1) & mask) {
      const value = this.slots[slot]!;
      if (value === fingerprint) return true;
      if (value === EMPTY) return false;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Float64Array(old.length * 2).fill(EMPTY);
    for (const value of old) if (value !== EMPTY) insert(this.slots, value);
  }
}

/** The fingerprint's low 32 bits, spread by a multiplicative hash (neighbouring values land apart). */
function home(fingerprint: number, mask: number): number {
  return (Math.imul(fingerprint % 0x1_0000_0000, 0x9e3779b1) >>> 0) & mask;
}

function insert(slots: Float64Array, fingerprint: number): boolean {
  const mask = slots.length - 1;
  for (let slot = home(fingerprint, mask); ; slot = (slot + 1) & mask) {
    const value = slots[slot]!;
    if (value === fingerprint) return false;
    if (value === EMPTY) {
      slots[slot] = fingerprint;
      return true;
    }
  }
}
