import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSealBackend } from '../../backends/seal/index.js';
import { createSimBackend } from '../../backends/sim/index.js';
import { createParams, type Backend, type Ciphertext, type CkksParamsLiteral } from '../../core/index.js';
import { sumColsRotations, sumRowsRotations, unitFor } from '../linalg/index.js';
import { sigmoidCubic8 } from '../poly/index.js';
import {
  accuracy, loadDataset, minibatches, planTraining, planTrainingBySimulation, roundDepth, roundSizes, trainEncrypted, trainPlain, trainTracked, valueBits,
  localClient, type CircuitName, type TrainingClient, type TrainingPlan,
} from './index.js';

const data = loadDataset();
const twinRule = (circuit: CircuitName) => (circuit === 'baseline' ? 'nesterov' : 'gradient');
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (x, j) => Math.abs(x - (b[j] as number))));

/** One round of k minibatches on a chain just deep enough (insecure sizes: these tests are about the circuit, not security). */
function onePlan(circuit: CircuitName, k: number, batchSize: number, ringDegree: number, scaleBits: number): TrainingPlan {
  const depth = roundDepth(circuit, k, 'zero');
  const literal: CkksParamsLiteral = {
    ringDegree, bitSizes: [scaleBits + 10, ...Array.from({ length: Math.max(depth, 1) }, () => scaleBits), 60], scale: 2 ** scaleBits, allowInsecure: true,
  };
  const params = createParams(literal);
  const unit = unitFor(batchSize, params.slots);
  return { circuit, literal, params, rounds: [k], depth, unit, features: data.features, rotations: [...sumRowsRotations(unit), ...sumColsRotations(unit)] };
}

describe('depth of the training circuits', () => {
  it('baseline: 5 per minibatch; low-depth: the PAPER.md §3.3 recurrence, 13 levels for 6 minibatches from zero weights (16 from fresh ones)', () => {
    expect([1, 2, 3, 4, 5, 6].map((k) => roundDepth('baseline', k, 'zero'))).toEqual([5, 10, 15, 20, 25, 30]);
    expect([1, 2, 3, 4, 5, 6].map((k) => roundDepth('lowdepth', k, 'zero'))).toEqual([0, 3, 6, 8, 11, 13]);
    expect([1, 2, 3, 4, 5, 6].map((k) => roundDepth('lowdepth', k, 'fresh'))).toEqual([3, 6, 8, 11, 13, 16]);
  });

  it('splits a run into rounds that fit the chain, and says when not even one minibatch fits', () => {
    expect(roundSizes('lowdepth', 6, 9)).toEqual([4, 2]);
    expect(roundSizes('baseline', 6, 9)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(() => roundSizes('baseline', 2, 4)).toThrow(expect.objectContaining({ code: 'PLAN_INFEASIBLE' }));
    const plan = planTraining({ circuit: 'lowdepth', minibatches: 6, batchSize: 256, features: 197 });
    expect(plan).toMatchObject({ rounds: [4, 2], depth: 8, literal: { ringDegree: 16384, bitSizes: [46, 36, 36, 36, 36, 36, 36, 36, 36, 60] } });
    expect(plan.params.security).toBe(128);
  });
});

describe('training on the simulator', () => {
  it.each(['lowdepth', 'baseline'] as const)('%s, one round per circuit size: levels consumed equal the recurrence, weights equal the float64 twin', (circuit) => {
    const ks = circuit === 'lowdepth' ? [1, 2, 3, 4, 5, 6] : [1, 2, 3];
    for (const k of ks) {
      const batches = minibatches(data, k, 32);
      const plan = onePlan(circuit, k, 32, 8192, 30);
      const sim = createSimBackend(plan.params, { rotations: plan.rotations, noise: 'off' });
      const result = trainEncrypted(sim, plan, batches);
      expect(result.rounds[0]!.levelsUsed).toBe(roundDepth(circuit, k, 'zero'));
      expect(sim.stats().depth).toBe(roundDepth(circuit, k, 'zero'));
      const twin = trainPlain(batches, { rule: twinRule(circuit), learningRate: 2, sigmoid: sigmoidCubic8 });
      expect(maxDiff(result.weights, twin.w)).toBeLessThan(1e-9);
      expect(sim.memory().ciphertexts).toBe(0);
      sim.dispose();
    }
  });

  it.each(['lowdepth', 'baseline'] as const)('%s: the default 6 x 256 run on 128-bit parameters, in rounds with refreshes, matches its twin and tops 93 percent', (circuit) => {
    const batches = minibatches(data, 6, 256);
    const plan = planTraining({ circuit, minibatches: 6, batchSize: 256, features: data.features });
    const sim = createSimBackend(plan.params, { rotations: plan.rotations, noise: 'off' });
    const events: string[] = [];
    const result = trainEncrypted(sim, plan, batches, { onProgress: (e) => events.push(e.kind === 'minibatch' ? `m${e.round}.${e.minibatch}` : `${e.kind}${e.round}`) });
    expect(result.rounds.map((r) => r.minibatches)).toEqual(plan.rounds);
    result.rounds.forEach((r, i) => expect(r.levelsUsed).toBe(roundDepth(circuit, r.minibatches, i === 0 ? 'zero' : 'fresh')));
    expect(events.filter((e) => e.startsWith('m')).length).toBe(6);
    const twin = trainPlain(batches, { rule: twinRule(circuit), learningRate: 2, sigmoid: sigmoidCubic8 });
    expect(maxDiff(result.weights, twin.w)).toBeLessThan(1e-9);
    expect(accuracy(data.test, result.weights)).toBeGreaterThan(0.93);
    expect(sim.memory().ciphertexts).toBe(0);
    sim.dispose();
  });
});

describe('encoding units shorter than a minibatch', () => {
  it.each([['lowdepth', 517, 366], ['baseline', 492, 408]] as const)('%s, the default 6 x 256 run over 128 x 64 tiles: the twin\'s weights with fewer key switches (%i -> %i)', (circuit, tall, short) => {
    const batches = minibatches(data, 6, 256);
    const perRound = circuit === 'baseline' ? 1 : 6;
    const switches = (unitHeight?: number): number => {
      const plan = planTraining({ circuit, minibatches: 6, batchSize: 256, features: data.features, minibatchesPerRound: perRound, ...(unitHeight === undefined ? {} : { unitHeight }) });
      expect(plan.unit).toEqual({ height: unitHeight ?? 256, width: 8192 / (unitHeight ?? 256) });
      const sim = createSimBackend(plan.params, { rotations: plan.rotations, noise: 'off' });
      const result = trainEncrypted(sim, plan, batches);
      const twin = trainPlain(batches, { rule: twinRule(circuit), learningRate: 2, sigmoid: sigmoidCubic8 });
      expect(maxDiff(result.weights, twin.w)).toBeLessThan(1e-9);
      expect(sim.memory().ciphertexts).toBe(0);
      const { keySwitches } = sim.stats();
      sim.dispose();
      return keySwitches;
    };
    expect([switches(), switches(128)]).toEqual([tall, short]);
  });

  it('refuses a unit height that is not a power of two or leaves fewer than two columns', () => {
    const request = { circuit: 'lowdepth' as const, minibatches: 2, batchSize: 64, features: data.features, ringDegree: 8192 };
    for (const unitHeight of [0, 48, 4096, 8192]) {
      expect(() => planTraining({ ...request, unitHeight })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
    expect(planTraining({ ...request, unitHeight: 2048 }).unit).toEqual({ height: 2048, width: 2 });
  });
});

describe.each(['lowdepth', 'baseline'] as const)('%s on SEAL (N = 8192, b = 64)', (circuit) => {
  const k = circuit === 'lowdepth' ? 3 : 1;
  const plan = onePlan(circuit, k, 64, 8192, 36);
  const batches = minibatches(data, k, 64);
  let seal: Backend;
  beforeAll(async () => { seal = await createSealBackend(plan.params, { rotations: plan.rotations }); });
  afterAll(() => seal.dispose());

  it('consumes exactly the planned levels with only the planned Galois keys, and lands within the injected simulator\'s error of the twin', () => {
    const result = trainEncrypted(seal, plan, batches);
    expect(result.rounds[0]!.levelsUsed).toBe(roundDepth(circuit, k, 'zero'));
    const twin = trainPlain(batches, { rule: twinRule(circuit), learningRate: 2, sigmoid: sigmoidCubic8 });
    const sealError = maxDiff(result.weights, twin.w);
    const injected = createSimBackend(plan.params, { rotations: plan.rotations, noise: 'inject', seed: 5 });
    const simError = maxDiff(trainEncrypted(injected, plan, batches).weights, twin.w);
    injected.dispose();
    expect(sealError).toBeLessThan(1e-3);
    expect(sealError).toBeLessThan(4 * simError);
    expect(simError).toBeLessThan(4 * sealError);
    expect(accuracy(data.test, result.weights)).toBe(accuracy(data.test, twin.w));
    expect(seal.memory().ciphertexts).toBe(0);
  });
});

describe('the client callback', () => {
  it('sends each round\'s inputs and refreshes the model between rounds: decrypt at the end of a round, encrypt fresh before the next', () => {
    const batches = minibatches(data, 3, 64);
    const plan = planTraining({ circuit: 'lowdepth', minibatches: 3, batchSize: 64, features: data.features, minibatchesPerRound: 2 });
    expect(plan.rounds).toEqual([2, 1]);
    const sim = createSimBackend(plan.params, { rotations: plan.rotations, noise: 'off' });
    const local = localClient(sim, plan);
    const calls: string[] = [];
    const client: TrainingClient<Ciphertext> = {
      roundInputs: (b, first) => (calls.push(`inputs(${b.length})`), local.roundInputs(b, first)),
      decrypt: (x) => (calls.push('decrypt'), local.decrypt(x)),
      encryptCol: (v, level) => (calls.push(`encryptCol@${level ?? 'top'}`), local.encryptCol(v, level)),
      encryptRow: (v, level) => (calls.push(`encryptRow@${level ?? 'top'}`), local.encryptRow(v, level)),
    };
    const result = trainEncrypted(sim, plan, batches, { client });
    // A fresh round of one minibatch reads w in column form and u_1 = X_1·w in row form, both at the top (its cubic first).
    const top = plan.params.maxLevel;
    expect(calls).toEqual(['inputs(2)', 'decrypt', 'inputs(1)', `encryptCol@${top}`, `encryptRow@${top}`, 'decrypt']);
    const twin = trainPlain(batches, { rule: 'gradient', learningRate: 2, sigmoid: sigmoidCubic8 });
    expect(maxDiff(result.weights, twin.w)).toBeLessThan(1e-9);
    expect(sim.memory().ciphertexts).toBe(0);
    sim.dispose();
  });
});

describe('planning by simulation', () => {
  const batches = minibatches(data, 3, 64);
  const request = { circuit: 'lowdepth' as const, minibatches: 3, batchSize: 64, features: data.features };

  it('picks the smallest scale whose injected-noise weights meet the precision, and a smaller one for fewer bits', () => {
    const strict = planTrainingBySimulation({ ...request, precisionBits: 12 }, batches, createSimBackend);
    const loose = planTrainingBySimulation({ ...request, precisionBits: 6 }, batches, createSimBackend);
    expect(strict.predictedWeightError).toBeLessThanOrEqual(2 ** -12);
    expect(loose.predictedWeightError).toBeLessThanOrEqual(2 ** -6);
    expect(Math.log2(loose.params.scale)).toBeLessThan(Math.log2(strict.params.scale));
    for (const plan of [strict, loose]) {
      expect(plan.trials.at(-1)!.weightError).toBe(plan.predictedWeightError);
      expect(plan.trials.slice(0, -1).every((t) => !(t.weightError <= plan.predictedWeightError))).toBe(true);
      expect(plan.params.security).toBe(128);
    }
    expect(valueBits(batches)).toBe(8);
  });

  it('says when no scale reaches the precision', () => {
    expect(() => planTrainingBySimulation({ ...request, precisionBits: 40 }, batches, createSimBackend))
      .toThrow(expect.objectContaining({ code: 'PLAN_INFEASIBLE' }));
    // In rounds of one minibatch the run at the largest scale stops early, after the round already
    // far off (the second: the first only carries the client's encryption of w_1).
    let error: unknown;
    try {
      planTrainingBySimulation({ ...request, minibatchesPerRound: 1, precisionBits: 40 }, batches, createSimBackend);
    } catch (e) {
      error = e;
    }
    const { trials } = (error as { details: { trials: { weightError: number; stoppedAfterRound?: number }[] } }).details;
    expect(trials.at(-1)).toMatchObject({ stoppedAfterRound: 2 });
    expect(trials.at(-1)!.weightError).toBeGreaterThan(2 * 2 ** -40);
    expect((error as Error).message).toMatch(/>= \d\.\de-\d+ after 2 rounds\b/);
  });

  it('stops a tracked run after the round whose error passes stopAbove: the variance only grows', () => {
    const plan = planTraining({ ...request, minibatchesPerRound: 1, scaleBits: 30, valueBits: valueBits(batches) });
    const run = (stopAbove?: number) => {
      const sim = createSimBackend(plan.params, { rotations: plan.rotations, noise: 'track', seed: 1 });
      try {
        return trainTracked(sim, plan, batches, stopAbove === undefined ? {} : { stopAbove });
      } finally {
        sim.dispose();
      }
    };
    const full = run();
    expect(full.rounds).toBe(3);
    // Below the first round's error: it stops there; above the whole run's: it runs to the end.
    const first = run(1e-12);
    expect(first.rounds).toBe(1);
    first.std.forEach((s, j) => expect(s).toBeLessThanOrEqual(full.std[j]!));
    expect(Math.max(...first.std)).toBeGreaterThan(0);
    expect(run(1).rounds).toBe(3);
    expect(run(1).std).toEqual(full.std);
  });

  it('models a flooded refresh on tracked runs only: injected runs and bad flooding options are refused', () => {
    const refresh = { flooding: {} };
    expect(() => planTrainingBySimulation({ ...request, noise: 'inject', refresh }, batches, createSimBackend))
      .toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', details: { argument: 'refresh' } }));
    expect(() => planTrainingBySimulation({ ...request, refresh: { flooding: { decryptions: 0 } } }, batches, createSimBackend))
      .toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', details: { decryptions: 0 } }));
  });
});
