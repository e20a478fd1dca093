/**
 * Messages between the pool's scheduler (main thread) and its workers. Ciphertexts stay in the
 * worker that computed them; they move as SEAL bytes (uncompressed, see transfer.ts) only when an op on
 * another worker, or a decryption elsewhere, needs them.
 */
import type { MessagePort } from 'node:worker_threads';
import type { HeErrorCode } from '../../../core/errors.js';
import type { PoolKeys } from './keys.js';

/** Ops a worker runs: the Evaluator's, with 'copy' for the checked layer's no-ops. */
export type PoolOp =
  | 'encrypt' | 'add' | 'sub' | 'neg' | 'addPlain' | 'mulPlain' | 'mul' | 'square'
  | 'relinearize' | 'rescale' | 'dropLevelTo' | 'rotate' | 'copy';

/** Non-ciphertext arguments of an op. */
export interface OpArgs {
  readonly values?: Float64Array;
  readonly level?: number;
  readonly scale?: number;
  readonly step?: number;
  /** An 'encrypt' under the secret key (workers that made their keys hold it). */
  readonly symmetric?: boolean;
}

export type Task =
  /** Compute `id` from `inputs` (ids held by the worker, or delivered in `loads` first). */
  | { readonly type: 'op'; readonly id: number; readonly op: PoolOp; readonly inputs: readonly number[]; readonly args: OpArgs; readonly loads: readonly Load[] }
  /** Send `id`'s bytes to the scheduler. */
  | { readonly type: 'save'; readonly id: number }
  /** A worker that made its keys: decrypt `id`, held here or delivered as `bytes` (not kept), and send its values. */
  | { readonly type: 'decrypt'; readonly id: number; readonly bytes: Uint8Array | null }
  /** Free these ids. */
  | { readonly type: 'free'; readonly ids: readonly number[] }
  /** Report the worker's live ciphertexts and heap. */
  | { readonly type: 'report' };

/** A ciphertext delivered to a worker with the task that needs it. */
export interface Load {
  readonly id: number;
  readonly bytes: Uint8Array;
}

export type Reply =
  | { readonly type: 'ready'; readonly heapBytes: number }
  | { readonly type: 'done'; readonly id: number; readonly heapBytes: number }
  | { readonly type: 'bytes'; readonly id: number; readonly bytes: Uint8Array }
  /** A decryption, with the metadata SEAL read from the ciphertext. */
  | { readonly type: 'values'; readonly id: number; readonly values: Float64Array; readonly level: number; readonly scale: number; readonly degree: number }
  | { readonly type: 'error'; readonly id: number; readonly code: HeErrorCode; readonly message: string; readonly details: Record<string, unknown> }
  | { readonly type: 'report'; readonly live: number; readonly peak: number; readonly heapBytes: number };

/**
 * Where a worker's evaluation keys come from: 'load', the keys the main thread made (every
 * worker's share, in shared memory); 'generate', made by the worker itself. The keeper makes the
 * secret key and sends its bytes to the main thread first (`SecretKeyMessage`); every other worker
 * receives them as the first message on its port. Each keeps the key, to decrypt and encrypt under it.
 */
export type WorkerKeys =
  | { readonly kind: 'load'; readonly keys: PoolKeys }
  | { readonly kind: 'generate'; readonly params: Uint8Array; readonly keeper: boolean };

/** The secret key's bytes, transferred (the sender keeps no copy): from the keeper to the main thread, and on to each other worker. */
export interface SecretKeyMessage {
  readonly type: 'secretKey';
  readonly bytes: Uint8Array;
}

/**
 * What a worker is given once its pool exists (the thread may have started before, to load its
 * module and node-seal meanwhile): its first message. It evaluates only, unless it makes its keys
 * (then it holds the secret key).
 */
export interface WorkerInit {
  readonly type: 'init';
  readonly keys: WorkerKeys;
  /** The rotation steps whose Galois keys this worker loads. */
  readonly steps: readonly number[];
  readonly port: MessagePort;
  /** Incremented by the worker after every reply, so the scheduler can sleep on it. */
  readonly signal: Int32Array;
}

/** A worker thread's `workerData`. */
export interface WorkerStart {
  /** Only when running from TypeScript sources: the worker module to import after tsx is registered. */
  readonly entry?: string;
  /** A prestarted thread: fault in up to `bytes` of its SEAL heap until its `WorkerInit` comes (`warmSealHeap`'s options). */
  readonly warm?: { readonly bytes: number; readonly permits: Int32Array };
}
