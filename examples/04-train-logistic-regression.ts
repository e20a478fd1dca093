import { createSimBackend } from 'hekit/sim';
import { logreg } from 'hekit/algorithms';

// The client's data: MNIST 3 vs 8, split with a fixed seed, centred, scaled, labels folded in.
const data = logreg.loadDataset({ seed: 1 });
const batches = logreg.minibatches(data, 3, 64);

// Plan 128-bit parameters: the rounds that fit the chain, the encoding unit, the Galois keys.
const plan = logreg.planTraining({ circuit: 'lowdepth', minibatches: 3, batchSize: 64, features: data.features });

// Train on the simulator with SEAL's errors drawn into every result; swap in createSealBackend to run it for real.
const sim = createSimBackend(plan.params, { rotations: plan.rotations, noise: 'inject' });
const trained = logreg.trainEncrypted(sim, plan, batches);
const twin = logreg.trainPlain(batches, { rule: 'gradient', ...logreg.TRAINING_DEFAULTS });

console.log('levels', trained.rounds.map((r) => r.levelsUsed), 'of', plan.params.maxLevel);
console.log('accuracy', logreg.accuracy(data.test, trained.weights), 'twin', logreg.accuracy(data.test, twin.w));
console.log('max weight error', Math.max(...trained.weights.map((w, j) => Math.abs(w - twin.w[j]!))));
sim.dispose();
