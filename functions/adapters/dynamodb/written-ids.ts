/**
 * The ids a partition writer has written without a condition, as 32 bits of each id's
 * fingerprint in an open-addressing table of `Uint32Array` slots (≤ 50 % full): ~8 bytes per
 * record at a million, where a `Set` of numbers takes 30–50.
 *
 * It answers "maybe written" or "certainly not": two ids sharing 32 bits make the second look
 * written, which only sends it down the read-then-conditional-put path. A false "not written"
 * cannot happen, and that is the answer the unconditional write relies on.
 */
const EMPTY = 0;
const INITIAL_SLOTS = 1 << 10;

export class WrittenIds {
  private slots = new Uint32Array(INITIAL_SLOTS);
  private used = 0;

  get size(): number {
    return this.used;
  }

  /** `idFingerprint` of the id (52 bits); its low 32 bits are kept. */
  add(fingerprint: number): void {
    if ((this.used + 1) * 2 > this.slots.length) this.grow();
    if (insert(this.slots, key(fingerprint))) this.used++;
  }

  mayHave(fingerprint: number): boolean {
    const wanted = key(fingerprint);
    const mask = this.slots.length - 1;
    for (let slot = spread(wanted) & mask; ; slot = (slot + 1) & mask) {
      const value = this.slots[slot]!;
      if (value === wanted) return true;
      if (value === EMPTY) return false;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    for (const value of old) if (value !== EMPTY) insert(this.slots, value);
  }
}

/** The low 32 bits, never 0 (the empty slot's mark). */
function key(fingerprint: number): number {
  return fingerprint % 0x1_0000_0000 || 1;
}

/** Fingerprints are hash bits already; a multiplicative step spreads neighbouring values anyway. */
function spread(value: number): number {
  return Math.imul(value, 0x9e3779b1) >>> 0;
}

/** True when the value was not there yet. */
function insert(slots: Uint32Array, value: number): boolean {
  const mask = slots.length - 1;
  for (let slot = spread(value) & mask; ; slot = (slot + 1) & mask) {
    const current = slots[slot]!;
    if (current === value) return false;
    if (current === EMPTY) {
      slots[slot] = value;
      return true;
    }
  }
}
