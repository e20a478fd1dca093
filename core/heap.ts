/**
 * A binary min-heap of values by a numeric key, ties broken by a second key: the pool's ready
 * ops by program order, and the cost model's replay of that pool (ready ops, ops finishing).
 */
export class MinHeap<T> {
  readonly #keys: number[] = [];
  readonly #ties: number[] = [];
  readonly #values: T[] = [];

  get size(): number {
    return this.#values.length;
  }

  /** The smallest key (undefined when empty). */
  peekKey(): number | undefined {
    return this.#keys[0];
  }

  /** The value with the smallest key (undefined when empty). */
  peek(): T | undefined {
    return this.#values[0];
  }

  push(value: T, key: number, tie = 0): void {
    let i = this.#values.length;
    this.#keys.push(key);
    this.#ties.push(tie);
    this.#values.push(value);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(i, parent)) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  /** Removes and returns the value with the smallest key (undefined when empty). */
  pop(): T | undefined {
    const top = this.#values[0];
    const [key, tie, value] = [this.#keys.pop()!, this.#ties.pop()!, this.#values.pop()!];
    const n = this.#values.length;
    if (n > 0) {
      [this.#keys[0], this.#ties[0], this.#values[0]] = [key, tie, value];
      for (let i = 0; ;) {
        const [l, r] = [2 * i + 1, 2 * i + 2];
        let m = i;
        if (l < n && this.#less(l, m)) m = l;
        if (r < n && this.#less(r, m)) m = r;
        if (m === i) break;
        this.#swap(i, m);
        i = m;
      }
    }
    return top;
  }

  #less(a: number, b: number): boolean {
    const k = this.#keys, t = this.#ties;
    return k[a]! < k[b]! || (k[a] === k[b] && t[a]! < t[b]!);
  }

  #swap(a: number, b: number): void {
    const k = this.#keys, t = this.#ties, v = this.#values;
    [k[a], k[b]] = [k[b]!, k[a]!];
    [t[a], t[b]] = [t[b]!, t[a]!];
    [v[a], v[b]] = [v[b]!, v[a]!];
  }
}
