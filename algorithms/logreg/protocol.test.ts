import { describe, expect, it } from 'vitest';
import { createSimBackend } from '../../backends/sim/index.js';
import type { Ciphertext } from '../../core/index.js';
import { decryptColVector, decryptRowVector } from '../linalg/index.js';
import { loadDataset, minibatches } from './dataset.js';
import { encryptStart, freeStart, roundInputLevels } from './protocol.js';
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

describe('encryptStart', () => {
  it('a refreshed low-depth round: w at the top and u_1 = X_1·w a level down (a round of one: at the top), in the encodings the round reads', () => {
    const batches = minibatches(data, 5, 64);
    const plan = planTraining({ circuit: 'lowdepth', minibatches: 5, batchSize: 64, features: data.features, minibatchesPerRound: 2 });
    expect(plan.rounds).toEqual([2, 2, 1]);
    const sim = createSimBackend(plan.params, { rotations: plan.rotations, noise: 'off' });
    const top = plan.params.maxLevel;
    const w = Float64Array.from({ length: data.features }, (_, j) => Math.sin(j));
    const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i]!)));
    const levelOf = (x: { tiles: readonly Ciphertext[] } | null) => (x === null ? null : sim.meta(x.tiles[0]!).level);
    for (const [round, first] of [[1, 2], [2, 4]] as const) {
      const start = encryptStart(sim, plan, round, { w, v: w, step: 0 }, batches[first]!);
      if (start?.circuit !== 'lowdepth') throw new Error('a low-depth start');
      const u = batches[first]!.map((x) => x.reduce((s, xt, t) => s + xt * w[t]!, 0));
      // Two minibatches read u_1 in both forms; one reads its row form alone, at the top (its cubic first). wR only from three.
      expect([levelOf(start.wC), levelOf(start.wR), levelOf(start.uC), levelOf(start.uR)]).toEqual(round === 1 ? [top, null, top - 1, top - 1] : [top, null, null, top]);
      expect(maxDiff(decryptColVector(sim, start.wC), w)).toBeLessThan(1e-9);
      expect(maxDiff(decryptRowVector(sim, start.uR), u)).toBeLessThan(1e-9);
      if (start.uC) expect(maxDiff(decryptColVector(sim, start.uC), u)).toBeLessThan(1e-9);
      freeStart(sim, start);
    }
    const three = planTraining({ circuit: 'lowdepth', minibatches: 6, batchSize: 64, features: data.features, minibatchesPerRound: 3 });
    expect(three.rounds).toEqual([3, 3]);
    const start = encryptStart(sim, three, 1, { w, v: w, step: 0 }, batches[3]!);
    expect(start?.circuit === 'lowdepth' && maxDiff(decryptRowVector(sim, start.wR!), w)).toBeLessThan(1e-9);
    freeStart(sim, start);
    expect(sim.memory().ciphertexts).toBe(0);
    sim.dispose();
  });
});
