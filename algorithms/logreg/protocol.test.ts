import { describe, expect, it } from 'vitest';
import { createSimBackend } from '../../backends/sim/index.js';
import { loadDataset, minibatches } from './dataset.js';
import { roundInputLevels } from './protocol.js';
import { planTraining, trainEncrypted, type CircuitName } from './train.js';

const data = loadDataset({ seed: 1 });

describe('roundInputLevels', () => {
  it.each([
    ['lowdepth', 5, 1, 16384, 36],
    ['lowdepth', 3, 3, 8192, 24],
    ['baseline', 2, 1, 8192, 24],
  ] as [CircuitName, number, number, number, number][])('%s: the levels a metadata-only run finds are those a simulator run of training sends (K = %i, %i per round)', (circuit, K, perRound, ringDegree, scaleBits) => {
    const batches = minibatches(data, K, 64);
    const plan = planTraining({ circuit, minibatches: K, batchSize: 64, features: data.features, ringDegree, scaleBits, minibatchesPerRound: perRound });
    expect(plan.rounds.length).toBeGreaterThan(1);
    const sim = createSimBackend(plan.params, { rotations: plan.rotations, noise: 'off' });
    const trained = trainEncrypted(sim, plan, batches);
    sim.dispose();
    trained.rounds.forEach((report, round) => {
      expect(Object.fromEntries(roundInputLevels(plan, round, { batchSize: 64 }))).toEqual(report.inputLevels);
    });
  });

  it('refuses a round outside the plan and a batch size that is not a positive integer; a batch taller than the unit spans tile rows', () => {
    const plan = planTraining({ circuit: 'lowdepth', minibatches: 2, batchSize: 64, features: data.features, ringDegree: 8192, scaleBits: 24 });
    expect(() => roundInputLevels(plan, plan.rounds.length, { batchSize: 64 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    for (const batchSize of [0, 1.5]) expect(() => roundInputLevels(plan, 0, { batchSize })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(roundInputLevels(plan, 0, { batchSize: plan.unit.height + 1 })).toEqual(roundInputLevels(plan, 0, { batchSize: 64 }));
  });
});
