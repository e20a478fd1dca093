/**
 * Encrypted inference against the plaintext model: scores within the simulator's predicted
 * bound slot by slot, the same class on every row, depth 1, exactly the planned rotations and
 * no leaked ciphertext, on the simulator (tracked and injected error) and on SEAL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSealBackend } from '../../backends/seal/index.js';
import { createSimBackend, type SimBackend } from '../../backends/sim/index.js';
import type { Backend, Ciphertext } from '../../core/index.js';
import { thrown } from '../../property-tests/thrown.js';
import { sigmoidCubic8 } from '../poly/index.js';
import {
  decryptScores, encryptRows, freeRows, freeScores, inferenceUnit, predictEncrypted, scoreEncrypted, scoreRotations, type EncryptedScores,
} from './inference.js';
import { Model, classOfScores, foldLabels, prepareTable, seededUniform, trainPlain, type ModelFields } from './index.js';

const literal = { ringDegree: 8192, bitSizes: [50, 40, 60], scale: 2 ** 40 };
const centres = [[2, 0, 1], [-2, 1, 0], [0, -3, 2]];

/** `rows` raw rows around the class centres (3 features), labelled in turn. */
function blobs(classes: number, rows: number, seed: number, spread = 1) {
  const next = seededUniform(seed);
  const labels = Array.from({ length: rows }, (_, i) => ['red', 'green', 'blue'][i % classes]!);
  const xs = labels.map((_, i) => centres[i % classes]!.map((c) => c + spread * (next() - 0.5)));
  return { rows: xs, labels, featureNames: ['a', 'b', 'c'] };
}

/** A model trained in float64 (as model.test.ts does): one binary model, or one per class. */
function trained(classes: number): Model {
  const p = prepareTable(blobs(classes, 120, 5), { testFraction: 0.25, seed: 2 });
  const positives = classes === 2 ? [1] : p.classes.map((_, k) => k);
  const weights = positives.map((k) => Array.from(trainPlain([foldLabels(p.train, p.trainLabels, k)], { rule: 'gradient', learningRate: 2, sigmoid: sigmoidCubic8 }).w));
  const fields: ModelFields = { classes: p.classes, featureNames: p.featureNames, transform: p.transform, weights, training: null };
  return new Model(fields);
}

/** Per row and model, the simulator's bound for the slot holding that score (row 0 of its tile). */
function boundsOf(sim: SimBackend, scores: EncryptedScores<Ciphertext>): number[][] {
  const n = scores.models[0]!.unit.width;
  const perModel = scores.models.map((v) => v.tiles.map((t) => sim.noise(t).bound));
  return Array.from({ length: scores.rows }, (_, j) => perModel.map((tiles) => tiles[Math.floor(j / n)]![j % n]!));
}

/** Encrypts, scores and decrypts on `ev`, checking depth, rotations and memory on the way. */
function run(ev: Backend, model: Model, rows: readonly number[][], sim?: SimBackend) {
  const before = ev.memory().ciphertexts;
  ev.resetStats();
  const encrypted = encryptRows(ev, model, rows);
  const inputLevel = ev.meta(encrypted.matrix.tiles[0]![0]!).level;
  const scored = scoreEncrypted(ev, model, encrypted);
  const outputLevels = new Set(scored.models.flatMap((v) => v.tiles.map((t) => ev.meta(t).level)));
  const stats = ev.stats();
  freeRows(ev, encrypted);
  const scores = decryptScores(ev, scored);
  const bounds = sim ? boundsOf(sim, scored) : undefined;
  const ciphertexts = { rows: encrypted.matrix.tiles.flat().length, scores: scored.models.reduce((s, v) => s + v.tiles.length, 0) };
  freeScores(ev, scored);
  expect(ev.memory().ciphertexts).toBe(before);
  expect([...outputLevels]).toEqual([inputLevel - 1]);
  expect(stats.rotationSteps).toEqual(scoreRotations(inferenceUnit(model, ev.params.slots)));
  return { scores, bounds, ciphertexts, inputLevel, rotations: stats.ops.rotate };
}

describe.each([2, 3])('encrypted inference, %i classes', (classes) => {
  const model = trained(classes);
  const unit = inferenceUnit(model, 4096);
  const rotations = scoreRotations(unit);

  it('uses a 4 x 1024 unit and two rotation steps for 3 features', () => {
    expect(unit).toEqual({ height: 4, width: 1024 });
    expect(rotations).toEqual([1024, 2048]);
  });

  it('simulator, tracked error: scores within the predicted bound, classes as the plain model, over several ciphertexts', () => {
    const sim = createSimBackend(literal, { rotations });
    const rows = blobs(classes, 2500, 11).rows;
    const { scores, bounds, ciphertexts } = run(sim, model, rows, sim);
    expect(ciphertexts.rows).toBe(3);
    const plain = model.decisionFunction(rows);
    scores.forEach((s, j) => s.forEach((v, k) => expect(Math.abs(v - plain[j]![k]!)).toBeLessThanOrEqual(bounds![j]![k]!)));
    expect(scores.map((s) => model.classes[classOfScores(s)])).toEqual(model.predict(rows));
    sim.dispose();
  });

  it('simulator, injected error: every class of a well-separated set as the plain model', () => {
    const sim = createSimBackend(literal, { rotations, noise: 'inject', seed: 7 });
    const rows = blobs(classes, 600, 13, 0.5).rows;
    // Well separated: every deciding margin far above the error at this scale (about 2^-20).
    const margin = Math.min(...model.decisionFunction(rows).map((s) => {
      const sorted = [...s].sort((a, b) => b - a);
      return s.length === 1 ? Math.abs(s[0]!) : sorted[0]! - sorted[1]!;
    }));
    expect(margin).toBeGreaterThan(1e-2);
    const before = sim.memory().ciphertexts;
    const got = predictEncrypted(sim, model, rows);
    expect(sim.memory().ciphertexts).toBe(before);
    expect(got.classes).toEqual(model.predict(rows));
    const probabilities = model.predictProbability(rows);
    got.probabilities.forEach((p, j) => p.forEach((v, k) => expect(v).toBeCloseTo(probabilities[j]![k]!, 5)));
    sim.dispose();
  });

  describe('SEAL, N = 8192, 100 rows', () => {
    let seal: Backend;
    const sim = createSimBackend(literal, { rotations });
    beforeAll(async () => { seal = await createSealBackend(literal, { rotations }); });
    afterAll(() => { seal.dispose(); sim.dispose(); });

    it('every class as the plain model, every score within the simulator\'s bound for its slot', () => {
      const rows = blobs(classes, 100, 17).rows;
      const got = run(seal, model, rows);
      const { bounds } = run(sim, model, rows, sim);
      const plain = model.decisionFunction(rows);
      let worst = 0, maxBound = 0, ratio = 0;
      got.scores.forEach((s, j) => s.forEach((v, k) => {
        const error = Math.abs(v - plain[j]![k]!), bound = bounds![j]![k]!;
        expect(error).toBeLessThanOrEqual(bound);
        worst = Math.max(worst, error);
        maxBound = Math.max(maxBound, bound);
        ratio = Math.max(ratio, error / bound);
      }));
      expect(got.inputLevel).toBe(1);
      expect(predictEncrypted(seal, model, rows).classes).toEqual(model.predict(rows));
      console.log(`SEAL inference, ${classes} classes, 100 rows: depth 1, ${got.rotations} rotations, ${got.ciphertexts.rows} row ciphertext(s), ${got.ciphertexts.scores} score ciphertext(s); max |encrypted - plain| ${worst.toExponential(2)}, predicted bounds up to ${maxBound.toExponential(2)}, largest error / bound ${ratio.toFixed(3)}`);
    });
  });
});

describe('encrypted inference, features spanning two tile rows', () => {
  // 2100 features + bias > slots / 2: the unit is 2048 x 2 and every row spans two tile rows.
  const features = 2100;
  const next = seededUniform(3);
  const weights = [Array.from({ length: features + 1 }, (_, i) => (i <= 2048 ? next() - 0.5 : 0))];
  const model = new Model({
    classes: ['no', 'yes'], featureNames: Array.from({ length: features }, (_, i) => `f${i}`),
    transform: { mean: new Array<number>(features).fill(0.5), range: new Array<number>(features).fill(0.5) }, weights, training: null,
  });
  const rows = Array.from({ length: 5 }, () => Array.from({ length: features }, () => next()));

  it('sums across tile rows (the all-zero second one skipped) within the bound', () => {
    const unit = inferenceUnit(model, 4096);
    expect(unit).toEqual({ height: 2048, width: 2 });
    const sim = createSimBackend(literal, { rotations: scoreRotations(unit) });
    const { scores, bounds, ciphertexts } = run(sim, model, rows, sim);
    expect(ciphertexts).toEqual({ rows: 6, scores: 3 });
    const plain = model.decisionFunction(rows);
    scores.forEach((s, j) => expect(Math.abs(s[0]! - plain[j]![0]!)).toBeLessThanOrEqual(bounds![j]![0]!));
    sim.dispose();
  });
});

describe('encrypted inference refuses bad input without leaking', () => {
  const model = trained(3);
  const rotations = scoreRotations(inferenceUnit(model, 4096));
  const sim = createSimBackend(literal, { rotations });
  afterAll(() => sim.dispose());

  it('rows of the wrong width, non-finite values, no rows', () => {
    expect(thrown(() => encryptRows(sim, model, [[1, 2, 3], [1, 2]]))).toMatchObject({ code: 'SHAPE_MISMATCH', details: { row: 1, expected: 3, got: 2 } });
    expect(thrown(() => encryptRows(sim, model, [[1, Infinity, 3]]))).toMatchObject({ code: 'INVALID_VALUES', details: { row: 0, column: 1 } });
    expect(thrown(() => encryptRows(sim, model, [])).code).toBe('SHAPE_MISMATCH');
    expect(sim.memory().ciphertexts).toBe(0);
  });

  it('too few levels', () => {
    expect(thrown(() => encryptRows(sim, model, [[1, 2, 3]], { level: 0 }))).toMatchObject({ code: 'LEVEL_EXHAUSTED', details: { level: 0, needed: 1 } });
    const encrypted = encryptRows(sim, model, [[1, 2, 3]]);
    const dropped = { ...encrypted, matrix: { ...encrypted.matrix, tiles: encrypted.matrix.tiles.map((r) => r.map((t) => sim.dropLevelTo(t, 0))) } };
    expect(thrown(() => scoreEncrypted(sim, model, dropped)).code).toBe('LEVEL_EXHAUSTED');
    freeRows(sim, encrypted);
    freeRows(sim, dropped);
    expect(sim.memory().ciphertexts).toBe(0);
  });

  it('rows encrypted for another model, a missing rotation key', () => {
    const other = new Model({ classes: model.classes, featureNames: ['a', 'b'], training: null, transform: { mean: [0, 0], range: [1, 1] }, weights: model.weights.map((w) => Array.from(w).slice(0, 3)) });
    const encrypted = encryptRows(sim, other, [[1, 2]]);
    expect(thrown(() => scoreEncrypted(sim, model, encrypted)).code).toBe('SHAPE_MISMATCH');
    freeRows(sim, encrypted);
    const keyless = createSimBackend(literal, { rotations: rotations.slice(1) });
    const rows = encryptRows(keyless, model, [[1, 2, 3]]);
    expect(thrown(() => scoreEncrypted(keyless, model, rows)).code).toBe('MISSING_ROTATION_KEY');
    freeRows(keyless, rows);
    expect(keyless.memory().ciphertexts).toBe(0);
    keyless.dispose();
    expect(sim.memory().ciphertexts).toBe(0);
  });
});
