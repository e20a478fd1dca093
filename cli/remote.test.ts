import { describe, expect, it } from 'vitest';
import { isHeError } from '../core/index.js';
import { parseTrainArgs, planOnly } from './train.js';

const iris = ['--data', 'iris:versicolor,virginica'];
const service = ['--server', 'http://127.0.0.1:1', '--token', 'hekit_test'];
const plan = (argv: string[]) => planOnly(parseTrainArgs(argv)).timed;

describe('hekit train --server plans for the flooded refresh (simulator only, no service contacted)', () => {
  it('a structure whose precision a local run meets cannot meet it with the flooding: PLAN_INFEASIBLE', () => {
    const pins = ['--circuit', 'lowdepth', '--ring', '8192', '--per-round', '1'];
    expect(plan([...iris, ...pins]).chosen).toMatchObject({ ringDegree: 8192, rounds: 6, precision: 'met' });
    let error: unknown = null;
    try {
      plan([...iris, ...pins, ...service]);
    } catch (e) {
      error = e;
    }
    expect(isHeError(error, 'PLAN_INFEASIBLE')).toBe(true);
  });

  it('unpinned, it chooses a plan meeting the precision with the flooding counted: one round, or a larger scale than locally', () => {
    const remote = plan([...iris, ...service]);
    expect(remote.chosen.precision).toBe('met');
    expect(remote.plan.predictedWeightError!).toBeLessThanOrEqual(2 ** -9);
    const { circuit, ringDegree, minibatchesPerRound, rounds, scaleBits } = remote.chosen;
    if (rounds > 1) {
      const local = plan([...iris, '--circuit', circuit, '--ring', String(ringDegree), '--per-round', String(minibatchesPerRound)]);
      expect(scaleBits!).toBeGreaterThan(local.chosen.scaleBits!);
    }
  });
});
