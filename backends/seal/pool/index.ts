/**
 * hekit/seal/pool (Node only): `createSealPool`, SEAL on several worker threads behind the ordinary, synchronous `Backend`
 * interface, so circuits run on it unchanged.
 *
 * Ops are recorded, not awaited: each returns a handle at once (metadata checked eagerly by the
 * checked layer) and joins a dependency graph that runs while the circuit goes on recording:
 * ready ops go to the worker already holding their operands, the lowest op index first and at
 * most `lookahead` ops ahead of the oldest unfinished one (the program's own order, so memory
 * peaks about as in a sequential run), up to `depthPerWorker` in flight per worker. `decrypt`
 * (or `flush`) waits for the whole graph.
 * The main thread sleeps on a shared counter between replies, so the API stays synchronous.
 * Each worker has its own WebAssembly heap (4 GiB each) and its own evaluation keys, made there
 * (default: the first worker, the keeper, makes the secret key and shares it; every worker keeps
 * it, so any can decrypt or encrypt under it; the main thread makes no SEAL context) or made on the
 * main thread, which then keeps the secret key, and loaded from serialized bytes. When a full
 * set of Galois keys would crowd a worker's heap each worker holds a share of them (rotations
 * then run where their key is). On a server, `createSealServerPool` starts the
 * workers from a client's public keys instead (no secret key anywhere, no decryption), and
 * `sealPoolCodec` loads and saves its ciphertexts as envelopes.
 * Errors only a kernel can see (rare: TRANSPARENT_RESULT) surface at the next `decrypt`/`flush`.
 * Guide: docs/performance.md.
 *
 * @module hekit/seal/pool
 */
import { availableParallelism } from 'node:os';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { CircuitAnalysis } from '../../../core/analysis/analyze.js';
import { defineBackend, type Backend, type DefinedBackend } from '../../../core/backend.js';
import { HeError } from '../../../core/errors.js';
import type { Kernels } from '../../../core/kernels.js';
import type { CtMeta } from '../../../core/meta.js';
import { createParams, type CkksParams, type CkksParamsLiteral } from '../../../core/params/index.js';
import { galoisElement, RotationKeys, validateRotations } from '../../../core/rotation.js';
import { MinHeap } from '../../../core/heap.js';
import type { Ciphertext } from '../../../core/handle.js';
import { saveParams, type CiphertextCodec } from '../../../core/serialize/index.js';
import { createSealBackend } from '../index.js';
import { sealHeapBytes } from '../loader.js';
import { keySwitchingKeyBytes, publicKeyBytes } from '../key-size.js';
import { sealPartsOf } from '../registry.js';
import { loadCiphertext, sealCiphertextCodec } from '../serialize/ciphertext.js';
import type { SaveOptions } from '../serialize/compression.js';
import { keyedBackend, openPublicMaterial, type PublicBytes } from '../serialize/keys.js';
import { exportPoolKeys, serverPoolKeys, type PoolKeys } from './keys.js';
import { OP_COST, TRANSFER_COST, usefulWorkers } from './cost.js';

export { usefulWorkers } from './cost.js';
import { rotationUse, shareSteps } from '../../../core/analysis/placement.js';
import type { Load, OpArgs, PoolOp, Reply, SecretKeyMessage, Task, WorkerInit, WorkerKeys, WorkerStart } from './protocol.js';
import { receiveCiphertext, sendCiphertext } from './transfer.js';

/** Options of `createSealPool`. */
export interface SealPoolOptions {
  /**
   * Worker threads. Default: the machine's available parallelism, and with `analysis` no more than
   * the circuit can keep busy (`usefulWorkers`: its work over its longest chain of dependent ops).
   */
  readonly workers?: number;
  /** Rotation steps with their own Galois key, as for `createSealBackend`. */
  readonly rotations?: readonly number[];
  /** Ops queued per worker (default 8): deeper queues keep chains on one worker and save transfers. */
  readonly depthPerWorker?: number;
  /**
   * How far ahead of the oldest unfinished op, in program order, an op may start (default 64).
   * It bounds the memory that running ahead takes: unbounded, the one-round training at
   * N = 32768 had the next minibatches' inputs and work live early: 2.42 GiB per worker against
   * 2.03 GiB with 64 (with 32: 1.94 and 2.02 GiB in two runs; the peak depends on timing).
   * Wider lookahead finds more parallel work in circuits that record long sequential stretches.
   */
  readonly lookahead?: number;
  /**
   * Where the Galois keys live. 'replicate': every worker holds all of them, so any worker can
   * rotate. 'split': each key on one worker, an equal share each, steps of neighbouring size
   * together (rotate-and-sum chains use consecutive powers of two, so a chain mostly stays on one
   * worker); a rotation runs where its key is, a step without its own key as a chain of its NAF
   * terms. 'auto' (default): split when the evaluation keys would take more than half of a
   * worker's 4 GiB heap (at N = 32768 with 15 primes that is about 20 rotation steps).
   */
  readonly keyPlacement?: 'replicate' | 'split' | 'auto';
  /**
   * The dry run of the circuit the pool will run (`analyze`). With keys split, it places them so
   * that each worker does an equal share of the rotations and chains of rotations rarely cross
   * workers; without it, keys go in runs of neighbouring steps.
   */
  readonly analysis?: CircuitAnalysis;
  /**
   * Where the keys are made. 'workers' (default): the first worker (the keeper) makes the secret
   * key and sends its bytes over the message channels to the others (the threads share one
   * process, so one trust domain); each worker makes its own public, relinearization and Galois
   * keys (its share of them when split), all at once; nothing is serialized or loaded. Key
   * generation is randomized, so the workers' keys differ, all valid under the one secret key. Every
   * worker keeps it: a decryption runs where its ciphertext is, an encryption under the secret key
   * on any worker, and the main thread makes no SEAL context (a context alone is 2.5 s of CPU at N = 16384 with 10 primes), so `sealPoolCodec`
   * refuses such a pool. 'main': the main thread makes the secret key and every other key, a
   * Galois key at a time, keeps the secret key, and every worker loads its share (slower:
   * node-seal's save of a key costs more than making it, 70 ms against 52 ms at N = 16384 with 6
   * primes, and the loading comes after making them all).
   */
  readonly keyGeneration?: 'workers' | 'main';
  /**
   * Threads started earlier (`prestartPoolWorkers`), their module and node-seal already loaded:
   * the pool takes as many as it needs (they are then its own) and starts the rest itself.
   */
  readonly prestarted?: PrestartedWorkers;
}

/** Worker threads started ahead of a pool (`prestartPoolWorkers`). */
export interface PrestartedWorkers {
  /** Threads alive and not yet taken by a pool. */
  readonly available: number;
  /** Stops the threads no pool took. */
  dispose(): void;
}

/** The threads of each `PrestartedWorkers` no pool has taken yet. */
const standby = new WeakMap<PrestartedWorkers, Set<Worker>>();

/** Options of `prestartPoolWorkers`. */
export interface PrestartOptions {
  /**
   * Bytes of its SEAL heap each thread faults in while it waits (backends/seal/warm.ts), sharing
   * the cores the main thread leaves idle; 0 for none. Default: `defaultWarmHeapBytes(count)`.
   */
  readonly warmHeapBytes?: number;
}

/**
 * Bytes each of `count` prestarted threads warms by default: 128 MiB, at most 512 MiB over all.
 * Warming takes the core V8 otherwise uses for compiling and collecting the main thread's
 * garbage, so more than the keys need slows the planning for nothing. The default training's
 * keys (N = 8192, 6 Galois keys) take 19 MiB a worker: 128 MiB against 512 made its whole run
 * 0.2 s faster (4.30-4.33 s against 4.49-4.63 s, three alternating runs); the two-round plan's
 * (N = 16384, 10 primes, 18 Galois keys, 0.45 GiB) paid 0.3 s more in keys, about even in all.
 */
export const defaultWarmHeapBytes = (count: number): number => Math.min(2 ** 27, 2 ** 29 / count);

/**
 * Starts `count` pool worker threads now, before their pool's parameters are known: each loads
 * its module and node-seal's WebAssembly (about 0.4 s here), then faults in its heap (`warmHeapBytes`)
 * until its pool takes it. `hekit train` starts them while it plans. Pass them to `createSealPool`
 * as `prestarted`; `dispose()` stops those it did not take. A thread that dies while waiting is
 * dropped. Throws INVALID_ARGUMENT unless count is an integer in [1, 64] and warmHeapBytes a
 * non-negative number.
 */
export function prestartPoolWorkers(count: number, options: PrestartOptions = {}): PrestartedWorkers {
  if (!Number.isInteger(count) || count < 1 || count > 64) throw new HeError('INVALID_ARGUMENT', `count must be an integer in [1, 64]; got ${count}`, { count });
  const bytes = options.warmHeapBytes ?? defaultWarmHeapBytes(count);
  if (!(bytes >= 0 && Number.isFinite(bytes))) throw new HeError('INVALID_ARGUMENT', `warmHeapBytes must be a non-negative number; got ${bytes}`, { warmHeapBytes: bytes });
  // The caller's thread is busy (planning): the threads take turns on the cores it leaves.
  const idle = Math.min(count, availableParallelism() - 1);
  const warm = bytes > 0 && idle > 0 ? { bytes, permits: new Int32Array(new SharedArrayBuffer(4)).fill(idle) } : undefined;
  const threads = new Set<Worker>();
  for (let i = 0; i < count; i++) {
    const thread = startThread(warm);
    thread.once('exit', () => threads.delete(thread));
    // Errors while waiting end the thread ('exit' follows); a pool that took it listens itself.
    thread.on('error', () => {});
    threads.add(thread);
  }
  const handle: PrestartedWorkers = {
    get available() {
      return threads.size;
    },
    dispose: () => {
      for (const thread of threads) void thread.terminate();
      threads.clear();
    },
  };
  standby.set(handle, threads);
  return handle;
}

/** A worker thread running worker.ts, waiting for its `WorkerInit` (and warming its heap meanwhile, when prestarted). */
function startThread(warm?: WorkerStart['warm']): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSource ? './worker.ts' : './worker.js', import.meta.url);
  const start: WorkerStart = { ...(fromSource ? { entry: entry.href } : {}), ...(warm === undefined ? {} : { warm }) };
  return new Worker(fromSource ? new URL('./tsx-worker.mjs', import.meta.url) : entry, { workerData: start });
}

/** Up to `count` threads of `prestarted`, now the caller's. */
function takeThreads(prestarted: PrestartedWorkers | undefined, count: number): Worker[] {
  const threads = prestarted === undefined ? undefined : standby.get(prestarted);
  if (threads === undefined) return [];
  const taken = [...threads].slice(0, count);
  for (const thread of taken) {
    threads.delete(thread);
    thread.removeAllListeners('error');
    thread.removeAllListeners('exit');
  }
  return taken;
}

/** What the pool did since it was created. */
export interface PoolStats {
  readonly workers: number;
  /** Ops run on each worker. */
  readonly tasks: readonly number[];
  /** Ciphertexts moved between threads, and their bytes. */
  readonly transfers: number;
  readonly transferBytes: number;
  /** Each worker's WebAssembly heap at its largest (it never shrinks), and the main thread's (secret key, decryptions). */
  readonly workerHeapBytes: readonly number[];
  readonly mainHeapBytes: number;
  /** Dead ops skipped instead of run: their result was freed by the circuit and nothing used it. */
  readonly skipped: number;
  /** The rotation steps each worker holds a Galois key for. */
  readonly galoisSteps: readonly (readonly number[])[];
}

/** One worker's memory, as it reports it. */
export interface WorkerMemory {
  /** Ciphertexts it holds (results and copies of operands). */
  readonly ciphertexts: number;
  /** The most it has held at once. */
  readonly peakCiphertexts: number;
  /** Its WebAssembly heap, the high-water mark. */
  readonly heapBytes: number;
}

/** A `Backend` whose ops run on a pool of SEAL workers. */
export interface SealPool extends Backend {
  /** Runs every recorded op now. Throws the first error a worker reported. */
  flush(): void;
  /** Tasks per worker, transfers, heaps and skipped ops since the pool was created. */
  poolStats(): PoolStats;
  /** Flushes, then asks every worker for its memory: for leak checks and heap budgets. */
  workerMemory(): WorkerMemory[];
}


interface Node {
  readonly id: number;
  readonly op: PoolOp;
  readonly inputs: readonly Node[];
  readonly args: OpArgs;
  readonly dependents: Node[];
  state: 'recorded' | 'running' | 'done' | 'skipped';
  /** Inputs not yet done. */
  waiting: number;
  /** Consumers not yet done or skipped: the node's bytes must live until they are. */
  consumers: number;
  freed: boolean;
  /** Workers holding a copy; bytes held by the main thread. */
  readonly replicas: Set<number>;
  bytes: Uint8Array | null;
}

interface WorkerSlot {
  readonly worker: Worker;
  readonly port: MessagePort;
  /** Steps it holds a Galois key for, and their Galois elements. */
  readonly steps: readonly number[];
  readonly elements: ReadonlySet<number>;
  inFlight: number;
  /** Estimated cost of the ops in flight (OP_COST units). */
  queuedCost: number;
  tasks: number;
  heapBytes: number;
  /** Frees batched until the next message to this worker. */
  frees: number[];
}

/** The worker that makes the secret key when the workers make the keys, and decrypts what no worker holds. */
const KEEPER = 0;

/** Keys above this share of a worker's 4 GiB heap are split across workers under 'auto'. */
const KEY_SHARE_OF_HEAP = 2 ** 31;

/**
 * Starts `workers` worker threads, the first making the secret key and each making its
 * evaluation keys (or the main thread makes them all and the workers load them:
 * `keyGeneration`). Rejects like `createSealBackend`; INVALID_ARGUMENT for a bad worker count,
 * key placement or key generation.
 *
 * @example
 * ```ts
 * import { innerProductPlain, sumSlotsRotations } from 'hekit/algorithms';
 * import { createSealPool } from 'hekit/seal/pool';
 *
 * const rotations = sumSlotsRotations(4);
 * const pool = await createSealPool({ ringDegree: 8192, bitSizes: [50, 40, 40, 60], scale: 2 ** 40 }, { rotations, workers: 2 });
 * // The circuit is unchanged: its ops are recorded and run on the workers as their operands are ready.
 * const y = innerProductPlain(pool, pool.encrypt([0.5, -1.25, 2, 0.75]), [2, 1, -0.5, 4], 4);
 * console.log(pool.decrypt(y)[0]); // about 1.75; decrypt waits for the workers
 * pool.dispose(); // stops the workers
 * ```
 */
export async function createSealPool(params: CkksParams | CkksParamsLiteral, options: SealPoolOptions = {}): Promise<SealPool> {
  const parsed = 'primes' in params ? params : createParams(params);
  const { count, depth, lookahead } = schedulingOptions(options.analysis ? { workers: Math.min(availableParallelism(), usefulWorkers(options.analysis)), ...options } : options);
  const placement = options.keyPlacement ?? 'auto';
  if (!['replicate', 'split', 'auto'].includes(placement)) {
    throw new HeError('INVALID_ARGUMENT', `keyPlacement must be 'replicate', 'split' or 'auto'; got ${String(placement)}`, { keyPlacement: placement });
  }
  const generation = options.keyGeneration ?? 'workers';
  if (!['workers', 'main'].includes(generation)) {
    throw new HeError('INVALID_ARGUMENT', `keyGeneration must be 'workers' or 'main'; got ${String(generation)}`, { keyGeneration: generation });
  }
  const rotations = validateRotations(parsed, options.rotations ?? []);
  // With one prime there is no key switching: no Galois keys (the checked layer refuses rotations).
  const keyed = parsed.keySwitching ? rotations : [];
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const spawned: Spawned[] = [];
  let client: Backend | null = null;
  let slots: WorkerSlot[];
  try {
    const spawnAll = (keys: (worker: number) => WorkerKeys, keyBytes: number): Promise<PromiseSettledResult<WorkerSlot>[]> => {
      const split = placement === 'split' || (placement === 'auto' && keyBytes > KEY_SHARE_OF_HEAP);
      const use = split && options.analysis ? rotationUse(options.analysis, parsed, keyed) : undefined;
      const shares = split ? shareSteps(keyed, count, use) : Array.from({ length: count }, () => keyed);
      const threads = takeThreads(options.prestarted, shares.length);
      spawned.push(...shares.map((steps, w) => spawnWorker(parsed, keys(w), steps, signal, threads[w])));
      return Promise.allSettled(spawned.map((w) => w.ready));
    };
    let started: Promise<PromiseSettledResult<WorkerSlot>[]>;
    if (generation === 'workers') {
      // The keeper makes the secret key and keeps it; the main thread passes its bytes on and makes no SEAL context.
      const params = saveParams(parsed);
      started = spawnAll((w) => ({ kind: 'generate', params, keeper: w === KEEPER }), publicKeyBytes(parsed) + keySwitchingKeyBytes(parsed) * (1 + keyed.length));
      const [keeper, ...others] = spawned as [Spawned, ...Spawned[]];
      keeper.onSecretKey((bytes) => {
        for (const w of others) w.sendSecretKey(bytes.slice());
        bytes.fill(0);
      });
      // The others wait for its key: if the keeper fails first, nothing else would stop them.
      keeper.ready.catch(() => {
        for (const w of others) void w.worker.terminate();
      });
    } else {
      // The main thread keeps the secret, public and relinearization keys; one shared copy of every
      // key's bytes, Galois keys made a step at a time: no heap holds them all.
      client = await createSealBackend(parsed);
      const made = exportPoolKeys(client, keyed);
      started = spawnAll(() => ({ kind: 'load', keys: made }), keyBytes(made));
    }
    slots = readySlots(await started);
  } catch (e) {
    // Stop every worker: each holds its own heap and keys.
    for (const w of spawned) void w.worker.terminate();
    client?.dispose();
    throw e;
  }
  return new Scheduler(parsed, client, slots, signal, depth, lookahead, rotations, keyed).backend;
}

/** Options of `createSealServerPool`: the scheduling options of `createSealPool`, and what the client's keys must be. */
export interface SealServerPoolOptions extends Pick<SealPoolOptions, 'workers' | 'depthPerWorker' | 'lookahead'> {
  /** Require these parameters (DESERIALIZE on `fingerprint` otherwise), as `createSealServerBackend`. */
  readonly params?: CkksParams;
  /** Accept stored parameters above the HE-standard limit (default false: PARAMS_INSECURE). */
  readonly allowInsecure?: boolean;
}

/**
 * A pool on a server: it starts from a client's `exportServerKeys` bytes (public, relinearization
 * and Galois keys; no secret key exists anywhere), checked in full once on the main thread, then
 * loaded by every worker at once, each holding all of them (a client's Galois keys come as one set). The main thread holds the
 * public key only, to load and save ciphertext envelopes (`sealPoolCodec`); `decrypt` throws
 * NO_SECRET_KEY. Rejects as `createSealServerBackend` (DESERIALIZE naming the field,
 * PARAMS_INSECURE), INVALID_ARGUMENT for bad scheduling options.
 *
 * @example
 * ```ts
 * import { createSealBackend, exportServerKeys, loadCiphertext, saveCiphertext } from 'hekit/seal';
 * import { createSealServerPool, sealPoolCodec } from 'hekit/seal/pool';
 *
 * // The client keeps its secret key; the server gets public bytes only.
 * const client = await createSealBackend({ ringDegree: 8192, bitSizes: [50, 40, 40, 60], scale: 2 ** 40 }, { rotations: [1] });
 * const server = await createSealServerPool(exportServerKeys(client), { workers: 2 });
 * const codec = sealPoolCodec(server);
 * const x = codec.load(saveCiphertext(client, client.encrypt([1, 2, 3])));
 * const reply = codec.save(server.rotate(server.rescale(server.relinearize(server.square(x))), 1));
 * server.dispose(); // stops the workers
 * console.log(Array.from(client.decrypt(loadCiphertext(client, reply)).subarray(0, 2), Math.round)); // [ 4, 9 ]
 * client.dispose();
 * ```
 */
export async function createSealServerPool(serverKeys: PublicBytes, options: SealServerPoolOptions = {}): Promise<SealPool> {
  const { count, depth, lookahead } = schedulingOptions({ workers: availableParallelism(), ...options });
  const material = openPublicMaterial(serverKeys, { params: options.params, allowInsecure: options.allowInsecure }, 'createSealServerPool');
  const steps = material.galoisKeys.flatMap((g) => g.steps);
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const spawned: Spawned[] = [];
  let client: Backend | undefined;
  let slots: WorkerSlot[];
  try {
    // Loading and saving envelopes needs the public key only (its key set names them); the workers evaluate.
    client = await keyedBackend({ ...material, relinKeys: null, galoisKeys: [] }, null, {});
    const keys: WorkerKeys = { kind: 'load', keys: serverPoolKeys(material, sealPartsOf(client, 'createSealServerPool').context.ring) };
    spawned.push(...Array.from({ length: count }, () => spawnWorker(material.params, keys, steps, signal)));
    slots = readySlots(await Promise.allSettled(spawned.map((w) => w.ready)));
  } catch (e) {
    for (const w of spawned) void w.worker.terminate();
    client?.dispose();
    throw e;
  }
  const rotations = validateRotations(material.params, steps);
  return new Scheduler(material.params, client, slots, signal, depth, lookahead, rotations, rotations).backend;
}

/**
 * `pool`'s ciphertexts as envelopes (`saveCiphertext` / `loadCiphertext` of hekit/seal, the same
 * bytes and checks), for `linalg.saveEncrypted`, `loadEncrypted` and the training server. A load
 * checks the envelope on the main thread and hands the ciphertext to the first worker that needs
 * it; a save waits for the ciphertext's op. Throws INVALID_ARGUMENT for a backend that is not a pool,
 * or a pool whose workers made its keys (no SEAL context on its main thread).
 */
export function sealPoolCodec(pool: SealPool, options: SaveOptions = {}): CiphertextCodec<Ciphertext> {
  const scheduler = schedulers.get(pool);
  if (scheduler === undefined) throw new HeError('INVALID_ARGUMENT', `sealPoolCodec: expected a pool made by hekit/seal/pool, got ${pool?.name ?? typeof pool}`, { op: 'sealPoolCodec' });
  return scheduler.codec(options);
}

/** The scheduling options checked: worker count (`workers` is the default here), queue depth and lookahead; INVALID_ARGUMENT otherwise. */
function schedulingOptions(options: Pick<SealPoolOptions, 'workers' | 'depthPerWorker' | 'lookahead'>): { count: number; depth: number; lookahead: number } {
  const count = options.workers ?? availableParallelism();
  const depth = options.depthPerWorker ?? 8;
  const lookahead = options.lookahead ?? 64;
  if (lookahead !== Infinity && !(Number.isInteger(lookahead) && lookahead >= 1)) {
    throw new HeError('INVALID_ARGUMENT', `lookahead must be a positive integer or Infinity; got ${lookahead}`, { lookahead });
  }
  for (const [name, value] of Object.entries({ workers: count, depthPerWorker: depth })) {
    if (!Number.isInteger(value) || value < 1 || value > 64) throw new HeError('INVALID_ARGUMENT', `${name} must be an integer in [1, 64]; got ${value}`, { [name]: value });
  }
  return { count, depth, lookahead };
}

/** The workers once all are ready; the first start-up failure otherwise. */
function readySlots(settled: readonly PromiseSettledResult<WorkerSlot>[]): WorkerSlot[] {
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<WorkerSlot>).value);
}

/** Bytes of the keys every worker loads (decides the placement under 'auto'). */
const keyBytes = (keys: PoolKeys): number => keys.publicKey.length + (keys.relinKeys?.length ?? 0) + keys.galoisKeys.reduce((a, g) => a + g.bytes.length, 0);

/** Every pool's scheduler, for `sealPoolCodec`. */
const schedulers = new WeakMap<Backend, Scheduler>();

/** A worker starting up: ready once its keys exist; one that makes its own keys waits for the keeper's secret key. */
interface Spawned {
  readonly worker: Worker;
  readonly ready: Promise<WorkerSlot>;
  /** Transfers `bytes` (the caller's copy is gone) as the worker's first message. */
  sendSecretKey(bytes: Uint8Array): void;
  /** The keeper's secret key, when it sends it (before it is ready). */
  onSecretKey(share: (bytes: Uint8Array) => void): void;
}

/** A worker with `keys` for `steps`, on `thread` (prestarted) or a thread started now. */
function spawnWorker(params: CkksParams, keys: WorkerKeys, steps: readonly number[], signal: Int32Array, thread?: Worker): Spawned {
  const { port1, port2 } = new MessageChannel();
  const worker = thread ?? startThread();
  worker.postMessage({ type: 'init', keys, steps, port: port2, signal } satisfies WorkerInit, [port2]);
  let share: (bytes: Uint8Array) => void = () => {};
  const ready = new Promise<Reply>((resolve, reject) => {
    const listen = (message: Reply | SecretKeyMessage): void => {
      if (message.type === 'secretKey') return share(message.bytes);
      // From here the scheduler reads the port itself (receiveMessageOnPort).
      port1.off('message', listen);
      resolve(message);
    };
    port1.on('message', listen);
    // A start-up failure (keys refused) crosses the thread as a plain Error with its own properties.
    worker.once('error', (e: Error & Partial<HeError>) => reject(e.code === undefined ? e : new HeError(e.code, e.message, e.details)));
    worker.once('exit', (code) => reject(new HeError('BACKEND_INTERNAL', `pool worker stopped (exit code ${code}) before its keys existed`, { exitCode: code })));
  }).then((reply): WorkerSlot => {
    worker.removeAllListeners('error');
    worker.removeAllListeners('exit');
    const elements = new Set(steps.map((s) => galoisElement(params.ringDegree, s)));
    return { worker, port: port1, steps, elements, inFlight: 0, queuedCost: 0, tasks: 0, heapBytes: (reply as { heapBytes: number }).heapBytes, frees: [] };
  });
  const sendSecretKey = (bytes: Uint8Array): void => port1.postMessage({ type: 'secretKey', bytes } satisfies SecretKeyMessage, [bytes.buffer as ArrayBuffer]);
  return { worker, ready, sendSecretKey, onSecretKey: (f) => (share = f) };
}

class Scheduler {
  readonly backend: SealPool;
  /** Ops recorded and not yet finished; ready ones in program order; the first worker error. */
  readonly #pending = new Map<number, Node>();
  /** Ready ops by id: the lowest (earliest in program order) first. */
  readonly #ready = new MinHeap<Node>();
  /** Ops placed on a worker, waiting for operand bytes from another. */
  #parked: Array<{ n: Node; w: number }> = [];
  /** Nodes whose bytes were asked of a worker, by id. */
  readonly #fetching = new Map<number, Node>();
  #failure: HeError | null = null;
  #nextId = 0;
  #transfers = 0;
  #transferBytes = 0;
  #skipped = 0;

  /** Every step with a key, when no worker holds them all (keys split): composite steps are split into terms here. */
  readonly #split: RotationKeys | null;
  /** Whether the pool decrypts: false on a server's pool (no secret key anywhere). */
  readonly #decrypts: boolean;
  readonly #defined: DefinedBackend<Node>;

  /**
   * `client`: the main thread's SEAL backend (secret key, or a server's public key), null when
   * the workers made the keys: then every worker holds the secret key, decrypts and encrypts under it.
   */
  constructor(
    private readonly params: CkksParams,
    private readonly client: Backend | null,
    private readonly slots: readonly WorkerSlot[],
    private readonly signal: Int32Array,
    private readonly depth: number,
    private readonly lookahead: number,
    rotations: readonly number[],
    keyed: readonly number[],
  ) {
    this.#split = slots.some((s) => s.steps.length < keyed.length) ? new RotationKeys(params, keyed) : null;
    this.#decrypts = client === null || sealPartsOf(client, 'createSealPool').context.keys.secretKey !== null;
    this.#defined = defineBackend<Node>({
      name: 'seal-pool',
      params,
      rotations,
      capabilities: { encrypts: true, predictsNoise: false },
      kernels: this.#kernels(),
    });
    this.backend = Object.assign(this.#defined.backend, {
      flush: () => this.#flush(),
      workerMemory: () => this.#workerMemory(),
      poolStats: (): PoolStats => ({
        workers: slots.length,
        tasks: slots.map((s) => s.tasks),
        transfers: this.#transfers,
        transferBytes: this.#transferBytes,
        workerHeapBytes: slots.map((s) => s.heapBytes),
        mainHeapBytes: sealHeapBytes(),
        skipped: this.#skipped,
        galoisSteps: slots.map((s) => s.steps),
      }),
    });
    schedulers.set(this.backend, this);
  }

  /** Envelopes of the main thread's SEAL backend, for ciphertexts that live on the workers (`sealPoolCodec`). */
  codec(options: SaveOptions): CiphertextCodec<Ciphertext> {
    const client = this.client;
    if (client === null) {
      throw new HeError('INVALID_ARGUMENT', "sealPoolCodec: this pool's workers made its keys, so its main thread has no SEAL context to check envelopes with; create it with keyGeneration: 'main', or use createSealServerPool", { op: 'sealPoolCodec' });
    }
    const local = sealCiphertextCodec(client, options);
    return {
      ...local,
      meta: (ct) => this.backend.meta(ct),
      // Checked here as any envelope, then moved to the workers as SEAL's bytes, like a symmetric encryption.
      load: (bytes) => {
        const ct = loadCiphertext(client, bytes);
        try {
          return this.#defined.adopt(this.#held(sendCiphertext(client, ct)), client.meta(ct));
        } finally {
          client.free(ct);
        }
      },
      save: (ct) => {
        const here = this.#toMain(client, this.#defined.payload(ct, 'saveCiphertext', 'ct'), this.backend.meta(ct));
        try {
          return local.save(here);
        } finally {
          client.free(here);
        }
      },
      free: (ct) => this.backend.free(ct),
    };
  }

  /** A node computed already, its bytes on the main thread (sent to the first worker that needs it). */
  #held(bytes: Uint8Array): Node {
    const node = this.#node('encrypt', [], {});
    node.state = 'done';
    node.bytes = bytes;
    return node;
  }

  #node(op: PoolOp, inputs: readonly Node[], args: OpArgs): Node {
    return { id: this.#nextId++, op, inputs, args, dependents: [], state: 'recorded', waiting: 0, consumers: 0, freed: false, replicas: new Set(), bytes: null };
  }

  #kernels(): Kernels<Node> {
    const record = (op: PoolOp, inputs: readonly Node[], args: OpArgs = {}): Node => {
      const node = this.#node(op, inputs, args);
      for (const input of inputs) {
        input.consumers++;
        input.dependents.push(node);
        if (input.state !== 'done') node.waiting++;
      }
      this.#pending.set(node.id, node);
      if (node.waiting === 0) this.#ready.push(node, node.id);
      this.#pump();
      return node;
    };
    return {
      encrypt: (values, out, symmetric) => {
        if (!symmetric) return record('encrypt', [], { values, level: out.level, scale: out.scale });
        // Under the secret key: on any worker when they made the keys, else here, shipping the bytes on first use.
        if (this.client === null) return record('encrypt', [], { values, level: out.level, scale: out.scale, symmetric });
        const ct = this.client.encrypt(values, { level: out.level, scale: out.scale, symmetric: true });
        try {
          return this.#held(sendCiphertext(this.client, ct));
        } finally {
          this.client.free(ct);
        }
      },
      decrypt: (x, meta) => {
        if (!this.#decrypts) {
          throw new HeError('NO_SECRET_KEY', 'decrypt: this pool was built from a client\'s public keys (a server); decrypt on the client that holds the secret key', { op: 'decrypt' });
        }
        if (this.client === null) return this.#decryptOnWorker(x, meta);
        const ct = this.#toMain(this.client, x, meta);
        try {
          return this.client.decrypt(ct);
        } finally {
          this.client.free(ct);
        }
      },
      add: (a, b) => record('add', [a, b]),
      sub: (a, b) => record('sub', [a, b]),
      neg: (a) => record('neg', [a]),
      addPlain: (a, values) => record('addPlain', [a], { values }),
      mulPlain: (a, values, scale) => record('mulPlain', [a], { values, scale }),
      mul: (a, b) => record('mul', [a, b]),
      square: (a) => record('square', [a]),
      relinearize: (a) => record('relinearize', [a]),
      rescale: (a) => record('rescale', [a]),
      dropLevelTo: (a, out) => record('dropLevelTo', [a], { level: out.level }),
      rotate: (a, step) => {
        const terms = this.#split?.plan(step).terms;
        if (terms === undefined || terms.length === 1) return record('rotate', [a], { step });
        // Keys split: one op per NAF term, each where its key is; the intermediates die with their consumer.
        let x = a;
        for (const term of terms) {
          const next = record('rotate', [x], { step: term });
          if (x !== a) {
            x.freed = true;
            this.#releaseIfUnused(x);
          }
          x = next;
        }
        return x;
      },
      copy: (a) => record('copy', [a]),
      free: (x) => {
        x.freed = true;
        this.#releaseIfUnused(x);
      },
      close: () => {
        for (const s of this.slots) void s.worker.terminate();
        this.client?.dispose();
      },
    };
  }

  /** Runs every recorded op, then `x` as a ciphertext of the main thread's `client` (the caller frees it), checked against `meta`. */
  #toMain(client: Backend, x: Node, meta: CtMeta): Ciphertext {
    this.#flush();
    const ct = receiveCiphertext(client, x.bytes ?? this.#fetch(x));
    if (!sameMeta(ct, meta)) {
      client.free(ct);
      throw divergence(x, ct, meta);
    }
    return ct;
  }

  /** Runs every recorded op, then decrypts `x` on a worker holding it (every worker holds the secret key), else on the keeper, sent its bytes. */
  #decryptOnWorker(x: Node, meta: CtMeta): Float64Array {
    this.#flush();
    const w = x.replicas.values().next().value ?? KEEPER;
    const bytes = x.replicas.has(w) ? null : (x.bytes ?? this.#fetch(x)).slice();
    this.#post(w, { type: 'decrypt', id: x.id, bytes }, bytes === null ? [] : [bytes.buffer as ArrayBuffer]);
    const reply = this.#answer(x.id, 'values');
    if (!sameMeta(reply, meta)) throw divergence(x, reply, meta);
    return reply.values;
  }

  #workerMemory(): WorkerMemory[] {
    this.#flush();
    this.slots.forEach((_, w) => this.#post(w, { type: 'report' }));
    const reports: WorkerMemory[] = [];
    while (reports.filter(Boolean).length < this.slots.length) {
      for (const [w, message] of this.#receive()) {
        if (message.type === 'report') reports[w] = { ciphertexts: message.live, peakCiphertexts: message.peak, heapBytes: message.heapBytes };
        else this.#early.push([w, message]);
      }
    }
    return reports;
  }

  /** Frees a node's copies once it is freed by the circuit and no pending op needs it. */
  #releaseIfUnused(x: Node): void {
    if (!x.freed || x.consumers > 0 || x.state === 'running') return;
    for (const w of x.replicas) (this.slots[w] as WorkerSlot).frees.push(x.id);
    x.replicas.clear();
    x.bytes = null;
    this.#fetching.delete(x.id);
  }

  /** Sends ready ops to workers with room, skipping dead ones (freed by the circuit, no consumer left). */
  #dispatch(): void {
    while (this.#failure === null && this.#ready.size > 0) {
      const n = this.#ready.peek() as Node;
      if (n.freed && n.consumers === 0) {
        this.#ready.pop();
        n.state = 'skipped';
        this.#skipped++;
        this.#finish(n);
        continue;
      }
      // Independent work recorded far ahead (the next minibatches' inputs) would otherwise all be live at once.
      if (n.id > (this.#pending.keys().next().value as number) + this.lookahead) return;
      const w = this.#pickWorker(n);
      if (w < 0) return;
      this.#ready.pop();
      this.#send(n, w);
    }
  }

  #finish(n: Node): void {
    this.#pending.delete(n.id);
    for (const d of n.dependents) if (--d.waiting === 0 && d.state === 'recorded') this.#ready.push(d, d.id);
    this.#releaseOperands(n);
    this.#releaseIfUnused(n);
  }

  /** An op that failed, or depends on one: it will not run; its operands may be released. */
  #abandon(n: Node): void {
    this.#pending.delete(n.id);
    n.state = 'skipped';
    this.#releaseOperands(n);
  }

  /** `n` no longer needs its operands. */
  #releaseOperands(n: Node): void {
    for (const input of n.inputs) {
      input.consumers--;
      this.#releaseIfUnused(input);
    }
  }

  #handle(replies: ReadonlyArray<[number, Reply]>): void {
    for (const [w, message] of replies) {
      const slot = this.slots[w] as WorkerSlot;
      if (message.type === 'done') {
        const n = this.#pending.get(message.id) as Node;
        slot.inFlight--;
        slot.queuedCost -= OP_COST[n.op];
        slot.heapBytes = Math.max(slot.heapBytes, message.heapBytes);
        n.state = 'done';
        n.replicas.add(w);
        this.#finish(n);
      } else if (message.type === 'bytes') {
        const n = this.#fetching.get(message.id);
        // A node released meanwhile (or fetched synchronously by a decryption) needs nothing more.
        if (n === undefined) continue;
        this.#fetching.delete(message.id);
        n.bytes = message.bytes;
        this.#unpark();
      } else if (message.type === 'error') {
        const n = this.#pending.get(message.id);
        if (n === undefined) continue;
        slot.inFlight--;
        slot.queuedCost -= OP_COST[n.op];
        this.#abandon(n);
        this.#failure ??= new HeError(message.code, `seal-pool: ${message.message}`, message.details);
      }
    }
  }

  /** While the circuit is still recording: take the replies already in, keep the workers busy. */
  #pump(): void {
    this.#handle(this.#wait(false));
    this.#dispatch();
  }

  /** Runs every recorded op; throws the first error a worker reported. */
  #flush(): void {
    for (;;) {
      this.#dispatch();
      const idle = this.slots.every((s) => s.inFlight === 0);
      if (idle && (this.#pending.size === 0 || this.#failure !== null)) break;
      if (idle) {
        throw new HeError('BACKEND_INTERNAL', `seal-pool: ${this.#pending.size} ops cannot run (a dependency was never recorded)`, { left: this.#pending.size });
      }
      this.#handle(this.#wait(true));
    }
    this.slots.forEach((slot, w) => {
      if (slot.frees.length > 0) this.#post(w, null);
    });
    const failure = this.#failure;
    if (failure !== null) {
      // Ops that depended on the failed one never run; their handles stay unusable.
      for (const n of [...this.#pending.values()]) this.#abandon(n);
      this.#failure = null;
      throw failure;
    }
  }

  /**
   * The worker with room where `n` would finish first: its queued work plus the transfers of
   * operands it does not hold (costs in key-switch units, OP_COST); -1 when all are full.
   */
  #pickWorker(n: Node): number {
    let best = -1, bestFinish = Infinity;
    const element = n.op === 'rotate' && this.#split !== null ? galoisElement(this.params.ringDegree, n.args.step as number) : null;
    this.slots.forEach((s, w) => {
      if (s.inFlight >= this.depth || (element !== null && !s.elements.has(element))) return;
      const missing = n.inputs.filter((i) => !i.replicas.has(w)).length;
      const finish = s.queuedCost + missing * TRANSFER_COST * this.depth;
      if (finish < bestFinish) [best, bestFinish] = [w, finish];
    });
    return best;
  }

  /**
   * Reserves `n` a place on worker `w` and sends it, or parks it until the bytes of operands
   * held elsewhere arrive (asked of their holders without waiting, so no thread stalls).
   */
  #send(n: Node, w: number): void {
    const slot = this.slots[w] as WorkerSlot;
    slot.inFlight++;
    slot.tasks++;
    slot.queuedCost += OP_COST[n.op];
    n.state = 'running';
    let waiting = false;
    for (const input of new Set(n.inputs)) {
      if (input.replicas.has(w) || input.bytes !== null) continue;
      waiting = true;
      if (!this.#fetching.has(input.id)) {
        this.#fetching.set(input.id, input);
        this.#post([...input.replicas][0] as number, { type: 'save', id: input.id });
      }
    }
    if (waiting) this.#parked.push({ n, w });
    else this.#ship(n, w);
  }

  /** Posts `n` to `w` with the bytes of the operands `w` does not hold. */
  #ship(n: Node, w: number): void {
    const loads: Load[] = [];
    const transfer: ArrayBuffer[] = [];
    for (const input of new Set(n.inputs)) {
      if (input.replicas.has(w)) continue;
      // The input may be needed again elsewhere: keep the main thread's copy, send a copy.
      const copy = (input.bytes as Uint8Array).slice();
      loads.push({ id: input.id, bytes: copy });
      transfer.push(copy.buffer as ArrayBuffer);
      input.replicas.add(w);
      this.#transfers++;
      this.#transferBytes += copy.length;
    }
    this.#post(w, { type: 'op', id: n.id, op: n.op, inputs: n.inputs.map((i) => i.id), args: n.args, loads }, transfer);
  }

  /** Ships the parked ops whose operands are now all available. */
  #unpark(): void {
    const still: Array<{ n: Node; w: number }> = [];
    for (const p of this.#parked) {
      if (p.n.inputs.every((i) => i.replicas.has(p.w) || i.bytes !== null)) this.#ship(p.n, p.w);
      else still.push(p);
    }
    this.#parked = still;
  }

  /** Sends the worker's batched frees, then `task` (if any). */
  #post(w: number, task: Task | null, transfer: ArrayBuffer[] = []): void {
    const slot = this.slots[w] as WorkerSlot;
    if (slot.frees.length > 0) {
      slot.port.postMessage({ type: 'free', ids: slot.frees.splice(0) } satisfies Task);
    }
    if (task !== null) slot.port.postMessage(task, transfer);
  }

  /** A done node's bytes, asked of a worker holding it (kept on the main thread for later transfers). */
  #fetch(n: Node): Uint8Array {
    const w = [...n.replicas][0];
    if (w === undefined) throw new HeError('BACKEND_INTERNAL', `seal-pool: ciphertext #${n.id} is held nowhere`, { id: n.id });
    this.#post(w, { type: 'save', id: n.id });
    n.bytes = this.#answer(n.id, 'bytes').bytes;
    return n.bytes;
  }

  /** Waits for the reply of `type` about `id` (a worker's error about it is thrown), keeping every other reply for the scheduler loop. */
  #answer<T extends 'bytes' | 'values'>(id: number, type: T): Extract<Reply, { type: T }> {
    for (;;) {
      let answer: Extract<Reply, { type: T }> | null = null;
      for (const [from, message] of this.#receive()) {
        if (message.type === type && message.id === id) answer = message as Extract<Reply, { type: T }>;
        else if (message.type === 'error' && message.id === id) throw new HeError(message.code, `seal-pool: ${message.message}`, message.details);
        // Replies of ops in flight arrive meanwhile.
        else this.#early.push([from, message]);
      }
      if (answer !== null) return answer;
    }
  }

  readonly #early: Array<[number, Reply]> = [];

  /** Replies kept while fetching, then whatever has arrived; with `block`, waits for at least one. */
  #wait(block: boolean): Array<[number, Reply]> {
    const early = this.#early.splice(0);
    return early.length > 0 ? early : this.#receive(block);
  }

  /** Replies that have arrived on the workers' ports; with `block`, sleeps until there is at least one. */
  #receive(block = true): Array<[number, Reply]> {
    const out: Array<[number, Reply]> = [];
    for (;;) {
      const seen = Atomics.load(this.signal, 0);
      this.slots.forEach((s, w) => {
        for (let m = receiveMessageOnPort(s.port); m !== undefined; m = receiveMessageOnPort(s.port)) out.push([w, m.message as Reply]);
      });
      if (out.length > 0 || !block) return out;
      Atomics.wait(this.signal, 0, seen, 1000);
    }
  }
}

const sameMeta = (ct: { level: number; scale: number; degree: number }, meta: CtMeta): boolean =>
  ct.level === meta.level && ct.scale === meta.scale && ct.degree === meta.degree;

const divergence = (x: Node, ct: { level: number; scale: number; degree: number }, meta: CtMeta): HeError =>
  new HeError('DIVERGENCE', `seal-pool: a worker returned level ${ct.level}, scale ${ct.scale}, degree ${ct.degree} for #${x.id}; hekit predicted ${meta.level}, ${meta.scale}, ${meta.degree}`, { predicted: meta });
