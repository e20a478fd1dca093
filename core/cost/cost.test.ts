import { describe, expect, it } from 'vitest';
import { analyze } from '../analysis/analyze.js';
import { HeError } from '../errors.js';
import type { Evaluator } from '../evaluator.js';
import { createParams } from '../params/index.js';
import { evaluatePolynomial, fitPolynomial, worstRelativeResidual } from './fit.js';
import { checkCalibration, COST_OPS, createCostModel, evaluationKeyBytes, type Calibration, type CostOp } from './model.js';
import { predictTime } from './predict.js';

/** A calibration whose op o at L primes costs (i_o + 1)·L ms (key switches (i_o + 1)·L²) at N = 8192, exactly. */
function fixed(): Calibration {
  const cost = (op: CostOp, primes: number): number => (COST_OPS.indexOf(op) + 1) * (op === 'rotate' || op === 'relinearize' ? primes * primes : primes);
  return {
    format: 'hekit/calibration', version: 4, machine: { cpu: 'test', cores: 2, node: '20', nodeSeal: '6.0.3' }, created: '2026-01-01',
    rings: [{
      ringDegree: 8192,
      ops: COST_OPS.flatMap((op) => [2, 3, 5].map((primes) => ({ op, primes, ms: cost(op, primes) }))),
      keys: [2, 4, 6].map((primes) => ({ primes, keysMs: 10 * primes * primes, galoisKeyMs: primes * primes })),
    }],
    transferMsPerMiB: 4, heapGrowthMsPerMiB: 0, pool: { workerStartMs: 300, runMs: 50, slowdown: 1.25 },
  };
}

describe('cost model', () => {
  it('fits polynomials in relative least squares', () => {
    const points = [1, 2, 3, 4].map((x) => ({ x, y: 2 + 3 * x + 0.5 * x * x }));
    const p = fitPolynomial(points, 2);
    expect(evaluatePolynomial(p, 10)).toBeCloseTo(82, 8);
    expect(worstRelativeResidual(p, points)).toBeLessThan(1e-9);
    // Fewer distinct points than coefficients: the degree drops. The constant minimizing
    // ((c - 4)/4)² + ((c - 6)/6)² is (1/4 + 1/6) / (1/16 + 1/36) = 60/13, nearer the smaller.
    const constant = fitPolynomial([{ x: 2, y: 4 }, { x: 2, y: 6 }], 2);
    expect(constant).toHaveLength(1);
    expect(constant[0]).toBeCloseTo(60 / 13, 12);
  });

  it('prices ops quadratically (key switches) or linearly (the rest) in the primes, and keys and transfers', () => {
    const model = createCostModel(fixed(), 'defaults');
    expect(model.opMs('rotate', 8192, 8)).toBeCloseTo(9 * 64, 6);
    expect(model.opMs('mul', 8192, 8)).toBeCloseTo(6 * 8, 6);
    expect(model.keyGenMs(8192, 3, 4)).toBeCloseTo(90 + 4 * 9, 6);
    // A fresh heap's memory at 1 ms per MiB: the public key and 5 key-switching keys over 4 primes,
    // 2·8192·4·8 bytes each per data prime: 0.5 MiB · (1 + 5·3) = 8 MiB.
    expect(evaluationKeyBytes(8192, 3, 4)).toBe(8 * 2 ** 20);
    const growing = createCostModel({ ...fixed(), heapGrowthMsPerMiB: 1 }, 'defaults');
    expect(growing.keyGenMs(8192, 3, 4)).toBeCloseTo(90 + 4 * 9 + 8, 6);
    // A heap whose first 3 MiB were written before pays for the other 5; one written beyond the keys, for none.
    expect(growing.keyGenMs(8192, 3, 4, 3 * 2 ** 20)).toBeCloseTo(90 + 4 * 9 + 5, 6);
    expect(growing.keyGenMs(8192, 3, 4, 2 ** 30)).toBeCloseTo(90 + 4 * 9, 6);
    expect(growing.poolSetUpMs(2, 2, 8192, 3, 4, 3 * 2 ** 20)).toBeCloseTo(300 + 1.25 * (90 + 4 * 9 + 5), 6);
    expect(model.transferMs(2 ** 21)).toBeCloseTo(8, 9);
    // A pool at 3 data primes with 4 Galois keys each: each worker starts in 300 ms and makes its
    // keys (90 + 4·9 ms) 1.5x slower beside the others: 489 ms. Two workers on 2 or 4 cores run
    // side by side; three on 2 cores share them.
    const pool = createCostModel({ ...fixed(), pool: { ...fixed().pool, slowdown: 1.5 } }, 'defaults');
    expect(pool.poolSetUpMs(2, 2, 8192, 3, 4)).toBeCloseTo(300 + 1.5 * 126, 9);
    expect(pool.poolSetUpMs(2, 4, 8192, 3, 4)).toBeCloseTo(489, 9);
    expect(pool.poolSetUpMs(3, 2, 8192, 3, 4)).toBeCloseTo(1.5 * 489, 9);
    // A ring that was not calibrated: scaled by N·log N from the nearest.
    expect(model.opMs('add', 16384, 4)).toBeCloseTo(3 * 4 * 2 * (14 / 13), 6);
    expect(model.fits.every((f) => f.worstResidual < 1e-9)).toBe(true);
  });

  it('refuses a calibration that is not one', () => {
    // Version 1 priced a pool by loading keys made on the main thread, 2 by its main thread making
    // the secret key (the worker start absorbed it), 3 had no encryption under the secret key: read
    // them no more, and say why.
    expect(() => checkCalibration({ ...fixed(), version: 1, pool: { workerStartMs: 300, keyLoadMsPerMiB: 2 } }))
      .toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('run hekit calibrate again') }));
    for (const version of [2, 3]) {
      expect(() => checkCalibration({ ...fixed(), version })).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('this hekit reads version 4') }));
    }
    expect(() => checkCalibration({ ...fixed(), pool: {} })).toThrow(HeError);
    expect(() => checkCalibration({ ...fixed(), heapGrowthMsPerMiB: -1 })).toThrowError(expect.objectContaining({ details: expect.objectContaining({ field: 'heapGrowthMsPerMiB' }) }));
    expect(() => checkCalibration({ ...fixed(), rings: [{ ringDegree: 8192, ops: [{ op: 'fly', primes: 2, ms: 1 }], keys: [] }] }))
      .toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT', details: expect.objectContaining({ field: 'rings[N = 8192].ops' }) }));
    expect(checkCalibration(JSON.parse(JSON.stringify(fixed())))).toEqual(fixed());
    expect(() => createCostModel({ ...fixed(), rings: [{ ringDegree: 8192, ops: [], keys: [] }] }, 'calibrated')).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('predictTime', () => {
  const params = createParams({ ringDegree: 8192, bitSizes: [45, 35, 35, 45], scale: 2 ** 35 });
  /** Two independent squarings (each at 3 primes: mul 6·3, relinearize 7·9, rescale 8·3 ms), then their sum at 2 primes (3·2 ms). */
  const circuit = <C>(ev: Evaluator<C>): C => {
    const sq = (v: number): C => ev.rescale(ev.relinearize(ev.square(ev.encrypt(v))));
    return ev.add(sq(0.5), sq(0.25));
  };
  const model = createCostModel(fixed(), 'defaults');
  const chain = 1 * 3 + 6 * 3 + 7 * 9 + 8 * 3; // encrypt, square, relinearize, rescale: 108 ms

  it('prices an encryption under the secret key as its own op, at the chain\'s top', () => {
    // Index 9: 10 ms per prime, against the public key's 1 (a table, not a machine); 3 primes at the top.
    const graph = analyze(<C>(ev: Evaluator<C>): C[] => [ev.encrypt(0.5, { symmetric: true }), ev.encrypt(0.5, { level: 1 })], { params });
    expect(graph.nodes.map((n) => n.symmetric ?? false)).toEqual([true, false]);
    const t = predictTime(graph, model);
    expect(t.byOp.encryptSymmetric).toBeCloseTo(10 * 3 / 1000, 9);
    expect(t.byOp.encrypt).toBeCloseTo(1 * 3 / 1000, 9);
  });

  it('is the work on one thread, and on a pool its schedule replayed: side by side, slower, with transfers', () => {
    const one = analyze(circuit, { params, cost: { model } }).time!;
    expect(one.workSeconds).toBeCloseTo((2 * chain + 3 * 2) / 1000, 9);
    expect(one.criticalPathSeconds).toBeCloseTo((chain + 6) / 1000, 9);
    expect(one.seconds).toBeCloseTo(one.workSeconds, 12);
    expect(one.byOp.relinearize).toBeCloseTo(2 * 63 / 1000, 9);
    // Two workers: the squarings run side by side, each op 1.25x slower there; the sum waits for
    // the other worker's square (2 primes, degree 1: 0.25 MiB, 1 ms at 4 ms per MiB), and the run
    // costs 50 ms more.
    const two = predictTime(analyze(circuit, { params }), model, 2);
    expect(two.workSeconds).toBeCloseTo(one.workSeconds, 12);
    expect(two.seconds).toBeCloseTo((1.25 * chain + 1 + 1.25 * 6 + 50) / 1000, 9);
    // A graph narrower than the pool: its one chain, at the pool's prices.
    const serial = <C>(ev: Evaluator<C>): C => ev.rescale(ev.relinearize(ev.square(ev.encrypt(0.5))));
    const narrow = predictTime(analyze(serial, { params }), model, 2);
    expect(narrow.seconds).toBeCloseTo((1.25 * chain + 50) / 1000, 9);
    // Three chains on two workers, op by op (1.25x: encrypt 3.75, square 22.5, relinearize 78.75,
    // rescale 30 ms; moving a ciphertext 1.5 ms, 2.25 with degree 2): each op goes where it finishes
    // first. Worker 0 runs the first chain's relinearization (ends at 112.5 ms) and then, with the
    // third chain's square moved over (+2.25), the third's: 193.5; its rescale ends at 223.5 ms,
    // while worker 1 takes the first two chains' rescales. Less than a chain after two (270 ms).
    const three = <C>(ev: Evaluator<C>): C[] => [0.5, 0.25, 0.125].map((v) => ev.rescale(ev.relinearize(ev.square(ev.encrypt(v)))));
    expect(predictTime(analyze(three, { params }), model, 2).seconds).toBeCloseTo((223.5 + 50) / 1000, 9);
    expect(() => predictTime(analyze(circuit, { params }), model, 0)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('runs each rotation where its Galois key is, when the keys are split', () => {
    // Two rotations by 1 of one fresh ciphertext (3 primes): side by side when both workers hold
    // the key, the second after moving the ciphertext over (0.375 MiB, 1.5 ms); one after the other
    // on the one worker that holds it when the keys are split.
    const twice = <C>(ev: Evaluator<C>): C[] => {
      const x = ev.encrypt(0.5);
      return [ev.rotate(x, 1), ev.rotate(x, 1)];
    };
    const graph = analyze(twice, { params, rotations: [1, 2] });
    const [encrypt, rotate] = [1.25 * (COST_OPS.indexOf('encrypt') + 1) * 3, 1.25 * (COST_OPS.indexOf('rotate') + 1) * 9];
    expect(predictTime(graph, model, 2).seconds).toBeCloseTo((encrypt + 1.5 + rotate + 50) / 1000, 9);
    expect(predictTime(graph, model, 2, { galoisSteps: [[1, 2], [1]] }).seconds).toBeCloseTo((encrypt + 1.5 + rotate + 50) / 1000, 9);
    expect(predictTime(graph, model, 2, { galoisSteps: [[2], [1]] }).seconds).toBeCloseTo((encrypt + 1.5 + 2 * rotate + 50) / 1000, 9);
    // A step slots - 1 is the same Galois element as -1.
    expect(predictTime(graph, model, 2, { galoisSteps: [[params.slots + 1 - 2], [1 - params.slots]] }).seconds).toBeCloseTo((encrypt + 1.5 + 2 * rotate + 50) / 1000, 9);
    expect(() => predictTime(graph, model, 2, { galoisSteps: [[1]] })).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
