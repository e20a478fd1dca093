/**
 * hekit/server: the evaluating side of encrypted training. It loads the client's public
 * material (no secret key: its backend cannot decrypt, and refuses a secret key at load),
 * loads a round's request, runs the round with the same `lowDepthRound` / `baselineRound` code
 * as `trainEncrypted` through an `InputSource` backed by the loaded ciphertexts, and returns the
 * encrypted model as one serialized reply. Guide: docs/client-server.md.
 *
 * @module hekit/server
 */
import type { Backend, Ciphertext } from '../core/index.js';
import { logreg } from '../algorithms/index.js';
import { createSealServerBackend, sealCiphertextCodec, type Compression, type PublicBytes } from '../backends/seal/index.js';
import { createSealServerPool, sealPoolCodec } from '../backends/seal/pool/index.js';
import { HeError } from '../core/errors.js';

/** Options of `createServer`: the round settings the client uses too, and the server's own choices. */
export interface ServerOptions extends logreg.RoundSettings {
  /** Compression of the replies (default 'zlib'). */
  readonly compression?: Compression;
  /** Check every SEAL op's metadata against hekit's prediction (slower; DIVERGENCE on a difference). One thread only. */
  readonly verify?: boolean;
  /**
   * SEAL threads a round runs on (default 1). Above 1, a pool of that many workers
   * (`createSealServerPool`: each loads the client's keys, none holds a secret key) runs the
   * round's ops as their operands are ready; the reply is the same round, to CKKS noise.
   */
  readonly workers?: number;
}

/** What one `runRound` did. */
export interface RoundRun {
  /** The serialized reply: the encrypted model (`w`, and `v` for the baseline). */
  readonly reply: Uint8Array;
  readonly round: number;
  /** Levels each input arrived at. */
  readonly inputLevels: ReadonlyMap<string, number>;
  /** Level of the returned w. */
  readonly outputLevel: number;
}

/** The server of one training run. `dispose()` frees its keys. */
export interface Server {
  /** The evaluation-only SEAL backend, or pool of SEAL workers (decrypt throws NO_SECRET_KEY). */
  readonly backend: Backend;
  readonly plan: logreg.TrainingPlan;
  /**
   * Runs the round a request (from `Client.request` or `Client.refresh`) asks for and returns the
   * reply. Checks before running that the round is in the plan and that the request holds exactly
   * the inputs the round uses (`logreg.roundInputLevels`) plus its start state; each input must
   * arrive at its first-use level. The request must be made under the keys this server holds
   * (DESERIALIZE on `keySet`: another client's request, replayed here) and for this plan and
   * these settings (`logreg.planFingerprint`; DESERIALIZE on `binding`). Frees everything it
   * loads. Throws DESERIALIZE (malformed, foreign or unexpected request), and what the circuit throws.
   */
  runRound(request: Uint8Array): RoundRun;
  /** Frees the keys. */
  dispose(): void;
}

/**
 * A server from the client's `serverKeys()` bytes for `plan` (parameters checked against the
 * plan's: DESERIALIZE on `fingerprint` otherwise). Rejects as `createSealServerBackend` does
 * (DESERIALIZE, PARAMS_INSECURE), and with INVALID_ARGUMENT on a bad batch size or worker count,
 * or `verify` with more than one worker.
 *
 * @example
 * ```ts
 * import { logreg } from 'hekit/algorithms';
 * import { createClient } from 'hekit/client';
 * import { createServer } from 'hekit/server';
 *
 * // One round, no refresh: the client decrypts the model it gets back.
 * const data = logreg.loadDataset({ seed: 2 });
 * const batches = logreg.minibatches(data, 1, 64);
 * const plan = logreg.planTraining({ circuit: 'lowdepth', minibatches: 1, batchSize: 64, features: data.features, ringDegree: 8192 });
 * const client = await createClient(plan, { batchSize: 64 });
 *
 * // The server side: public keys and the plan in, a request in, a reply out. It cannot decrypt.
 * const server = await createServer(client.serverKeys(), plan, { batchSize: 64 });
 * const run = server.runRound(client.request(0, batches, logreg.initialState(data.features)));
 * console.log(run.round, run.outputLevel, run.reply.length);
 * server.dispose();
 *
 * console.log(logreg.accuracy(data.test, client.decryptModel(run.reply).state.w));
 * client.dispose();
 * ```
 */
export async function createServer(serverKeys: PublicBytes, plan: logreg.TrainingPlan, options: ServerOptions): Promise<Server> {
  const config = logreg.roundConfigOf(plan, options);
  const compression = options.compression ?? 'zlib';
  const pooled = options.workers !== undefined && options.workers !== 1;
  if (pooled && options.verify === true) {
    throw new HeError('INVALID_ARGUMENT', 'createServer: verify compares each op on one thread; leave workers at 1 to verify', { op: 'createServer', argument: 'verify' });
  }
  const pool = pooled ? await createSealServerPool(serverKeys, { params: plan.params, workers: options.workers }) : null;
  const backend = pool ?? await createSealServerBackend(serverKeys, { params: plan.params, verify: options.verify ?? false });
  const codec = pool ? sealPoolCodec(pool, { compression }) : sealCiphertextCodec(backend, { compression });
  const levels = new Map<number, ReadonlyMap<string, number>>();
  const expected = (round: number): ReadonlyMap<string, number> => {
    if (!levels.has(round)) levels.set(round, logreg.roundInputLevels(plan, round, options));
    return levels.get(round)!;
  };
  const binding = logreg.planFingerprint(plan, options);
  return {
    backend,
    plan,
    runRound(request) {
      const opened = logreg.openRoundRequest(backend, codec, plan, options, request, expected);
      const start = opened.loadStart();
      let out: logreg.RoundOutput<Ciphertext> | null = null;
      try {
        out = logreg.runRound(backend, plan, opened.round, opened.source, start, config);
        const reply = logreg.saveRoundReply(codec, opened.round, out, binding);
        return { reply, round: opened.round, inputLevels: opened.source.levels(), outputLevel: backend.meta(out.w.tiles[0]!).level };
      } finally {
        for (const x of [out?.w, out?.v]) if (x) x.tiles.forEach((t) => backend.free(t));
        logreg.freeStart(backend, start);
        opened.source.free();
      }
    },
    dispose: () => backend.dispose(),
  };
}

export type { Compression, PublicBytes };
