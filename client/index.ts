/**
 * hekit/client: the data owner's side of encrypted training with a remote server. It makes the
 * keys for a training plan, exports only public material, encrypts each round's inputs at the
 * levels the server's circuit first uses them, decrypts the returned model, and refreshes it
 * (decrypt, flood, re-encrypt fresh at the top level) between rounds. The secret key never
 * leaves it except through `exportSecretKey`, for the client's own storage.
 *
 * Flooding (IND-CPA-D): a refreshed model goes back into the server's computation, so the
 * decryption error must not reach it. `refresh` adds Gaussian noise of standard deviation
 * `floodingStd(σ_e)` by default, where σ_e is the simulator's estimated error std of that reply
 * (per slot, the largest over the slots read), made when the request was built (one
 * tracking-simulator run of the round on the client's own data). The tracking estimates the
 * error rather than bounding it, so against the worst slot's error the flooding costs its
 * nominal bits (`floodingCostBits`); against the RMS error, log2(errorStd / errorRms) more.
 * Guide: docs/client-server.md; what this protects and what it does not: SECURITY.md.
 *
 * @module hekit/client
 */
import {
  floodingCostBits, floodingStd, flood, HeError, type Backend, type Ciphertext, type FloodingOptions, type RandomBytes,
} from '../core/index.js';
import { linalg, logreg } from '../algorithms/index.js';
import {
  createSealBackend, createSealClientBackend, exportSecretKey, exportServerKeys, sealCiphertextCodec,
  type Compression, type PublicBytes, type SecretKeyBytes,
} from '../backends/seal/index.js';
import { createSimBackend, type SimBackend } from '../backends/sim/index.js';

/** Options of `createClient` and `restoreClient`: the round settings both parties agree on, and the client's own choices. */
export interface ClientOptions extends logreg.RoundSettings {
  /** Compression of keys and ciphertexts (default 'zlib'; 'none' is 8x faster for keys, which hardly compress). */
  readonly compression?: Compression;
  /**
   * Flooding strength (`FloodingOptions`): statistical security s (default 30) and decryptions t
   * (default: the plan's rounds, one decryption of the model each).
   */
  readonly flooding?: FloodingOptions;
  /** The random source of the flooding noise (default: the platform's CSPRNG). For tests. */
  readonly random?: RandomBytes;
}

/** How one decrypted model was flooded. */
export interface FloodReport {
  /**
   * σ_e: the tracking simulator's estimated error std of w (and v), per slot, largest over the
   * slots read, in value units. An estimate, not a bound: the flooding covers every slot's own
   * error std, including the few slots where the key-switching bias concentrates.
   */
  readonly errorStd: { readonly w: number; readonly v: number | null };
  /** The estimated RMS error over the slots read (√ mean variance): what an observed RMS error of the decrypted weights compares with. */
  readonly errorRms: { readonly w: number; readonly v: number | null };
  /** The flooding std added to w (and v): `floodingStd(errorStd, flooding)`. */
  readonly std: { readonly w: number; readonly v: number | null };
  /** log2(std / errorStd): the bits of precision the flooding costs. */
  readonly costBits: number;
}

/** A model the client decrypted from a reply. */
export interface DecryptedModel {
  /** The reply's round. */
  readonly round: number;
  /** Weights, look-ahead point (baseline; a copy of w for the low-depth circuit) and steps trained. */
  readonly state: logreg.ModelState;
  /** How it was flooded; null when it was not. */
  readonly flooding: FloodReport | null;
}

/** Whether to flood a decryption. */
export interface DecryptOptions {
  /** Add flooding noise (see `Client.refresh` and `Client.decryptModel` for each default). */
  readonly flood?: boolean;
}

/**
 * The client of one training run: its SEAL backend holds the secret key. Not safe to share
 * across threads; `dispose()` frees the keys and the shadow simulator.
 */
export interface Client {
  /** The SEAL backend with the secret key (encrypts, decrypts). */
  readonly backend: Backend;
  readonly plan: logreg.TrainingPlan;
  /**
   * What the server needs: parameters, public, relinearization and Galois keys (`exportServerKeys`,
   * seeded: about half the bytes); never the secret key. The same bytes on every call (a restored
   * client's are those it was restored from).
   */
  serverKeys(): Uint8Array;
  /** The secret key, for the client's own storage (`restoreClient`). Never send it. */
  exportSecretKey(): SecretKeyBytes;
  /** The inputs round `round` uses and the level each is sent at (`logreg.roundInputLevels`, a metadata-only run). */
  inputLevels(round: number): ReadonlyMap<string, number>;
  /**
   * Round `round`'s request: its inputs from `batches` (all the run's minibatches, folded rows),
   * each encrypted at its level, and the start `state` encrypted fresh at the top level (ignored
   * for the low-depth circuit's round 0). Also predicts the reply's error on a tracking
   * simulator, for flooding. Throws INVALID_ARGUMENT (round, batches), and what encryption throws.
   */
  request(round: number, batches: readonly (readonly Float64Array[])[], state: logreg.ModelState): Uint8Array;
  /**
   * Decrypts a reply. Default: no flooding, because the final model stays with the client; pass
   * `{ flood: true }` before publishing it or sending it anywhere. Throws DESERIALIZE (bad
   * reply), INVALID_ARGUMENT (flooding a reply to no request of this client).
   */
  decryptModel(reply: Uint8Array, options?: DecryptOptions): DecryptedModel;
  /**
   * The refresh between rounds: decrypts the reply, **floods it by default** (`{ flood: false }`
   * opts out), and returns the next round's request built from it. Throws INVALID_ARGUMENT when
   * the reply's round is the plan's last, and what `decryptModel` and `request` throw.
   */
  refresh(reply: Uint8Array, batches: readonly (readonly Float64Array[])[], options?: DecryptOptions): { readonly request: Uint8Array; readonly model: DecryptedModel };
  /** Frees the keys and the shadow simulator. */
  dispose(): void;
}

/**
 * Keys for `plan` (its parameters and rotation steps) and a client around them. Rejects as `createSealBackend` does.
 *
 * @example
 * ```ts
 * import { logreg } from 'hekit/algorithms';
 * import { createClient } from 'hekit/client';
 * import { createServer } from 'hekit/server';
 *
 * // Two low-depth rounds of 64 samples; flooding at the defaults costs about 17 bits, hence 2^50 and N = 16384.
 * const data = logreg.loadDataset({ seed: 1 });
 * const batchSize = 64;
 * const batches = logreg.minibatches(data, 2, batchSize);
 * const plan = logreg.planTraining({
 *   circuit: 'lowdepth', minibatches: 2, batchSize, features: data.features,
 *   ringDegree: 16384, scaleBits: 50, valueBits: logreg.valueBits(batches), minibatchesPerRound: 1,
 * });
 *
 * const client = await createClient(plan, { batchSize });
 * // Only bytes cross between the two sides; serverKeys() holds no secret key.
 * const server = await createServer(client.serverKeys(), plan, { batchSize });
 * const reply0 = server.runRound(client.request(0, batches, logreg.initialState(data.features))).reply;
 * const { request } = client.refresh(reply0, batches); // decrypt, flood, encrypt afresh
 * const final = client.decryptModel(server.runRound(request).reply); // the final model, not flooded
 * console.log(logreg.accuracy(data.test, final.state.w));
 * server.dispose();
 * client.dispose();
 * ```
 */
export async function createClient(plan: logreg.TrainingPlan, options: ClientOptions): Promise<Client> {
  return new SealClient(await createSealBackend(plan.params, { rotations: plan.rotations, seededEncryption: true }), plan, options);
}

/**
 * A client from keys it stored: `serverKeys` (from `serverKeys()`) and the secret key (from
 * `exportSecretKey()`), checked to be one key pair for `plan`'s parameters. Rejects with
 * DESERIALIZE as `createSealClientBackend` does.
 */
export async function restoreClient(plan: logreg.TrainingPlan, serverKeys: PublicBytes, secretKey: SecretKeyBytes, options: ClientOptions): Promise<Client> {
  return new SealClient(await createSealClientBackend(serverKeys, secretKey, { params: plan.params, seededEncryption: true }), plan, options, serverKeys);
}

/** Largest and RMS estimated error std over the slots `decryptColVector` reads (row 0 of each tile). */
function readStd(sim: SimBackend, x: linalg.EncryptedColVector<Ciphertext>): { max: number; rms: number } {
  let max = 0, sum2 = 0, count = 0;
  const n = x.unit.width;
  x.tiles.forEach((tile, j) => {
    const { std } = sim.noise(tile);
    for (let c = 0; c < n && j * n + c < x.length; c++) {
      max = Math.max(max, std[c]!);
      sum2 += std[c]! ** 2;
      count++;
    }
  });
  return { max, rms: Math.sqrt(sum2 / count) };
}

/** The estimated error of a reply's w and v. */
interface ReplyError {
  readonly std: { w: number; v: number | null };
  readonly rms: { w: number; v: number | null };
}

class SealClient implements Client {
  readonly #config: ReturnType<typeof logreg.roundConfigOf>;
  readonly #levels = new Map<number, ReadonlyMap<string, number>>();
  /** Round -> the estimated error of its reply, recorded by `request`. */
  readonly #predicted = new Map<number, ReplyError>();
  /** `logreg.planFingerprint` of the plan and settings: every request and reply is bound to it. */
  readonly #binding: Uint8Array;
  #sim: SimBackend | null = null;
  /** Exported once: each export makes fresh keys, and a job takes one set. */
  #serverKeys: Uint8Array | undefined;

  constructor(readonly backend: Backend, readonly plan: logreg.TrainingPlan, private readonly options: ClientOptions, serverKeys?: Uint8Array) {
    this.#serverKeys = serverKeys?.slice();
    try {
      this.#config = logreg.roundConfigOf(plan, options);
      this.#binding = logreg.planFingerprint(plan, options);
    } catch (e) {
      backend.dispose();
      throw e;
    }
  }

  serverKeys(): Uint8Array {
    this.#serverKeys ??= exportServerKeys(this.backend, { compression: this.options.compression ?? 'zlib' });
    return this.#serverKeys.slice();
  }

  exportSecretKey(): SecretKeyBytes {
    return exportSecretKey(this.backend, { compression: this.options.compression ?? 'zlib' });
  }

  inputLevels(round: number): ReadonlyMap<string, number> {
    let levels = this.#levels.get(round);
    if (!levels) {
      levels = logreg.roundInputLevels(this.plan, round, this.options);
      this.#levels.set(round, levels);
    }
    return levels;
  }

  #roundBatches(round: number, batches: readonly (readonly Float64Array[])[]): readonly (readonly Float64Array[])[] {
    const total = this.plan.rounds.reduce((a, b) => a + b, 0);
    if (batches.length !== total) throw new HeError('INVALID_ARGUMENT', `the plan is for ${total} minibatches; got ${batches.length}`, { planned: total, got: batches.length });
    const { first, minibatches } = logreg.roundSpan(this.plan, round);
    const slice = batches.slice(first, first + minibatches);
    if (slice.some((b) => b.length !== this.#config.batchSize || b.some((z) => z.length !== this.plan.features))) {
      throw new HeError('INVALID_ARGUMENT', `every minibatch must have ${this.#config.batchSize} rows of ${this.plan.features} features`, { batchSize: this.#config.batchSize });
    }
    return slice;
  }

  request(round: number, batches: readonly (readonly Float64Array[])[], state: logreg.ModelState): Uint8Array {
    const roundBatches = this.#roundBatches(round, batches);
    const levels = this.inputLevels(round);
    const firstStepScale = logreg.stepCubic(this.#config)[0];
    const plain = logreg.plainInputs(roundBatches, firstStepScale, this.plan.unit);
    this.#predicted.set(round, this.#predict(round, plain, state, roundBatches[0]!));
    const ev = this.backend;
    const source = new logreg.EncryptingSource(ev, this.plan.unit, this.#config.ladder, plain);
    let start: logreg.EncryptedStart<Ciphertext> = null;
    try {
      const inputs = new Map([...levels].map(([name, level]) => [name, source.matrix(name, level)] as const));
      start = logreg.encryptStart(ev, this.plan, round, state, roundBatches[0]!);
      return logreg.saveRoundRequest(sealCiphertextCodec(ev, { compression: this.options.compression ?? 'zlib' }), round, inputs, start, this.#binding);
    } finally {
      logreg.freeStart(ev, start);
      source.free();
    }
  }

  /** The round on a tracking simulator, from the same data and start: the predicted error of the reply. */
  #predict(round: number, plain: (name: string) => number[][], state: logreg.ModelState, firstBatch: readonly Float64Array[]): ReplyError {
    this.#sim ??= createSimBackend(this.plan.params, { rotations: this.plan.rotations, noise: 'track' });
    const sim = this.#sim;
    return sim.scope(() => {
      const source = new logreg.EncryptingSource(sim, this.plan.unit, this.#config.ladder, plain);
      const start = logreg.encryptStart(sim, this.plan, round, state, firstBatch);
      const out = logreg.runRound(sim, this.plan, round, source, start, this.#config);
      const w = readStd(sim, out.w);
      const v = out.v === null ? null : readStd(sim, out.v);
      return { std: { w: w.max, v: v?.max ?? null }, rms: { w: w.rms, v: v?.rms ?? null } };
    });
  }

  decryptModel(reply: Uint8Array, options: DecryptOptions = {}): DecryptedModel {
    return this.#decrypt(reply, options.flood ?? false);
  }

  #decrypt(reply: Uint8Array, flooding: boolean): DecryptedModel {
    const ev = this.backend;
    const { round, output } = logreg.loadRoundReply(sealCiphertextCodec(ev), this.plan, reply, this.#binding);
    let w: Float64Array, v: Float64Array | null;
    try {
      w = linalg.decryptColVector(ev, output.w);
      v = output.v === null ? null : linalg.decryptColVector(ev, output.v);
    } finally {
      linalg.freeAll(ev, output.w);
      if (output.v) linalg.freeAll(ev, output.v);
    }
    let report: FloodReport | null = null;
    if (flooding) {
      const predicted = this.#predicted.get(round);
      if (!predicted) {
        throw new HeError('INVALID_ARGUMENT', `cannot size the flooding of round ${round}'s reply: this client made no request for that round (its error prediction is made then)`, { round });
      }
      const options = { decryptions: this.plan.rounds.length, ...this.options.flooding };
      const errorStd = predicted.std;
      const std = { w: floodingStd(errorStd.w, options), v: errorStd.v === null ? null : floodingStd(errorStd.v, options) };
      w = flood(w, std.w, this.options.random);
      if (v !== null) v = flood(v, std.v!, this.options.random);
      report = { errorStd, errorRms: predicted.rms, std, costBits: floodingCostBits(options) };
    }
    return { round, state: { w, v: v ?? Float64Array.from(w), step: output.step }, flooding: report };
  }

  refresh(reply: Uint8Array, batches: readonly (readonly Float64Array[])[], options: DecryptOptions = {}): { readonly request: Uint8Array; readonly model: DecryptedModel } {
    const model = this.#decrypt(reply, options.flood ?? true);
    if (model.round + 1 >= this.plan.rounds.length) {
      throw new HeError('INVALID_ARGUMENT', `round ${model.round} is the plan's last: decrypt its reply with decryptModel`, { round: model.round });
    }
    return { request: this.request(model.round + 1, batches, model.state), model };
  }

  dispose(): void {
    this.#sim?.dispose();
    this.#sim = null;
    this.backend.dispose();
  }
}

export {
  FLOODING_DEFAULTS, flood, floodingCostBits, floodingFactor, floodingStd, secureGaussian, secureRandomBytes,
  type FloodingOptions, type RandomBytes,
} from '../core/flooding.js';
export type { Compression, PublicBytes, SecretKeyBytes };
