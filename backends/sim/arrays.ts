/**
 * Reuse of the simulator's slot arrays. A fresh slots-long Float64Array costs as much as the
 * op that fills it: beyond malloc's mmap threshold (128 KiB, N = 32768) each one is mapped,
 * page-faulted and zeroed, and the garbage collector runs on the external memory. So the
 * arrays of freed ciphertexts are handed out again. Payloads share arrays (rescale,
 * relinearize, dropLevelTo and copy keep their input's), so each array counts the live
 * payloads holding it and returns to the pool with the last.
 */

/** Arrays kept for reuse at most, in bytes: a circuit's working set at N = 32768 is ~100 arrays. */
const POOL_BYTES = 2 ** 25;

export class SlotArrays {
  readonly #free: Float64Array[] = [];
  readonly #holders = new Map<Float64Array, number>();
  readonly #cap: number;

  constructor(readonly length: number) {
    this.#cap = Math.floor(POOL_BYTES / (8 * length));
  }

  /** A `length`-slot array with stale contents: the caller writes every slot. */
  take(): Float64Array {
    return this.#free.pop() ?? new Float64Array(this.length);
  }

  /** A copy of `a` in a taken array. */
  copy(a: Float64Array): Float64Array {
    const out = this.take();
    out.set(a);
    return out;
  }

  /** One more live payload holds `a`. */
  hold(a: Float64Array | null): void {
    if (a) this.#holders.set(a, (this.#holders.get(a) ?? 0) + 1);
  }

  /** A payload holding `a` was freed; with the last holder `a` returns to the pool. */
  drop(a: Float64Array | null): void {
    const count = a && this.#holders.get(a);
    if (!count) return;
    if (count > 1) this.#holders.set(a, count - 1);
    else {
      this.#holders.delete(a);
      this.#keep(a);
    }
  }

  /** Back to the pool: an array no payload holds (an op's input or scratch) and nothing else will read. */
  recycle(a: Float64Array): void {
    if (!this.#holders.has(a)) this.#keep(a);
  }

  /** Forgets every array (the backend is closed). */
  clear(): void {
    this.#free.length = 0;
    this.#holders.clear();
  }

  #keep(a: Float64Array): void {
    if (a.length === this.length && this.#free.length < this.#cap) this.#free.push(a);
  }
}
