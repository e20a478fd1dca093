/**
 * Which worker holds which Galois key when the keys are split: an equal number of keys each
 * (the keys are what fills a worker's heap), placed so that each worker does an equal share of
 * the rotations and a chain of rotations (rotate, add, rotate by the next step, ...) crosses
 * workers as rarely as possible, since every crossing moves a ciphertext between heaps.
 */
import type { CircuitAnalysis } from './analyze.js';
import type { CkksParams } from '../params/index.js';
import { RotationKeys } from '../rotation.js';

/** How a circuit uses its keys, from its dry run. */
export interface RotationUse {
  /** Key switches per step. */
  readonly counts: ReadonlyMap<number, number>;
  /** follows.get(s)?.get(t): how often a rotation by t works on the result of one by s (through cheaper ops). */
  readonly follows: ReadonlyMap<number, ReadonlyMap<number, number>>;
}

/** Ops between two rotations further apart than this do not count as a chain. */
const CHAIN_REACH = 3;

/** Rotation counts and chains of `analysis`, in terms of the keys `steps` (a step without a key counts as its NAF terms). */
export function rotationUse(analysis: CircuitAnalysis, params: CkksParams, steps: readonly number[]): RotationUse {
  const keys = new RotationKeys(params, steps);
  const counts = new Map<number, number>();
  const follows = new Map<number, Map<number, number>>();
  const link = (s: number, t: number) => {
    const row = follows.get(s) ?? new Map<number, number>();
    follows.set(s, row.set(t, (row.get(t) ?? 0) + 1));
  };
  const terms = (step: number): number[] => keys.plan(step).terms;
  const byId = new Map(analysis.nodes.map((n) => [n.id, n]));
  /** The last key used by each rotation within reach upstream of node `id`. */
  const upstream = (id: number, reach: number, found: Set<number>): Set<number> => {
    const n = byId.get(id);
    if (n === undefined || reach === 0) return found;
    if (n.op === 'rotate' && n.step !== undefined) return found.add(terms(n.step).at(-1) as number);
    for (const input of n.inputs) upstream(input, reach - 1, found);
    return found;
  };
  for (const n of analysis.nodes) {
    if (n.op !== 'rotate' || n.step === undefined) continue;
    const ts = terms(n.step);
    ts.forEach((t, i) => {
      counts.set(t, (counts.get(t) ?? 0) + 1);
      if (i > 0) link(ts[i - 1] as number, t);
    });
    for (const input of n.inputs) for (const s of upstream(input, CHAIN_REACH, new Set())) link(s, ts[0] as number);
  }
  return { counts, follows };
}

/** A crossing moves a ciphertext and delays the next rotation: a third of a rotation, as in the scheduler. */
const CROSSING_COST = 0.35;

/**
 * `steps` dealt to `workers` in runs of neighbouring size (|step|, then sign), as equal in
 * number as can be; with `use`, then improved by swapping keys between workers (so the counts
 * stay equal) while that lowers the busiest worker's rotations plus the crossings' cost.
 */
export function shareSteps(steps: readonly number[], workers: number, use?: RotationUse): number[][] {
  const bySize = [...steps].sort((a, b) => Math.abs(a) - Math.abs(b) || a - b);
  const shares = Array.from({ length: workers }, (_, w) =>
    bySize.slice(Math.round((w * bySize.length) / workers), Math.round(((w + 1) * bySize.length) / workers)));
  if (use === undefined) return shares;
  const owner = new Map(shares.flatMap((share, w) => share.map((s) => [s, w] as const)));
  const cost = (): number => {
    const load = new Array<number>(workers).fill(0);
    for (const [s, w] of owner) load[w]! += use.counts.get(s) ?? 0;
    let crossings = 0;
    for (const [s, row] of use.follows) for (const [t, n] of row) if (owner.get(s) !== owner.get(t)) crossings += n;
    return Math.max(...load) + CROSSING_COST * crossings;
  };
  let best = cost();
  for (let improved = true; improved;) {
    improved = false;
    for (const s of bySize) {
      for (const t of bySize) {
        const [ws, wt] = [owner.get(s) as number, owner.get(t) as number];
        if (ws >= wt) continue;
        owner.set(s, wt).set(t, ws);
        const c = cost();
        if (c < best - 1e-9) {
          best = c;
          improved = true;
        } else {
          owner.set(s, ws).set(t, wt);
        }
      }
    }
  }
  return shares.map((_, w) => bySize.filter((s) => owner.get(s) === w));
}
