/**
 * Planning from a circuit: a dry run on the simulator measures what it needs (depth, value
 * magnitude, slots, rotations), then `planFromReport` sizes the parameters, checking the
 * output precision with the simulator's error prediction at each candidate. No keys, no data
 * beyond what the circuit itself encrypts.
 */
import type { Circuit } from '../../core/analysis/analyze.js';
import type { Evaluator } from '../../core/evaluator.js';
import { HeError, isHeError } from '../../core/errors.js';
import type { Ciphertext } from '../../core/handle.js';
import { createParams, type CkksParams } from '../../core/params/index.js';
import { planFromReport, type CircuitReport, type ParamsPlan, type PlanRequest } from '../../core/plan/index.js';
import { createSimBackend, type SimBackend } from './backend.js';

export type { Circuit };

const PROBE_RING = 32768;
const PROBE_SCALE_BITS = 40;

/** Every power-of-two step both ways: any rotation runs (through its NAF) in the dry run. */
const allSteps = (slots: number): number[] => {
  const steps: number[] = [];
  for (let s = 1; s < slots; s *= 2) steps.push(s, -s);
  return steps;
};

/** Options of `dryRun`. */
export interface DryRunOptions {
  /** Ring degree of the probe (default 32768): circuits whose layout depends on the slot count need the real one. */
  readonly ringDegree?: number;
}

/** Runs `circuit` on a simulator without noise, with levels to spare, recording what it needs. */
export function dryRun(circuit: Circuit, options: DryRunOptions = {}): CircuitReport {
  for (let levels = 8; levels <= 64; levels *= 2) {
    const params = createParams({
      ringDegree: options.ringDegree ?? PROBE_RING, bitSizes: [60, ...Array.from({ length: levels }, () => PROBE_SCALE_BITS), 60],
      scale: 2 ** PROBE_SCALE_BITS, allowInsecure: true,
    });
    const sim = createSimBackend(params, { noise: 'off', rotations: allSteps(params.slots) });
    const trace = { maxAbs: 0, slots: 1 };
    try {
      sim.scope(() => circuit(tracing(sim, trace)));
      const stats = sim.stats();
      const rotationSlots = Math.max(1, ...stats.rotationSteps.map((s) => Math.abs(s) + 1));
      return {
        depth: stats.depth,
        maxValueBits: trace.maxAbs > 0 ? Math.log2(trace.maxAbs) : 0,
        slots: 2 ** Math.ceil(Math.log2(Math.max(trace.slots, rotationSlots))),
        rotations: stats.rotationSteps,
      };
    } catch (e) {
      // Out of levels: no rescale left, or a product too large for the last (60-bit) level.
      const outOfLevels = isHeError(e, 'LEVEL_EXHAUSTED') || (isHeError(e, 'SCALE_OUT_OF_BOUNDS') && e.details.level === 0);
      if (!outOfLevels) throw e;
    } finally {
      sim.dispose();
    }
  }
  throw new HeError('PLAN_INFEASIBLE', 'the circuit consumes more than 64 levels; split it into rounds with a refresh between them', {});
}

/**
 * Plans parameters for a circuit (dry run, then sizing checked by predicted precision) or
 * for a report written by hand (sized by a rule of thumb). See `planFromReport`.
 *
 * @example
 * ```ts
 * import type { Evaluator } from 'hekit';
 * import { createSimBackend, planParams } from 'hekit/sim';
 *
 * const circuit = <C>(ev: Evaluator<C>) => ev.rescale(ev.relinearize(ev.square(ev.encrypt([0.5, -0.25]))));
 * const plan = planParams(circuit, { precisionBits: 25 }); // the smallest 128-bit secure chain that keeps 25 bits
 * console.log(plan.params.ringDegree, plan.params.bitSizes, plan.rotations);
 * const sim = createSimBackend(plan.params, { rotations: plan.rotations });
 * console.log(sim.noise(circuit(sim)).precisionBits >= 25); // true
 * sim.dispose();
 * ```
 */
export function planParams(circuit: Circuit | CircuitReport, request: PlanRequest): ParamsPlan {
  if (typeof circuit !== 'function') return planFromReport(circuit, request);
  const report = dryRun(circuit);
  return planFromReport(report, request, (params) => outputPrecision(circuit, params, report.rotations));
}

/** The worst precision (bits) over the circuit's outputs, as the simulator predicts it. */
function outputPrecision(circuit: Circuit, params: CkksParams, rotations: readonly number[]): number {
  const sim = createSimBackend(params, { rotations });
  try {
    return sim.scope(() => {
      const out = circuit(sim);
      const outputs = Array.isArray(out) ? out : [out as Ciphertext];
      return Math.min(...outputs.map((ct: Ciphertext) => sim.noise(ct).precisionBits));
    });
  } finally {
    sim.dispose();
  }
}

/** An evaluator that forwards to `sim` and records the largest |value| and the slots used. */
function tracing(sim: SimBackend, trace: { maxAbs: number; slots: number }): Evaluator<Ciphertext> {
  const seen = (ct: Ciphertext): Ciphertext => {
    for (const v of sim.decrypt(ct)) trace.maxAbs = Math.max(trace.maxAbs, Math.abs(v));
    return ct;
  };
  const used = (values: unknown): void => {
    if (typeof values === 'object' && values !== null && 'length' in values) trace.slots = Math.max(trace.slots, Number(values.length));
  };
  return {
    params: sim.params,
    encrypt: (values, options) => (used(values), seen(sim.encrypt(values, options))),
    decrypt: (x) => sim.decrypt(x),
    meta: (x) => sim.meta(x),
    free: (x) => sim.free(x),
    add: (a, b) => seen(sim.add(a, b)),
    sub: (a, b) => seen(sim.sub(a, b)),
    neg: (a) => sim.neg(a),
    addPlain: (a, values) => (used(values), seen(sim.addPlain(a, values))),
    mulPlain: (a, values, scale) => (used(values), seen(sim.mulPlain(a, values, scale))),
    mul: (a, b) => seen(sim.mul(a, b)),
    square: (a) => seen(sim.square(a)),
    relinearize: (a) => sim.relinearize(a),
    rescale: (a) => sim.rescale(a),
    dropLevelTo: (a, level) => sim.dropLevelTo(a, level),
    rotate: (a, step) => sim.rotate(a, step),
  };
}
