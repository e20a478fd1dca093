import { describe, expect, it } from 'vitest';
import { analyze, createParams, type Evaluator } from '../index.js';
import { rotationUse, shareSteps } from './placement.js';

const params = createParams({ ringDegree: 8192, bitSizes: [50, 40, 40, 60], scale: 2 ** 40 });

/**
 * Rotate-and-sum chains shaped like logistic regression's: light ones on small steps (1..8 and
 * -1..-8, once each), a heavy one on large steps (16..128, three times); and 3, which runs as its
 * NAF terms -1, 4.
 */
function chains<C>(ev: Evaluator<C>): C[] {
  const sum = (x: C, steps: readonly number[]): C => steps.reduce((acc, s) => ev.add(acc, ev.rotate(acc, s)), x);
  const x = ev.encrypt([1, 2, 3]);
  const large = [16, 32, 64, 128];
  return [sum(x, [1, 2, 4, 8]), sum(x, [-1, -2, -4, -8]), sum(x, large), sum(x, large), sum(x, large), ev.rotate(x, 3)];
}

describe('Galois key placement', () => {
  const steps = [-1, 1, -2, 2, -4, 4, -8, 8, 16, 32, 64, 128];
  const use = rotationUse(analyze(chains, { params, rotations: steps }), params, steps);

  it('counts rotations per key and the chains between keys, NAF terms included', () => {
    expect(Object.fromEntries(use.counts)).toEqual({ '-1': 2, 1: 1, '-2': 1, 2: 1, '-4': 1, 4: 2, '-8': 1, 8: 1, 16: 3, 32: 3, 64: 3, 128: 3 });
    // Within reach: the next rotation of a chain and the one after it; -1 then 4 inside the rotation by 3.
    expect(use.follows.get(16)?.get(32)).toBe(3);
    expect(use.follows.get(16)?.get(64)).toBe(3);
    expect(use.follows.get(16)?.get(128)).toBeUndefined();
    expect(use.follows.get(-1)?.get(4)).toBe(1);
    expect(use.follows.get(8)?.get(16)).toBeUndefined();
  });

  it('without a dry run deals runs of neighbouring steps, as evenly as it can', () => {
    const lr = [64, 128, 256, 512, 1024, 2048, 4096, 8192, 1, -1, 2, -2, 4, -4, 8, -8, 16, -16, 32, -32];
    expect(shareSteps(lr, 2)).toEqual([[-1, 1, -2, 2, -4, 4, -8, 8, -16, 16], [-32, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192]]);
    expect(shareSteps(lr, 3).map((s) => s.length)).toEqual([7, 6, 7]);
    expect(shareSteps([5], 3)).toEqual([[], [5], []]);
  });

  it('with a dry run balances the rotations and keeps chains together, key counts unchanged', () => {
    const shares = shareSteps(steps, 2, use);
    expect(shares.map((s) => s.length)).toEqual(shareSteps(steps, 2).map((s) => s.length));
    const load = shares.map((share) => share.reduce((a, s) => a + (use.counts.get(s) ?? 0), 0));
    // 22 rotations: runs of neighbouring steps (±1..±4 | ±8, 16..128) would give 7 and 15.
    expect(Math.max(...load)).toBeLessThanOrEqual(12);
    // The light chains each stay on one worker.
    for (const chain of [[1, 2, 4, 8], [-1, -2, -4, -8]]) {
      const home = shares.findIndex((s) => s.includes(chain[0] as number));
      for (const s of chain) expect(shares[home]).toContain(s);
    }
  });
});
