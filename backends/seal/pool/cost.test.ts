import { describe, expect, it } from 'vitest';
import { logreg } from '../../../algorithms/index.js';
import { analyze, type Evaluator } from '../../../core/index.js';
import { usefulWorkers } from './cost.js';

/** `chains` independent chains of `length` rotations each, summed at the end. */
const chains = (count: number, length: number) => <C>(ev: Evaluator<C>): C => {
  const ends = Array.from({ length: count }, (_, j) => {
    let x = ev.encrypt([j]);
    for (let i = 0; i < length; i++) {
      const next = ev.rotate(x, 1);
      ev.free(x);
      x = next;
    }
    return x;
  });
  return ends.reduce((acc, x) => ev.add(acc, x));
};

describe('usefulWorkers', () => {
  it('is the work over the longest chain: 1 for one chain, about k for k independent chains', () => {
    expect(usefulWorkers(analyze(chains(1, 20), { ringDegree: 8192 }))).toBe(1);
    expect(usefulWorkers(analyze(chains(4, 20), { ringDegree: 8192 }))).toBe(3);
  });

  it('leaves the training rounds many workers', () => {
    const batches = Array.from({ length: 6 }, () => Array.from({ length: 256 }, () => new Float64Array(197)));
    const [lowdepth, baseline] = (['lowdepth', 'baseline'] as const).map((c) => usefulWorkers(analyze(logreg.roundCircuit(c, batches), { ringDegree: 16384 })));
    expect(lowdepth).toBeGreaterThanOrEqual(8);
    expect(baseline).toBeGreaterThanOrEqual(2);
  });
});
