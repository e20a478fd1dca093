import { createSealPool } from './backends/seal/pool/index.js';
import { createSealBackend } from './backends/seal/index.js';
import { logreg } from './algorithms/index.js';
import type { Ciphertext } from './core/index.js';
const data = logreg.loadDataset({ seed: 1 });
const k = Number(process.argv[2] ?? 3);
const batches = logreg.minibatches(data, k, 256);
const plan = logreg.planTraining({ circuit: 'lowdepth', minibatches: k, batchSize: 256, features: data.features, minibatchesPerRound: k, ringDegree: 16384 });
const circuit = logreg.roundCircuit('lowdepth', batches);
for (const make of [() => createSealPool(plan.params, { workers: 2, rotations: plan.rotations, depthPerWorker: Number(process.env.DEPTH ?? 2) }), () => createSealBackend(plan.params, { rotations: plan.rotations })]) {
  const ev = await make();
  const t = performance.now();
  const outs = ev.scope(() => circuit(ev)) as Ciphertext[];
  const rec = performance.now() - t;
  const w = ev.decrypt(outs[0]!);
  console.log(ev.name, 'recorded', (rec / 1000).toFixed(2), 'total', ((performance.now() - t) / 1000).toFixed(2), 's', w[0]);
  if ('poolStats' in ev) console.log(JSON.stringify((ev as any).poolStats()));
  ev.dispose();
}
