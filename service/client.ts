/**
 * The remote client: trains against a hekit service (`hekit serve` and its workers) with the
 * client side run locally, as in `hekit/client`: keys, encryption, the flooded refresh between
 * rounds and decryption stay here; the service sees public keys and ciphertexts only. It
 * creates a job (under an idempotency key, so a retried create makes one job), uploads the keys
 * and each round's request, waits for each reply, and keeps retrying for a while when the API
 * server is unreachable (a restart), so a job survives it.
 */
import { logreg } from '../algorithms/index.js';
import { HeError } from '../core/index.js';
import { createClient, type Client, type ClientOptions, type DecryptedModel } from '../client/index.js';
import type { JobStatus } from './api/app.js';
import type { ErrorBody } from './api/errors.js';
import type { RoundFigures } from './store/jobs.js';

/** An answer of the service that is not a success: its HTTP status and the body's code and message. */
export class ServiceError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details: Record<string, unknown> = {}) {
    super(message);
  }
}

/** Options of `trainRemote`. */
export interface RemoteTrainingOptions extends Omit<ClientOptions, 'batchSize' | 'learningRate' | 'sigmoid'> {
  /** The API server's base URL (http://host:port). */
  readonly server: string;
  /** A token from `hekit token create`. */
  readonly token: string;
  /** The plan both sides derive the run from (`planTraining`'s request; `planRequestOf` makes one from a plan). */
  readonly plan: logreg.TrainingPlanRequest;
  /** The learning rate (default `TRAINING_DEFAULTS.learningRate`); rows per minibatch are the plan's. */
  readonly learningRate?: number;
  /** Every minibatch of the run, folded rows (`logreg.minibatches`, `logreg.foldedBatches`). */
  readonly batches: readonly (readonly Float64Array[])[];
  /** How often to ask whether a round is done, in ms (default 100). */
  readonly pollMs?: number;
  /** How long to keep retrying when the API server cannot be reached, in seconds (default 60). */
  readonly retrySeconds?: number;
  /**
   * Keys made earlier for this plan (`createClient`), to train several jobs under one key pair;
   * the caller frees them. Default: fresh keys, freed at the end.
   */
  readonly client?: Client;
  /** Told when the job exists and after each round. */
  readonly onProgress?: (event: RemoteProgress) => void;
}

/** What `trainRemote` tells `onProgress`. */
export type RemoteProgress =
  | { readonly kind: 'job'; readonly job: string }
  | { readonly kind: 'round-end'; readonly round: number; readonly seconds: number };

/** One round as the client saw it. */
export interface RemoteRound {
  readonly round: number;
  readonly minibatches: number;
  /** Wall-clock seconds from uploading the request to decrypting the reply. */
  readonly seconds: number;
  /** Bytes of the request uploaded. */
  readonly requestBytes: number;
  /** The weights decrypted from the reply (flooded when refreshed for another round). */
  readonly weights: Float64Array;
  /** The worker's figures (seconds, ops), as the service reports them. */
  readonly figures: RoundFigures | null;
}

/** What `trainRemote` returns. */
export interface RemoteTrainingResult {
  /** The service's job id. */
  readonly job: string;
  /** The final model, decrypted without flooding (it stays with the client). */
  readonly model: DecryptedModel;
  readonly rounds: readonly RemoteRound[];
  /** Seconds spent making the keys. */
  readonly keySeconds: number;
}

/**
 * The `planTraining` request that plans exactly `plan` (ring, primes, scale, rounds, unit), for
 * `trainRemote`: the service plans the run again from it. Throws INVALID_ARGUMENT when `plan`
 * cannot be expressed so (it was not made by `planTraining` or `planModel`).
 */
export function planRequestOf(plan: logreg.TrainingPlan, batchSize: number): logreg.TrainingPlanRequest {
  const bits = plan.params.bitSizes;
  const scaleBits = Math.log2(plan.params.scale);
  const request: logreg.TrainingPlanRequest = {
    circuit: plan.circuit, minibatches: plan.rounds.reduce((a, b) => a + b, 0), batchSize, features: plan.features,
    ringDegree: plan.params.ringDegree, scaleBits, valueBits: bits[0]! - scaleBits - 2, specialPrimeBits: bits.at(-1)!,
    minibatchesPerRound: Math.max(...plan.rounds), unitHeight: plan.unit.height, ...(plan.params.security === 'none' ? {} : { security: plan.params.security }),
  };
  const same = (p: logreg.TrainingPlan): boolean => {
    const settings = { batchSize };
    return Buffer.from(logreg.planFingerprint(p, settings)).equals(Buffer.from(logreg.planFingerprint(plan, settings)));
  };
  let again: logreg.TrainingPlan | null = null;
  try {
    again = logreg.planTraining(request);
  } catch {
    // not plannable from a request: refused below
  }
  if (again === null || !same(again)) throw new HeError('INVALID_ARGUMENT', 'this plan cannot be sent to a service: planTraining does not make it from any request', { circuit: plan.circuit });
  return request;
}

/** One HTTP client of the API with a bearer token, retrying while the server cannot be reached. */
function apiOf(base: string, token: string, retrySeconds: number) {
  const root = base.replace(/\/+$/, '');
  return async (method: string, path: string, body?: Uint8Array | object, extraHeaders: Record<string, string> = {}): Promise<Response> => {
    const headers: Record<string, string> = { ...extraHeaders, authorization: `Bearer ${token}` };
    let payload: Uint8Array | string | undefined;
    if (body instanceof Uint8Array) {
      headers['content-type'] = 'application/octet-stream';
      payload = body;
    } else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const deadline = performance.now() + retrySeconds * 1000;
    for (;;) {
      let response: Response | null = null;
      try {
        response = await fetch(`${root}/v1${path}`, { method, headers, ...(payload === undefined ? {} : { body: payload }) });
      } catch (e) {
        // Connection refused or reset: the API server is restarting. Every call here is safe to repeat
        // (POST /jobs through its Idempotency-Key).
        if (performance.now() > deadline) throw new ServiceError(0, 'UNREACHABLE', `${method} ${root}/v1${path}: ${(e as Error).message}`);
      }
      if (response !== null && response.status !== 502 && response.status !== 503) {
        if (response.ok) return response;
        const error = (await response.json().catch(() => ({}))) as Partial<ErrorBody>;
        throw new ServiceError(response.status, error.error ?? 'HTTP', `${method} ${path}: ${response.status} ${error.message ?? response.statusText}`, error.details ?? {});
      }
      if (performance.now() > deadline) throw new ServiceError(response?.status ?? 0, 'UNREACHABLE', `${method} ${root}/v1${path}: no answer within ${retrySeconds} s`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };
}

/**
 * Trains on a hekit service: plans from `options.plan`, makes the keys, creates a job, uploads
 * the public keys, then per round uploads the request, waits for the reply and refreshes
 * (flooded) into the next request; decrypts the final model. Frees its keys. Rejects with
 * ServiceError (the service refused something, or stayed unreachable) and what `hekit/client`
 * throws.
 */
export async function trainRemote(options: RemoteTrainingOptions): Promise<RemoteTrainingResult> {
  const plan = logreg.planTraining(options.plan);
  const settings = { batchSize: options.plan.batchSize, ...(options.learningRate === undefined ? {} : { learningRate: options.learningRate }) };
  const call = apiOf(options.server, options.token, options.retrySeconds ?? 60);
  const keysStart = performance.now();
  const { compression, flooding, random } = options;
  const client = options.client ?? await createClient(plan, { ...settings, ...(compression && { compression }), ...(flooding && { flooding }), ...(random && { random }) });
  try {
    const keys = client.serverKeys();
    const keySeconds = (performance.now() - keysStart) / 1000;
    // One key per run: a create retried after a lost answer finds the job the first one made.
    const job = ((await (await call('POST', '/jobs', { plan: options.plan, settings }, { 'idempotency-key': crypto.randomUUID() })).json()) as JobStatus).id;
    options.onProgress?.({ kind: 'job', job });
    await call('PUT', `/jobs/${job}/keys`, keys);
    const rounds: RemoteRound[] = [];
    let request = client.request(0, options.batches, logreg.initialState(plan.features));
    for (let round = 0; ; round++) {
      const started = performance.now();
      await call('PUT', `/jobs/${job}/rounds/${round}/request`, request);
      let status: JobStatus;
      for (;;) {
        status = (await (await call('GET', `/jobs/${job}`)).json()) as JobStatus;
        if (status.state === 'cancelled') throw new ServiceError(409, 'CANCELLED', `job ${job} was cancelled`);
        if (status.state === 'failed') {
          throw new ServiceError(500, 'ROUND_FAILED', `round ${round} of job ${job} failed on the service: ${status.roundDetails[round]!.failure}`, { job, round });
        }
        if (status.roundDetails[round]!.state === 'done') break;
        await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 100));
      }
      const reply = new Uint8Array(await (await call('GET', `/jobs/${job}/rounds/${round}/reply`)).arrayBuffer());
      const last = round === plan.rounds.length - 1;
      const next = last ? null : client.refresh(reply, options.batches);
      const model = next?.model ?? client.decryptModel(reply);
      const seconds = (performance.now() - started) / 1000;
      rounds.push({ round, minibatches: plan.rounds[round]!, seconds, requestBytes: request.length, weights: model.state.w, figures: status.roundDetails[round]!.figures });
      options.onProgress?.({ kind: 'round-end', round, seconds });
      if (next === null) return { job, model, rounds, keySeconds };
      request = next.request;
    }
  } finally {
    if (options.client === undefined) client.dispose();
  }
}
