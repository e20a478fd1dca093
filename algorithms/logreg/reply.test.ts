/**
 * A round's reply is checked on load for kind, shape and unit, and for the level and scale the
 * round leaves its outputs at (`roundOutputMeta`): predicted here against simulator runs of the
 * rounds, and refused on SEAL naming the entry when a reply's `w` or `v` is elsewhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSealBackend, sealCiphertextCodec } from '../../backends/seal/index.js';
import { createSimBackend } from '../../backends/sim/index.js';
import type { Backend, Ciphertext } from '../../core/index.js';
import { scaleLadder } from '../ladder.js';
import { encryptColVector, type EncryptedColVector } from '../linalg/index.js';
import { loadDataset } from './dataset.js';
import { EncryptingSource, inputShape } from './inputs.js';
import { encryptStart, freeStart, loadRoundReply, type OutputMeta, planFingerprint, roundConfigOf, roundOutputMeta, runRound, saveRoundReply } from './protocol.js';
import { planTraining, type CircuitName } from './train.js';

const data = loadDataset({ seed: 1 });
const batchSize = 64;

describe('roundOutputMeta', () => {
  it.each([
    ['lowdepth', 5, 1, 16384, 36],
    ['lowdepth', 3, 3, 8192, 24],
    ['lowdepth', 4, 2, 16384, 30],
    ['baseline', 2, 1, 8192, 24],
  ] as [CircuitName, number, number, number, number][])('%s (K = %i, %i per round): the level and scale a simulator run of each round leaves w (and v) at', (circuit, K, perRound, ringDegree, scaleBits) => {
    const plan = planTraining({ circuit, minibatches: K, batchSize, features: data.features, ringDegree, scaleBits, minibatchesPerRound: perRound });
    const config = roundConfigOf(plan, { batchSize });
    const sim = createSimBackend(plan.params, { rotations: plan.rotations, noise: 'off' });
    try {
      plan.rounds.forEach((_, round) => sim.scope(() => {
        const zeros = (rows: number, cols: number) => Array.from({ length: rows }, () => new Array<number>(cols).fill(0.01));
        const source = new EncryptingSource(sim, plan.unit, config.ladder, (name) => zeros(...inputShape(name, batchSize, data.features, plan.unit)));
        const firstBatch = Array.from({ length: batchSize }, () => new Float64Array(plan.features).fill(0.01));
        const start = encryptStart(sim, plan, round, { w: new Float64Array(plan.features), v: new Float64Array(plan.features), step: 0 }, firstBatch);
        const out = runRound(sim, plan, round, source, start, config);
        const metaOf = (x: EncryptedColVector<Ciphertext>) => {
          const { level, scale } = sim.meta(x.tiles[0]!);
          return { level, scale };
        };
        expect({ w: metaOf(out.w), v: out.v ? metaOf(out.v) : null }, `round ${round}`).toEqual(roundOutputMeta(plan, round));
        freeStart(sim, start);
        source.free();
      }));
    } finally {
      sim.dispose();
    }
  });

  it('refuses a round outside the plan', () => {
    const plan = planTraining({ circuit: 'lowdepth', minibatches: 2, batchSize, features: data.features, ringDegree: 8192, scaleBits: 24 });
    expect(() => roundOutputMeta(plan, plan.rounds.length)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('loadRoundReply checks level and scale (SEAL, N = 8192)', () => {
  const plan = planTraining({ circuit: 'baseline', minibatches: 2, batchSize, features: data.features, ringDegree: 8192, scaleBits: 24, minibatchesPerRound: 1 });
  const binding = planFingerprint(plan, { batchSize });
  const ladder = scaleLadder(plan.params);
  let seal: Backend;
  beforeAll(async () => {
    seal = await createSealBackend(plan.params);
  });
  afterAll(() => seal.dispose());

  /** A reply of round 0 with w and v encrypted where `at` says (the predicted place by default). */
  const reply = (at: { w?: OutputMeta; v?: OutputMeta } = {}): Uint8Array => seal.scope(() => {
    const out = roundOutputMeta(plan, 0);
    const vector = (where: OutputMeta): EncryptedColVector<Ciphertext> => encryptColVector(seal, plan.unit, new Array<number>(plan.features).fill(0.5), where);
    return saveRoundReply(sealCiphertextCodec(seal, { compression: 'none' }), 0, { w: vector(at.w ?? out.w), v: vector(at.v ?? out.v!), step: 1 }, binding);
  });
  const load = (bytes: Uint8Array) => loadRoundReply(sealCiphertextCodec(seal), plan, bytes, binding);
  const refusal = (field: string, details: Record<string, unknown>) => expect.objectContaining({ code: 'DESERIALIZE', details: expect.objectContaining({ field, ...details }) });

  it('loads a reply where the round leaves its outputs', () => {
    const { level, scale } = roundOutputMeta(plan, 0).w;
    const { round, output } = load(reply());
    expect(round).toBe(0);
    expect(seal.meta(output.w.tiles[0]!)).toMatchObject({ level, scale });
    [...output.w.tiles, ...output.v!.tiles].forEach((t) => seal.free(t));
    expect(seal.memory().ciphertexts).toBe(0);
  });

  it('refuses w or v at another level, or at its level off the scale ladder, naming the entry and freeing what it loaded', () => {
    const out = roundOutputMeta(plan, 0);
    for (const name of ['w', 'v'] as const) {
      const { level, scale } = name === 'w' ? out.w : out.v!;
      const otherLevel = level > 0 ? level - 1 : level + 1;
      const elsewhere = { level: otherLevel, scale: ladder[otherLevel]! };
      expect(() => load(reply({ [name]: elsewhere }))).toThrow(refusal(name, { level: otherLevel, expected: level }));
      expect(() => load(reply({ [name]: { level, scale: scale * 2 } }))).toThrow(refusal(name, { scale: scale * 2, expected: scale }));
    }
    expect(seal.memory().ciphertexts).toBe(0);
  });
});
