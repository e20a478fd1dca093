import type { OpName } from './rules.js';

/** What a run cost, counted by the checked layer on any backend. */
export interface CircuitStats {
  /** Successful calls per op. */
  readonly ops: Readonly<Record<OpName, number>>;
  /** Key switches performed: relinearizations plus one per rotation term. */
  readonly keySwitches: number;
  /** Distinct rotation steps requested, sorted. */
  readonly rotationSteps: readonly number[];
  /** Deepest ciphertext produced: max over every op's result of (maxLevel - level). */
  readonly depth: number;
}

const opNames: readonly OpName[] = [
  'encrypt', 'decrypt', 'add', 'sub', 'neg', 'addPlain', 'mulPlain', 'mul', 'square',
  'relinearize', 'rescale', 'dropLevelTo', 'rotate',
];

export class StatsCounter {
  #ops = new Map<OpName, number>();
  #keySwitches = 0;
  #steps = new Set<number>();
  #depth = 0;

  count(op: OpName, depth?: number, keySwitches = 0): void {
    this.#ops.set(op, (this.#ops.get(op) ?? 0) + 1);
    this.#keySwitches += keySwitches;
    if (depth !== undefined && depth > this.#depth) this.#depth = depth;
  }

  step(step: number): void {
    this.#steps.add(step);
  }

  snapshot(): CircuitStats {
    const ops = Object.fromEntries(opNames.map((n) => [n, this.#ops.get(n) ?? 0])) as Record<OpName, number>;
    return Object.freeze({
      ops: Object.freeze(ops),
      keySwitches: this.#keySwitches,
      rotationSteps: Object.freeze([...this.#steps].sort((a, b) => a - b)),
      depth: this.#depth,
    });
  }

  reset(): void {
    this.#ops.clear();
    this.#keySwitches = 0;
    this.#steps.clear();
    this.#depth = 0;
  }
}
