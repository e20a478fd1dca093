import { describe, expect, it } from 'vitest';
import { sigmoidCubic8 } from '../poly/index.js';
import { MODEL_FORMAT, Model, accuracy, foldLabels, prepareTable, seededUniform, trainPlain, type ModelFields } from './index.js';

/** Two well-separated blobs in 3 features, and a third blob for one-vs-rest. */
function blobs(classes: number, rows = 120) {
  const next = seededUniform(5);
  const centres = [[2, 0, 1], [-2, 1, 0], [0, -3, 2]];
  const labels = Array.from({ length: rows }, (_, i) => ['red', 'green', 'blue'][i % classes]!);
  const xs = labels.map((_, i) => centres[i % classes]!.map((c) => c + (next() - 0.5)));
  return { rows: xs, labels, featureNames: ['a', 'b', 'c'] };
}

/** A model trained in float64 on folded rows, one binary model per class for more than two. */
function trained(classes: number) {
  const t = blobs(classes);
  const p = prepareTable(t, { testFraction: 0.25, seed: 2 });
  const positives = classes === 2 ? [1] : p.classes.map((_, k) => k);
  const weights = positives.map((k) => Array.from(trainPlain([foldLabels(p.train, p.trainLabels, k)], { rule: 'gradient', learningRate: 2, sigmoid: sigmoidCubic8 }).w));
  const fields: ModelFields = { classes: p.classes, featureNames: p.featureNames, transform: p.transform, weights, training: null };
  const rawTest = p.test.map((z) => z.slice(1).map((v, j) => v * p.transform.range[j]! + p.transform.mean[j]!));
  return { p, fields, model: new Model(fields), rawTest };
}

describe('Model', () => {
  it('binary: predicts from raw rows as the folded accuracy says, with exact-sigmoid probabilities', () => {
    const { p, model, rawTest, fields } = trained(2);
    const w = fields.weights[0]!;
    const predicted = model.predict(rawTest);
    const correct = predicted.filter((c, i) => c === p.classes[p.testLabels[i]!]).length / predicted.length;
    expect(correct).toBeCloseTo(accuracy(foldLabels(p.test, p.testLabels, 1), w), 12);
    expect(correct).toBeGreaterThan(0.95);
    const probabilities = model.predictProbability(rawTest);
    p.test.forEach((z, i) => {
      const score = z.reduce((s, v, j) => s + v * w[j]!, 0);
      expect(probabilities[i]![1]).toBeCloseTo(1 / (1 + Math.exp(-score)), 12);
      expect(probabilities[i]![0]! + probabilities[i]![1]!).toBeCloseTo(1, 15);
    });
  });

  it('one-vs-rest: the class with the highest score, probabilities normalised over the classes', () => {
    const { p, model, rawTest } = trained(3);
    expect(model.weights).toHaveLength(3);
    const predicted = model.predict(rawTest);
    expect(predicted.filter((c, i) => c === p.classes[p.testLabels[i]!]).length / predicted.length).toBeGreaterThan(0.95);
    for (const [i, probs] of model.predictProbability(rawTest).entries()) {
      expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      expect(p.classes[probs.indexOf(Math.max(...probs))]).toBe(predicted[i]);
    }
  });

  it('round-trips through its JSON file unchanged', () => {
    const { model, rawTest } = trained(3);
    const text = JSON.stringify(model);
    const back = Model.fromJSON(text);
    expect(back.toJSON()).toEqual(model.toJSON());
    expect(back.predictProbability(rawTest)).toEqual(model.predictProbability(rawTest));
    expect(JSON.parse(text).format).toBe(MODEL_FORMAT);
  });

  it('refuses rows of another width or with non-finite values', () => {
    const { model } = trained(2);
    expect(() => model.predict([[1, 2]])).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
    expect(() => model.predict([[1, NaN, 2]])).toThrow(expect.objectContaining({ code: 'INVALID_VALUES', details: { row: 0, column: 1 } }));
  });

  describe('fromJSON names the field of a bad model file', () => {
    const good = trained(3).model.toJSON();
    const edit = (patch: Record<string, unknown>) => JSON.stringify({ ...good, ...patch });
    it.each([
      ['{ "format"', '(file)'],
      ['[1, 2]', '(file)'],
      [edit({ format: 'other' }), 'format'],
      [edit({ version: 2 }), 'version'],
      [edit({ classes: ['a'] }), 'classes'],
      [edit({ weights: good.weights.slice(1) }), 'weights'],
      [edit({ weights: [good.weights[0], good.weights[1], [1, 2]] }), 'weights[2]'],
      [edit({ transform: { mean: [0, 0, 0], range: [1, -1, 1] } }), 'transform.range'],
      [edit({ featureNames: ['a', 'b'] }), 'transform.mean'],
      [edit({ secretKey: 'SEVLVA' }), 'secretKey'],
      [edit({ training: { circuit: 'deep' } }), 'training.circuit'],
    ])('%s', (text, field) => {
      expect(() => Model.fromJSON(text)).toThrow(expect.objectContaining({ code: 'MODEL_INVALID', details: expect.objectContaining({ field }) }));
    });
  });
});
