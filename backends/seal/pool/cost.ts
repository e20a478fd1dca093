/**
 * What the pool's ops cost relative to each other, and how many workers a circuit can use.
 */
import type { CircuitAnalysis } from '../../../core/analysis/analyze.js';
import type { PoolOp } from './protocol.js';

/**
 * Relative cost of each op in key switches (relinearize, rotate = 1), measured on node-seal at
 * N = 16384. A transfer's own work (save, copy, load) is a few percent of one, but the moved
 * operand also delays its op: weighted as a third, tuned on the training round.
 */
export const OP_COST: Readonly<Record<PoolOp, number>> = {
  relinearize: 1, rotate: 1, encrypt: 0.6, mul: 0.25, square: 0.2, rescale: 0.2, mulPlain: 0.1,
  add: 0.01, sub: 0.01, neg: 0.01, addPlain: 0.02, dropLevelTo: 0.02, copy: 0.01,
};
export const TRANSFER_COST = 0.35;

/**
 * Workers the circuit of `analysis` can keep busy: its work over its span (the costliest chain of
 * dependent ops), in `OP_COST` units, rounded down, at least 1. The width per depth overstates
 * it: a rotate-and-sum chain sits at one depth yet runs one op after the other.
 */
export function usefulWorkers(analysis: CircuitAnalysis): number {
  const finish = new Map<number, number>();
  let work = 0;
  let span = 0;
  for (const n of analysis.nodes) {
    // A rotation by a step without its own key runs as one key switch per NAF term.
    const cost = OP_COST[n.op] * (n.op === 'rotate' ? Math.max(1, n.keySwitches) : 1);
    const end = cost + Math.max(0, ...n.inputs.map((i) => finish.get(i) ?? 0));
    finish.set(n.id, end);
    work += cost;
    span = Math.max(span, end);
  }
  return span === 0 ? 1 : Math.max(1, Math.floor(work / span));
}
