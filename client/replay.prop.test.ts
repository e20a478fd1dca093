/**
 * Fuzzing the training server with replayed and re-bound requests (issue 20 items 2 and 6):
 * requests of this client, of another client (another key pair, same plan), of this client's
 * keys with other settings, and forged ones (round field or binding edited, checksum
 * recomputed), sent to this client's server or to the other one. Property: DESERIALIZE naming
 * the field, or a reply for the request's round under the requester's key set, with the
 * metadata of the legitimate reply. Every (request, server) pair runs once as an example, then a
 * few seeded random repeats (replays of replays). N = 8192: a round takes about a second.
 */
import { crc32 } from '@foxglove/crc';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logreg } from '../algorithms/index.js';
import { HeError } from '../core/index.js';
import { createServer, type Server } from '../server/index.js';
import { createClient, restoreClient, type Client } from './index.js';

const SEED = 20_261_204;
const data = logreg.loadDataset({ seed: 1 });
const batchSize = 64;
const batches = logreg.minibatches(data, 2, batchSize);
const plan = logreg.planTraining({ circuit: 'lowdepth', minibatches: 2, batchSize, features: data.features, ringDegree: 8192, scaleBits: 28, minibatchesPerRound: 1 });

/** The bundle with `from` replaced by `to` (same length) in its manifest, checksum recomputed. */
function edited(bundle: Uint8Array, from: string, to: string): Uint8Array {
  const bytes = bundle.slice();
  const text = new TextDecoder().decode(bytes.subarray(128 + 4, 128 + 4 + new DataView(bytes.buffer).getUint32(128, true)));
  const at = text.indexOf(from);
  expect(at).toBeGreaterThanOrEqual(0);
  bytes.set(new TextEncoder().encode(to), 128 + 4 + at);
  const view = new DataView(bytes.buffer);
  view.setUint32(76, 0, true);
  view.setUint32(76, crc32(bytes), true);
  return bytes;
}

let a: Client, b: Client, aOtherRate: Client;
let serverA: Server, serverB: Server;
beforeAll(async () => {
  a = await createClient(plan, { batchSize, compression: 'none' });
  b = await createClient(plan, { batchSize, compression: 'none' });
  aOtherRate = await restoreClient(plan, a.serverKeys(), a.exportSecretKey(), { batchSize, learningRate: 2 * logreg.TRAINING_DEFAULTS.learningRate });
  serverA = await createServer(a.serverKeys(), plan, { batchSize, compression: 'none' });
  serverB = await createServer(b.serverKeys(), plan, { batchSize, compression: 'none' });
}, 120_000);
afterAll(() => [serverA, serverB, a, b, aOtherRate].forEach((x) => x.dispose()));

describe('replayed and re-bound round requests', () => {
  it('end in DESERIALIZE naming the field, or in the requester\'s own reply', () => {
    const start = logreg.initialState(data.features);
    const r0 = a.request(0, batches, start);
    const reply0 = serverA.runRound(r0);
    const r1 = a.refresh(reply0.reply, batches, { flood: false }).request;
    const binding = Buffer.from(logreg.planFingerprint(plan, { batchSize })).toString('hex');
    const requests: ReadonlyArray<{ name: string; bytes: Uint8Array; owner: 'a' | 'b' | null; round: number }> = [
      { name: 'A round 0', bytes: r0, owner: 'a', round: 0 },
      { name: 'A round 1', bytes: r1, owner: 'a', round: 1 },
      { name: 'B round 0', bytes: b.request(0, batches, start), owner: 'b', round: 0 },
      { name: 'A keys, learning rate x2', bytes: aOtherRate.request(0, batches, start), owner: null, round: 0 },
      { name: 'A round 0 relabelled round 1', bytes: edited(r0, '"round":0', '"round":1'), owner: null, round: 1 },
      { name: 'A round 1 relabelled round 0', bytes: edited(r1, '"round":1', '"round":0'), owner: null, round: 0 },
      { name: 'A round 0, binding edited', bytes: edited(r0, binding.slice(0, 8), binding.slice(0, 7) + (binding[7] === '0' ? '1' : '0')), owner: null, round: 0 },
    ];
    const servers = { a: serverA, b: serverB };
    const clients = { a, b };
    const legit = new Map<number, string>([[0, JSON.stringify(metaOf(reply0.reply))]]);
    const tally: Record<string, { tried: number; refused: number; accepted: number; fields: string[] }> = {};
    fc.assert(fc.property(fc.nat({ max: requests.length - 1 }), fc.constantFrom('a', 'b') as fc.Arbitrary<'a' | 'b'>, (i, s) => {
      const request = requests[i]!;
      const t = (tally[`${request.name} -> server ${s.toUpperCase()}`] ??= { tried: 0, refused: 0, accepted: 0, fields: [] });
      t.tried++;
      try {
        const run = servers[s].runRound(request.bytes);
        t.accepted++;
        // Only a request of the server's own client, untouched, runs; its reply is the requester's round, decryptable by it.
        expect(request.owner).toBe(s);
        expect(run.round).toBe(request.round);
        const model = clients[s].decryptModel(run.reply);
        expect(model.round).toBe(request.round);
        if (s === 'a') {
          const meta = JSON.stringify(metaOf(run.reply));
          if (!legit.has(run.round)) legit.set(run.round, meta);
          expect(meta).toBe(legit.get(run.round));
        }
      } catch (e) {
        if (!(e instanceof HeError)) throw e;
        expect(e.code).toBe('DESERIALIZE');
        expect(request.owner === s).toBe(false);
        t.refused++;
        if (!t.fields.includes(String(e.details['field']))) t.fields.push(String(e.details['field']));
      }
      expect(servers[s].backend.memory().ciphertexts).toBe(0);
    }), { seed: SEED, numRuns: 2 * requests.length + 6, examples: requests.flatMap((_, i) => [[i, 'a'], [i, 'b']] as [number, 'a' | 'b'][]) });
    console.info(`replayed requests: ${JSON.stringify(tally)}`);
  }, 300_000);
});

/** Level, scale and degree of each tile of the reply's w, read from the envelope headers (no keys needed). */
function metaOf(reply: Uint8Array): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  for (let i = 0; i + 128 <= reply.length; i++) {
    if (reply[i] === 0x48 && reply[i + 1] === 0x45 && reply[i + 2] === 0x4b && reply[i + 3] === 0x54 && reply[i + 6] === 6) {
      const v = new DataView(reply.buffer, reply.byteOffset + i);
      out.push([v.getUint32(40, true), v.getFloat64(48, true), v.getUint32(44, true)]);
    }
  }
  return out;
}
