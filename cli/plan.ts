/**
 * `hekit train --plan`: the candidates the planner priced (algorithms/logreg/plan-time.ts), as a
 * table or as JSON, without training. The chosen one is the fastest that meets the precision and
 * the round-trip limit; candidates slower than it are left unchecked.
 */
import type { logreg } from '../algorithms/index.js';

/** One row of `hekit train --plan --json`: a candidate, and whether the planner chose it. */
export type CandidateJson = logreg.PlanCandidate & { readonly chosen: boolean };

/** The JSON array `hekit train --plan --json` prints, fastest first. */
export function candidatesJson(plan: logreg.TimedPlan): CandidateJson[] {
  return plan.candidates.map((c) => ({ ...c, chosen: c === plan.chosen }));
}

const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);
const cell = (text: string | number, width: number): string => String(text).padStart(width);

/** The candidate table: one line each, fastest first, the chosen one marked with '*'; `note` says where the prices come from. */
export function planTable(plan: logreg.TimedPlan, note: string): string {
  const header = `  ${'circuit'.padEnd(9)}${cell('N', 6)}${cell('per round', 10)}${cell('rounds', 7)}${cell('primes', 7)}${cell('tile', 9)}${cell('scale', 6)}${cell('workers', 8)}` +
    `${cell('predicted s', 12)}${cell('keys', 6)}${cell('pool', 6)}${cell('train', 7)}${cell('input MiB', 10)}${cell('keys MiB', 9)}  precision`;
  const rows = plan.candidates.map((c) => {
    const s = c.seconds;
    const precision = c.precision === 'met' ? `met (${c.predictedWeightError!.toExponential(1)})` : c.precision;
    return `${c === plan.chosen ? '*' : ' '} ${c.circuit.padEnd(9)}${cell(c.ringDegree, 6)}${cell(c.minibatchesPerRound, 10)}${cell(c.rounds, 7)}${cell(c.primes, 7)}` +
      `${cell(`${c.unitHeight}x${c.ringDegree / 2 / c.unitHeight}`, 9)}${cell(c.scaleBits === null ? `<=${c.largestScaleBits}` : c.scaleBits, 6)}${cell(`${c.keyPlacement === 'split' ? 's' : ''}${c.workers}`, 8)}${cell(c.predictedSeconds.toFixed(1), 12)}` +
      `${cell(s.keys.toFixed(1), 6)}${cell(s.poolSetUp.toFixed(1), 6)}${cell((s.training + s.refresh + s.transfer).toFixed(1), 7)}` +
      `${cell(mib(c.inputBytes), 10)}${cell(mib(c.keyBytes), 9)}  ${precision}`;
  });
  const c = plan.chosen;
  return [
    `hekit train --plan: ${plan.candidates.length} candidates, fastest predicted first; prices from the ${note}`,
    header,
    ...rows,
    `chosen (*): ${c.circuit}, N = ${c.ringDegree}, ${c.minibatchesPerRound} minibatch${c.minibatchesPerRound > 1 ? 'es' : ''} per round (${c.rounds} round${c.rounds > 1 ? 's' : ''}), ` +
      `${c.unitHeight} x ${c.ringDegree / 2 / c.unitHeight} tiles, ` +
      `scale 2^${c.scaleBits}, ${c.workers} worker${c.workers > 1 ? 's' : ''}${c.keyPlacement === 'split' ? ' sharing the Galois keys out' : ''}: ${c.predictedSeconds.toFixed(1)} s predicted (keys, pool set-up, training and refreshes). ` +
      "Scale '<=S': the largest that fits, not checked (the candidate is slower than the chosen one). Workers 's2': two workers, each holding its share of the Galois keys (a rotation runs where its key is).",
  ].join('\n');
}
