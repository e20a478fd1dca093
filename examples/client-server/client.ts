/**
 * The client process: owns the data and the secret key. Writes the plan, the server keys and
 * each round's request into the exchange directory; keeps its secret key in a directory of its
 * own; refreshes the model between rounds (flooded by default) and prints the result as JSON.
 * Usage: node --import tsx examples/client-server/client.ts <exchange dir> <client-only dir>
 */
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { logreg } from 'hekit/algorithms';
import { createClient } from 'hekit/client';
import { put, take, type RunSpec } from './exchange.js';

const [exchange, own] = process.argv.slice(2) as [string, string];
const t0 = performance.now();

// The client's data: MNIST 3 vs 8, two minibatches of 64, one low-depth round each.
const data = logreg.loadDataset({ seed: 1 });
const batchSize = 64;
const batches = logreg.minibatches(data, 2, batchSize);
// Flooding at the defaults costs about 17 bits, so the scale is 2^50 and N = 16384.
const spec: RunSpec = {
  request: { circuit: 'lowdepth', minibatches: 2, batchSize, features: data.features, ringDegree: 16384, scaleBits: 50, valueBits: logreg.valueBits(batches), minibatchesPerRound: 1 },
  batchSize,
};
const plan = logreg.planTraining(spec.request);
put(exchange, 'plan.json', JSON.stringify(spec));

const client = await createClient(plan, { batchSize, compression: 'none' });
writeFileSync(join(own, 'secret.key'), client.exportSecretKey()); // stays on the client's side
const keys = client.serverKeys();
put(exchange, 'keys.bin', keys);
put(exchange, 'request-0.bin', client.request(0, batches, logreg.initialState(data.features)));

// Refresh: decrypt round 0's model, flood it (the default), encrypt it fresh for round 1.
const reply0 = await take(exchange, 'reply-0.bin');
const { request, model } = client.refresh(reply0, batches);
put(exchange, 'request-1.bin', request);
const unflooded = client.decryptModel(reply0).state.w; // for the report only: never sent anywhere

const reply1 = await take(exchange, 'reply-1.bin');
const final = client.decryptModel(reply1); // the final model stays here: not flooded by default
client.dispose();

const twin0 = logreg.trainPlain(batches.slice(0, 1), { rule: 'gradient', ...logreg.TRAINING_DEFAULTS }).w;
const twin = logreg.trainPlain(batches, { rule: 'gradient', ...logreg.TRAINING_DEFAULTS }).w;
const rms = (a: Float64Array, b: Float64Array): number => Math.sqrt(a.reduce((s, x, i) => s + (x - b[i]!) ** 2, 0) / a.length);
const flooding = model.flooding!;
console.log(JSON.stringify({
  rounds: plan.rounds.length,
  params: { ringDegree: plan.params.ringDegree, bitSizes: plan.params.bitSizes },
  keysMiB: keys.length / 2 ** 20,
  flooding: {
    predictedErrorStd: flooding.errorStd.w, predictedErrorRms: flooding.errorRms.w, std: flooding.std.w, costBits: flooding.costBits,
    sealErrorRms: rms(unflooded, twin0), floodedErrorRms: rms(model.state.w, twin0),
  },
  weightsMaxAbsDiff: Math.max(...final.state.w.map((w, j) => Math.abs(w - twin[j]!))),
  accuracy: { encrypted: logreg.accuracy(data.test, final.state.w), twin: logreg.accuracy(data.test, twin) },
  seconds: (performance.now() - t0) / 1000,
}));
