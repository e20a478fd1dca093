import { describe, expect, it } from 'vitest';
import { analyze, type Ciphertext } from '../../core/index.js';
import { createSimBackend } from '../../backends/sim/index.js';
import { roundCircuit } from './circuit.js';
import { roundDepth } from './train.js';

const batches = (k: number, b = 64, d = 197): Float64Array[][] =>
  Array.from({ length: k }, (_, i) => Array.from({ length: b }, (_, r) => Float64Array.from({ length: d }, (_, j) => Math.sin(i + r * 0.37 + j * 0.11) / 4)));

describe('roundCircuit', () => {
  it.each(['lowdepth', 'baseline'] as const)('%s: a metadata-only analysis finds the depth the recurrence predicts, from zero and fresh weights', (circuit) => {
    for (let k = 1; k <= 6; k++) {
      for (const start of ['zero', 'fresh'] as const) {
        if (circuit === 'baseline' && start === 'zero') continue;
        const a = analyze(roundCircuit(circuit, batches(k), { start }), { ringDegree: 8192 });
        expect(a.depth, `${circuit} k=${k} ${start}`).toBe(roundDepth(circuit, k, start));
      }
    }
  });

  it('counts the same ops as a simulator run of the same round', () => {
    const circuit = roundCircuit('lowdepth', batches(3));
    const a = analyze(circuit, { ringDegree: 8192 });
    const sim = createSimBackend({ ringDegree: 8192, bitSizes: [60, ...Array.from({ length: a.depth }, () => 40), 60], scale: 2 ** 40, allowInsecure: true },
      { noise: 'off', rotations: a.rotations });
    const out = sim.scope(() => circuit(sim)) as readonly Ciphertext[];
    const { ops } = sim.stats();
    expect(a.ops).toMatchObject({ mul: ops.mul, square: ops.square, mulPlain: ops.mulPlain, rotate: ops.rotate, rescale: ops.rescale, encrypt: ops.encrypt });
    expect(out.map((ct) => ct.level)).toEqual(a.outputs.map((o) => o.level));
    // Everything but the outputs was freed by the round itself.
    expect(sim.memory().ciphertexts).toBe(out.length);
    sim.dispose();
  });
});
