/** Seeded 32-bit generator (mulberry32): reproducible simulator runs without Math.random. */
export class SeededRandom {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform bigint in [1, bound). */
  nextBigBelow(bound: bigint): bigint {
    const raw = (BigInt(this.nextUint32()) << 32n) | BigInt(this.nextUint32());
    return (raw % (bound - 1n)) + 1n;
  }
}
