import { analyze, paired, type Evaluator } from 'hekit';
import { createSimBackend, planParams } from 'hekit/sim';
import { createSealBackend } from 'hekit/seal';
import { evaluatePolynomial, innerProductPlain, sigmoidCubic8 } from 'hekit/algorithms';

// Encrypted inference, written once: σ(w·x) for a private x and public weights w.
const x = [0.8, -0.3, 0.5, 0.1, -0.9, 0.4, 0.2, -0.6];
const w = [1.5, -2, 0.5, 3, 1, -1, 2, 0.5];
const predict = <C>(ev: Evaluator<C>) => evaluatePolynomial(ev, innerProductPlain(ev, ev.encrypt(x), w, 8), sigmoidCubic8.coefficients);

// 1. Analyze: metadata only, no keys, no parameters.
const report = analyze(predict);
console.log('depth', report.depth, 'ct×ct', report.ops.mul + report.ops.square, 'rotation keys', report.rotations);

// 2. Plan: the smallest 128-bit secure parameters for 20 bits of precision.
const plan = planParams(predict, { precisionBits: 20 });
console.log('N', plan.params.ringDegree, 'bit sizes', plan.params.bitSizes);

// 3. Simulate: milliseconds, with the predicted error.
const sim = createSimBackend(plan.params, { rotations: plan.rotations });
const simulated = sim.scope(() => predict(sim));
console.log('simulated', sim.decrypt(simulated)[0], 'precision bits', sim.noise(simulated).precisionBits);

// 4. Run on SEAL in lockstep with the simulator: every op is checked against its prediction.
const seal = await createSealBackend(plan.params, { rotations: plan.rotations });
const ev = paired(seal, createSimBackend(plan.params, { rotations: plan.rotations }), { ownsBackends: true });
console.log('seal', ev.decrypt(predict(ev))[0], 'ops checked', ev.opCount, 'closest to its bound', ev.closest.ratio);
ev.dispose();
sim.dispose();
