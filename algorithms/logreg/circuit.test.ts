import { describe, expect, it } from 'vitest';
import { analyze, type Ciphertext } from '../../core/index.js';
import { createSimBackend } from '../../backends/sim/index.js';
import { scaleLadder } from '../ladder.js';
import { encryptColVector, encryptRowVector, unitFor } from '../linalg/index.js';
import { analyzeRound, roundCircuit } from './circuit.js';
import { EncryptingSource, plainInputs } from './inputs.js';
import { lowDepthRound } from './lowdepth.js';
import { planTraining, roundConfig, roundDepth, roundRotations, trainEncrypted } from './train.js';

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

  // The default request's round (k = 6 x 256, MNIST's 197 features, N = 16384). Before products were
  // left pending for their sums: lowdepth 322 relinearizations (994 key switches), baseline 132 (528);
  // before the client sent the zero start's first step in its layouts, lowdepth 672 rotations (900).
  it.each([
    ['lowdepth', { mul: 266, square: 56, rotate: 532, relinearize: 228, rescale: 544 }, 760],
    ['baseline', { mul: 126, square: 6, rotate: 396, relinearize: 96, rescale: 312 }, 492],
  ] as const)('%s, k = 6 x 256: products pending until their sums, one relinearization per summed tile row or column', (circuit, ops, keySwitches) => {
    const a = analyze(roundCircuit(circuit, batches(6, 256)), { ringDegree: 16384 });
    expect(a.ops).toMatchObject(ops);
    expect(a.keySwitches).toBe(keySwitches);
    expect(a.depth).toBe(roundDepth(circuit, 6, circuit === 'lowdepth' ? 'zero' : 'fresh'));
  });

  it.each(['lowdepth', 'baseline'] as const)('%s: roundRotations names every step the rounds rotate by (the low-depth circuit\'s, exactly)', (circuit) => {
    const unit = unitFor(64, 4096);
    for (let k = 1; k <= 4; k++) {
      for (const start of ['zero', 'fresh'] as const) {
        // A fresh round follows a first one; a first round of one minibatch rotates nothing.
        const rounds = start === 'zero' ? [k] : [1, k];
        const used = analyze(roundCircuit(circuit, batches(k), { start, values: false }), { ringDegree: 8192 }).rotations;
        const declared = [...roundRotations(circuit, rounds, unit)].sort((a, b) => a - b);
        expect(declared, `${circuit} ${rounds.join(' + ')}`).toEqual(expect.arrayContaining([...used]));
        // One binary exception: a zero start of two sums across only with one-vs-rest's packed labels.
        if (circuit === 'lowdepth' && !(start === 'zero' && k === 2)) expect(declared, `${rounds.join(' + ')}`).toEqual(used);
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

  it('analyzeRound: the first round of a plan, on its parameters and keys, counts what training runs', () => {
    const data = batches(2, 32);
    const plan = planTraining({ circuit: 'lowdepth', minibatches: 2, batchSize: 32, features: 197, ringDegree: 16384, scaleBits: 30 });
    const a = analyzeRound(plan, data);
    expect(plan.rounds).toEqual([2]);
    expect(a.depth).toBe(roundDepth('lowdepth', 2, 'zero'));
    expect(a.maxLevel).toBe(plan.params.maxLevel);
    const sim = createSimBackend(plan.params, { noise: 'off', rotations: plan.rotations });
    trainEncrypted(sim, plan, data);
    const { ops } = sim.stats();
    expect(a.ops).toMatchObject({ mul: ops.mul, mulPlain: ops.mulPlain, rotate: ops.rotate, rescale: ops.rescale });
    sim.dispose();
    expect(() => analyzeRound(plan, data.slice(0, 1))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('lowDepthRound from a fresh start', () => {
  it('refuses a start without the vectors its round reads (INVALID_ARGUMENT), before any op', () => {
    const plan = planTraining({ circuit: 'lowdepth', minibatches: 3, batchSize: 32, features: 197, ringDegree: 16384, scaleBits: 30, minibatchesPerRound: 3 });
    const sim = createSimBackend(plan.params, { noise: 'off', rotations: plan.rotations });
    const data = batches(3, 32);
    const config = roundConfig(plan, scaleLadder(plan.params), 32, {});
    const source = new EncryptingSource(sim, plan.unit, config.ladder, plainInputs(data, 0, plan.unit));
    const top = plan.params.maxLevel;
    const at = (level: number) => ({ level, scale: config.ladder[level]! });
    const w = new Float64Array(197);
    const u = new Float64Array(32);
    const wC = encryptColVector(sim, plan.unit, w, at(top));
    const uR = encryptRowVector(sim, plan.unit, u, at(top - 1));
    const uC = encryptColVector(sim, plan.unit, u, at(top - 1));
    const before = sim.stats().ops.rotate;
    // Three minibatches read wR (for u_2's column form) and uC (for u_2's row form).
    for (const [start, missing] of [[{ wC, wR: null, uC, uR }, ['wR']], [{ wC, wR: null, uC: null, uR }, ['wR', 'uC']]] as const) {
      expect(() => lowDepthRound(sim, source, 3, config, start)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', details: expect.objectContaining({ missing }) }));
    }
    expect(sim.stats().ops.rotate).toBe(before);
    // Two read uC, not wR.
    const out = lowDepthRound(sim, source, 2, config, { wC, wR: null, uC, uR });
    expect(sim.meta(out.tiles[0]!).level).toBe(top - roundDepth('lowdepth', 2, 'fresh'));
    sim.dispose();
  });
});

describe('roundCircuit without values', () => {
  it.each(['lowdepth', 'baseline'] as const)('%s: a metadata-only run counts the same ops, levels, bytes and memory as one with the inputs\' values', (circuit) => {
    const data = batches(3, 64);
    for (const start of ['zero', 'fresh'] as const) {
      const [withValues, shapes] = [true, false].map((values) => analyze(roundCircuit(circuit, data, { start, values }), { ringDegree: 16384 }));
      expect(shapes!.ops).toEqual(withValues!.ops);
      expect([shapes!.depth, shapes!.keySwitches, shapes!.peak, shapes!.outputs, shapes!.width]).toEqual([withValues!.depth, withValues!.keySwitches, withValues!.peak, withValues!.outputs, withValues!.width]);
    }
  });
});
