/**
 * Fidelity of the simulator's error prediction against SEAL: random programs run on both,
 * SEAL's error in every slot normalised by the predicted standard deviation
 * (z_k = (SEAL_k - exact_k) / std_k, NOISE.md §6), pooled per op kind. Shared by the
 * fidelity tests and the report script (benchmarks/fidelity.ts).
 */
import fc from 'fast-check';
import { createSealBackend } from '../backends/seal/index.js';
import { createSimBackend } from '../backends/sim/index.js';
import type { CkksParamsLiteral } from '../core/index.js';
import { programArbitrary } from './program.js';
import { runProgram } from './run-program.js';

export interface FidelitySet {
  readonly name: string;
  readonly params: CkksParamsLiteral;
  readonly keys: readonly number[];
}

export interface FidelityRow {
  readonly set: string;
  readonly ringDegree: number;
  /** The op that produced the register ('encrypt' for inputs). */
  readonly kind: string;
  /** Exact estimates, or upper estimates (correlated operands, biases of several keys). */
  readonly estimate: 'exact' | 'upper';
  readonly registers: number;
  readonly samples: number;
  /** RMS over slots of the predicted standard deviation and of SEAL's observed error. */
  readonly predictedRms: number;
  readonly observedRms: number;
  /** RMS of the normalised error z: 1 is a perfect prediction. */
  readonly ratio: number;
  /** Largest |error| / predicted bound over every slot. */
  readonly worstOverBound: number;
}

export const fidelitySets: readonly FidelitySet[] = [
  { name: '[50,40,40,60]', params: { ringDegree: 8192, bitSizes: [50, 40, 40, 60], scale: 2 ** 40 }, keys: [1, -1, 2, 4, 8] },
  { name: '[60,40,40,60]', params: { ringDegree: 8192, bitSizes: [60, 40, 40, 60], scale: 2 ** 40 }, keys: [1, -1, 2, 4, 8] },
  { name: '[40,29,40]', params: { ringDegree: 4096, bitSizes: [40, 29, 40], scale: 2 ** 29 }, keys: [1, 3, -4, 16] },
];

interface Bucket { registers: number; samples: number; z2: number; std2: number; err2: number; worst: number }

/** Runs `runs` random programs (deterministic for `seed`) on the simulator and on SEAL. */
export async function measureFidelity(set: FidelitySet, seed: number, runs: number): Promise<FidelityRow[]> {
  const seal = await createSealBackend(set.params, { rotations: set.keys });
  const { params } = seal;
  const slots = params.slots;
  const programs = fc.sample(programArbitrary({
    maxLevel: params.maxLevel, slots, rotations: [1, 2, 3, 5, -1, 7, 16, slots - 1],
  }), { seed, numRuns: runs });
  const buckets = new Map<string, Bucket>();
  try {
    for (const program of programs) {
      const sim = createSimBackend(params, { rotations: set.keys });
      const simOut = runProgram(sim, program);
      const sealOut = runProgram(seal, program);
      simOut.forEach((s, r) => {
        const e = sealOut[r];
        if (s.kind !== 'ok' || e?.kind !== 'ok') return;
        const estimate = sim.noise(s.ct);
        const exact = sim.decrypt(s.ct);
        const observed = seal.decrypt(e.ct);
        const kind = r < program.inputs.length ? 'encrypt' : (program.steps[r - program.inputs.length]?.op ?? '?');
        const key = `${kind}|${estimate.upperBound ? 'upper' : 'exact'}`;
        const b = buckets.get(key) ?? { registers: 0, samples: 0, z2: 0, std2: 0, err2: 0, worst: 0 };
        for (let k = 0; k < slots; k++) {
          const err = (observed[k] as number) - (exact[k] as number);
          const std = estimate.std[k] as number;
          b.z2 += (err / std) ** 2;
          b.err2 += err * err;
          b.std2 += std * std;
          b.worst = Math.max(b.worst, Math.abs(err) / (estimate.bound[k] as number));
        }
        b.registers++;
        b.samples += slots;
        buckets.set(key, b);
      });
      for (const o of [...simOut, ...sealOut]) if (o.kind === 'ok') o.ct.dispose();
      sim.dispose();
    }
  } finally {
    seal.dispose();
  }
  return [...buckets.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, b]) => {
    const [kind, estimate] = key.split('|') as [string, 'exact' | 'upper'];
    return {
      set: set.name, ringDegree: params.ringDegree, kind, estimate, registers: b.registers, samples: b.samples,
      predictedRms: Math.sqrt(b.std2 / b.samples), observedRms: Math.sqrt(b.err2 / b.samples),
      ratio: Math.sqrt(b.z2 / b.samples), worstOverBound: b.worst,
    };
  });
}

/** Pools rows (of one estimate type) into one: the overall ratio. */
export function pooled(rows: readonly FidelityRow[]): { ratio: number; samples: number; worstOverBound: number } {
  const samples = rows.reduce((s, r) => s + r.samples, 0);
  const z2 = rows.reduce((s, r) => s + r.ratio ** 2 * r.samples, 0);
  return { ratio: Math.sqrt(z2 / samples), samples, worstOverBound: Math.max(...rows.map((r) => r.worstOverBound)) };
}

export function fidelityTable(rows: readonly FidelityRow[]): string {
  const lines = [
    '| params | N | op kind | estimate | registers | predicted RMS | observed RMS | ratio (RMS of z) | max error / bound |',
    '|---|---:|---|---|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.set} | ${r.ringDegree} | ${r.kind} | ${r.estimate} | ${r.registers} | ${r.predictedRms.toExponential(2)} | ${r.observedRms.toExponential(2)} | ${r.ratio.toFixed(3)} | ${r.worstOverBound.toFixed(3)} |`),
  ];
  return lines.join('\n');
}
