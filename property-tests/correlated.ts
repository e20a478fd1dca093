/**
 * Fidelity of the tracked error on correlated circuits (issue 17): operands that share
 * ancestry (sub(a, add(b, a)), sums of a value with rotations of itself, products of terms
 * derived from one ciphertext, polynomials, matrix products) and whole logistic-regression
 * training rounds. For each, the ratio of the observed RMS error to the tracked RMS std:
 * 1 is a perfect estimate. Observed is SEAL's error for the patterns and the injected
 * simulator's for the training rounds (injection is calibrated per op against SEAL and gets
 * correlations right by construction; SEAL is too slow for many rounds). Shared by the report
 * script (benchmarks/fidelity.ts) and the tests.
 */
import { logreg } from '../algorithms/index.js';
import { hadamard, matrixTimesCol, sumRows, unitFor, type EncryptedColVector, type EncryptedMatrix } from '../algorithms/linalg/index.js';
import { evaluatePolynomial } from '../algorithms/poly/index.js';
import { rotateAndAdd } from '../algorithms/steps.js';
import { createSealBackend } from '../backends/seal/index.js';
import { createSimBackend, type SimBackend } from '../backends/sim/index.js';
import type { CkksParamsLiteral, Evaluator } from '../core/index.js';
import { seededValues } from './program.js';

/** A circuit of two fresh inputs x, y (values in [-1, 1]) returning one ciphertext. */
export type Pattern = <C>(ev: Evaluator<C>, x: C, y: C) => C;

const settle = <C>(ev: Evaluator<C>, c: C): C => ev.rescale(ev.relinearize(c));
const powers = (n: number): number[] => Array.from({ length: Math.log2(n) }, (_, k) => 2 ** k);

/** The correlated patterns of issue 17, by name. */
export const patterns: Readonly<Record<string, Pattern>> = {
  'x + x': (ev, x) => ev.add(x, x),
  'sub(a, add(b, a))': (ev, x, y) => ev.sub(x, ev.add(y, x)),
  'x + rot(x, 1)': (ev, x) => ev.add(x, ev.rotate(x, 1)),
  'y + rot(y, 1), y = x + rot(x, 1)': (ev, x) => rotateAndAdd(ev, x, [1, 1]),
  'rotate-and-sum 2^8 of x': (ev, x) => rotateAndAdd(ev, x, powers(256)),
  'rotate-and-sum 2^12 of x': (ev, x) => rotateAndAdd(ev, x, powers(4096)),
  'rotate-and-sum of x·y': (ev, x, y) => rotateAndAdd(ev, settle(ev, ev.mul(x, y)), powers(64)),
  'x·(x + y)': (ev, x, y) => settle(ev, ev.mul(x, ev.add(x, y))),
  '(0.5x)·(0.25x)': (ev, x) => settle(ev, ev.mul(ev.rescale(ev.mulPlain(x, 0.5)), ev.rescale(ev.mulPlain(x, 0.25)))),
  'x·x (two handles)': (ev, x) => settle(ev, ev.mul(x, ev.dropLevelTo(x, ev.meta(x).level))),
  'square(x)': (ev, x) => settle(ev, ev.square(x)),
  'x² - x·y + y²': (ev, x, y) => ev.add(ev.sub(settle(ev, ev.square(x)), settle(ev, ev.mul(x, y))), settle(ev, ev.square(y))),
  'x³ (x²·x)': (ev, x) => {
    const x2 = settle(ev, ev.square(x));
    return settle(ev, ev.mul(x2, ev.rescale(ev.mulPlain(x, 1))));
  },
  'cubic 0.5 + 0.2x - 0.01x³': (ev, x) => evaluatePolynomial(ev, x, [0.5, 0.2, 0, -0.01]),
  'matrix A·v (A from x, 64 x 64 tile)': (ev, x, y) => {
    const unit = unitFor(64, ev.params.slots);
    const a: EncryptedMatrix<typeof x> = { kind: 'matrix', rows: unit.height, cols: unit.width, unit, tiles: [[x]] };
    const v: EncryptedColVector<typeof x> = { kind: 'col', length: unit.width, unit, tiles: [y] };
    return matrixTimesCol(ev, a, v).tiles[0]!;
  },
  'sumRows(A ∘ A), A from x': (ev, x) => {
    const unit = unitFor(64, ev.params.slots);
    const a: EncryptedMatrix<typeof x> = { kind: 'matrix', rows: unit.height, cols: unit.width, unit, tiles: [[x]] };
    return sumRows(ev, hadamard(ev, a, a)).tiles[0]!;
  },
  'x·rot(x, 1) summed': (ev, x) => rotateAndAdd(ev, settle(ev, ev.mul(x, ev.rotate(x, 1))), powers(16)),
};

export interface PatternRow {
  readonly set: string;
  readonly pattern: string;
  readonly repeats: number;
  /** Fresh encryptions run per key set (more than one where the error is the same in every slot). */
  readonly draws: number;
  /** RMS over slots and repeats of the tracked std and of SEAL's error. */
  readonly trackedRms: number;
  readonly observedRms: number;
  /** observedRms / trackedRms: 1 is a perfect estimate. */
  readonly ratio: number;
  /** Largest |error| / bound over every slot. */
  readonly worstOverBound: number;
  readonly upperBound: boolean;
}

/**
 * Fresh encryptions per key set, by pattern. A sum over every slot leaves one error shared by all
 * slots, so each run gives about one sample of it, not `slots`: with 2 key sets the observed RMS
 * over 2 samples falls below half the true one about 1 time in 5 (chi-square, 2 degrees of
 * freedom). 16 draws per key set make 32 samples: below 0.5 about 5 times in a million.
 */
const drawsOf = (name: string): number => (name === 'rotate-and-sum 2^12 of x' ? 16 : 1);

export interface PatternSet {
  readonly name: string;
  readonly params: CkksParamsLiteral;
}

export const patternSets: readonly PatternSet[] = [
  { name: 'N=8192 [50,40,40,60] 2^40', params: { ringDegree: 8192, bitSizes: [50, 40, 40, 60], scale: 2 ** 40 } },
  { name: 'N=8192 [60,40,40,60] 2^40', params: { ringDegree: 8192, bitSizes: [60, 40, 40, 60], scale: 2 ** 40 } },
];

/** Each pattern `repeats` times, each on its own SEAL key set, on fresh encryptions of the same inputs: SEAL's error against the simulator's estimate. */
export async function measurePatterns(set: PatternSet, repeats: number, names: readonly string[] = Object.keys(patterns)): Promise<PatternRow[]> {
  const probe = createSimBackend(set.params);
  const slots = probe.params.slots;
  probe.dispose();
  const rotations = powers(slots).flatMap((s) => [s, -s]);
  const rows: PatternRow[] = [];
  // One key set per repeat: the key-switching bias is one draw per key, pooled over keys.
  const seals = await Promise.all(Array.from({ length: repeats }, () => createSealBackend(set.params, { rotations })));
  const seal = seals[0]!;
  const xv = seededValues(11, slots), yv = seededValues(23, slots);
  try {
    for (const name of names) {
      const pattern = patterns[name]!;
      const sim = createSimBackend(seal.params, { rotations });
      let std2 = 0, err2 = 0, worst = 0, samples = 0, upperBound = false;
      const estimate = sim.scope(() => {
        const out = pattern(sim, sim.encrypt(xv), sim.encrypt(yv));
        return { noise: sim.noise(out), exact: sim.decrypt(out) };
      });
      upperBound = estimate.noise.upperBound;
      const draws = drawsOf(name);
      for (let r = 0; r < repeats * draws; r++) {
        const ev = seals[r % repeats]!;
        const observed = ev.scope(() => ev.decrypt(pattern(ev, ev.encrypt(xv), ev.encrypt(yv))));
        for (let k = 0; k < slots; k++) {
          const err = (observed[k] as number) - (estimate.exact[k] as number);
          err2 += err * err;
          std2 += (estimate.noise.std[k] as number) ** 2;
          worst = Math.max(worst, Math.abs(err) / (estimate.noise.bound[k] as number));
        }
        samples += slots;
      }
      sim.dispose();
      const trackedRms = Math.sqrt(std2 / samples), observedRms = Math.sqrt(err2 / samples);
      rows.push({ set: set.name, pattern: name, repeats, draws, trackedRms, observedRms, ratio: observedRms / trackedRms, worstOverBound: worst, upperBound });
    }
  } finally {
    seals.forEach((ev) => ev.dispose());
  }
  return rows;
}

export function patternTable(rows: readonly PatternRow[]): string {
  return [
    '| params | pattern | key sets × draws | tracked RMS std | observed RMS (SEAL) | observed / tracked | max error / bound | upperBound |',
    '|---|---|---:|---:|---:|---:|---:|---|',
    ...rows.map((r) => `| ${r.set} | ${r.pattern} | ${r.repeats} × ${r.draws} | ${r.trackedRms.toExponential(2)} | ${r.observedRms.toExponential(2)} | ${r.ratio.toFixed(3)} | ${r.worstOverBound.toFixed(3)} | ${r.upperBound} |`),
  ].join('\n');
}

export interface RoundRow {
  readonly circuit: logreg.CircuitName;
  readonly minibatches: number;
  readonly batchSize: number;
  readonly ringDegree: number;
  readonly scaleBits: number;
  /** RMS over the output tiles' slots of the tracked std, and of (injected - exact) over `seeds` injected runs. */
  readonly trackedRms: number;
  readonly observedRms: number;
  readonly ratio: number;
  /** SEAL's RMS error over the tracked RMS std, when SEAL ran. */
  readonly sealRatio: number | null;
  /** Largest |observed - exact| / bound over every slot, seed and SEAL run. */
  readonly worstOverBound: number;
  readonly upperBound: boolean;
  /** Wall time of one tracked run of the round (ms). */
  readonly trackMs: number;
  /** Wall time of one injected run (ms). */
  readonly injectMs: number;
}

export interface RoundCase {
  readonly circuit: logreg.CircuitName;
  readonly minibatches: number;
  readonly batchSize: number;
  readonly ringDegree: number;
  readonly scaleBits: number;
}

let cachedData: logreg.Dataset | null = null;

/** One training round from zero weights: tracked estimate against `seeds` injected runs (and `sealRuns` runs on SEAL, each with its own keys). */
export async function measureRound(c: RoundCase, seeds: readonly number[], sealRuns = 0): Promise<RoundRow> {
  cachedData ??= logreg.loadDataset();
  const batches = logreg.minibatches(cachedData, c.minibatches, c.batchSize);
  // The smallest ring from c.ringDegree up that holds the k minibatches in one round.
  let plan: logreg.TrainingPlan;
  for (let ringDegree = c.ringDegree; ; ringDegree *= 2) {
    plan = logreg.planTraining({
      circuit: c.circuit, minibatches: c.minibatches, batchSize: c.batchSize, features: cachedData.features,
      ringDegree, scaleBits: c.scaleBits, valueBits: logreg.valueBits(batches),
    });
    if (plan.rounds.length === 1) break;
  }
  const circuit = logreg.roundCircuit(c.circuit, batches);
  const run = (sim: SimBackend, read: (sim: SimBackend, outs: readonly unknown[]) => void): number => {
    const t0 = performance.now();
    sim.scope(() => read(sim, circuit(sim) as readonly unknown[]));
    return performance.now() - t0;
  };
  const tracked = createSimBackend(plan.params, { rotations: plan.rotations, noise: 'track' });
  let exact: Float64Array[] = [], std: Float64Array[] = [], bound: Float64Array[] = [], upperBound = false;
  const trackMs = run(tracked, (sim, outs) => {
    for (const o of outs as Parameters<SimBackend['decrypt']>[0][]) {
      const e = sim.noise(o);
      exact.push(sim.decrypt(o));
      std.push(e.std);
      bound.push(e.bound);
      upperBound ||= e.upperBound;
    }
  });
  tracked.dispose();
  let err2 = 0, std2 = 0, samples = 0, worst = 0, injectMs = 0;
  for (const seed of seeds) {
    const injected = createSimBackend(plan.params, { rotations: plan.rotations, noise: 'inject', seed });
    injectMs += run(injected, (sim, outs) => {
      (outs as Parameters<SimBackend['decrypt']>[0][]).forEach((o, t) => {
        const got = sim.decrypt(o);
        const want = exact[t]!, s = std[t]!, b = bound[t]!;
        for (let k = 0; k < got.length; k++) {
          const err = (got[k] as number) - (want[k] as number);
          err2 += err * err;
          std2 += (s[k] as number) ** 2;
          worst = Math.max(worst, Math.abs(err) / (b[k] as number));
        }
        samples += got.length;
      });
    });
    injected.dispose();
  }
  let sealErr2 = 0, sealSamples = 0, sealWorst = 0;
  for (let r = 0; r < sealRuns; r++) {
    const seal = await createSealBackend(plan.params, { rotations: plan.rotations });
    try {
      seal.scope(() => {
        (circuit(seal) as readonly Parameters<typeof seal.decrypt>[0][]).forEach((o, t) => {
          const got = seal.decrypt(o);
          const want = exact[t]!, b = bound[t]!;
          for (let k = 0; k < got.length; k++) {
            const err = (got[k] as number) - (want[k] as number);
            sealErr2 += err * err;
            sealWorst = Math.max(sealWorst, Math.abs(err) / (b[k] as number));
          }
          sealSamples += got.length;
        });
      });
    } finally {
      seal.dispose();
    }
  }
  const trackedRms = Math.sqrt(std2 / samples), observedRms = Math.sqrt(err2 / samples);
  const sealRms = sealRuns > 0 ? Math.sqrt(sealErr2 / sealSamples) : null;
  worst = Math.max(worst, sealWorst);
  exact = []; std = []; bound = [];
  return {
    ...c, ringDegree: plan.params.ringDegree, trackedRms, observedRms, ratio: observedRms / trackedRms,
    sealRatio: sealRms === null ? null : sealRms / trackedRms, worstOverBound: worst, upperBound, trackMs, injectMs: injectMs / seeds.length,
  };
}

export function roundTable(rows: readonly RoundRow[]): string {
  return [
    '| circuit | k | b | N | scale | tracked RMS std | observed RMS (injected) | injected / tracked | SEAL / tracked | max error / bound | track ms | inject ms |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.circuit} | ${r.minibatches} | ${r.batchSize} | ${r.ringDegree} | 2^${r.scaleBits} | ${r.trackedRms.toExponential(2)} | ${r.observedRms.toExponential(2)} | ${r.ratio.toFixed(3)} | ${r.sealRatio === null ? '-' : r.sealRatio.toFixed(3)} | ${r.worstOverBound.toFixed(3)} | ${r.trackMs.toFixed(0)} | ${r.injectMs.toFixed(0)} |`),
  ].join('\n');
}
