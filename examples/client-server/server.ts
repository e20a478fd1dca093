/**
 * The server process: reads only the exchange directory (plan, public keys, requests), never a
 * secret key, and answers each round's request with the encrypted model.
 * Usage: node --import tsx examples/client-server/server.ts <exchange dir>
 */
import { logreg } from 'hekit/algorithms';
import { createServer } from 'hekit/server';
import { put, take, type RunSpec } from './exchange.js';

const [exchange] = process.argv.slice(2) as [string];
const spec = JSON.parse(new TextDecoder().decode(await take(exchange, 'plan.json'))) as RunSpec;
const plan = logreg.planTraining(spec.request);
// Loading checks every byte, the parameters against the plan's, and refuses a secret key.
const server = await createServer(await take(exchange, 'keys.bin'), plan, { batchSize: spec.batchSize, compression: 'none' });
for (let round = 0; round < plan.rounds.length; round++) {
  const { reply, inputLevels } = server.runRound(await take(exchange, `request-${round}.bin`));
  put(exchange, `reply-${round}.bin`, reply);
  console.error(`server: round ${round} done (inputs at levels ${[...inputLevels].map(([n, l]) => `${n}:${l}`).join(' ')})`);
}
server.dispose();
