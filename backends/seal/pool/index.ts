/**
 * `createSealPool`: SEAL on several worker threads behind the ordinary, synchronous `Backend`
 * interface, so circuits run on it unchanged.
 *
 * Ops are recorded, not run: each returns a handle at once (metadata checked eagerly by the
 * checked layer) and joins a dependency graph. `decrypt` (or `flush`) runs the graph: ready ops
 * go to the worker already holding most of their operands' bytes, the lowest op index first (the
 * program's own order, so memory peaks as in a sequential run), up to two in flight per worker.
 * The main thread sleeps on a shared counter between replies, so the API stays synchronous.
 * Each worker has its own WebAssembly heap (4 GiB each) and its own copy of the public
 * evaluation keys, loaded from serialized bytes; only the main thread holds the secret key.
 * Errors only a kernel can see (rare: TRANSPARENT_RESULT) surface at the next `decrypt`/`flush`.
 */
import { availableParallelism } from 'node:os';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { defineBackend, type Backend } from '../../../core/backend.js';
import { HeError } from '../../../core/errors.js';
import type { Kernels } from '../../../core/kernels.js';
import type { CtMeta } from '../../../core/meta.js';
import { createParams, type CkksParams, type CkksParamsLiteral } from '../../../core/params/index.js';
import { createSealBackend } from '../index.js';
import { sealHeapBytes } from '../loader.js';
import { loadCiphertext, saveCiphertext } from '../serialize/ciphertext.js';
import { exportServerKeys } from '../serialize/keys.js';
import type { Load, OpArgs, PoolOp, Reply, Task } from './protocol.js';

/** Options of `createSealPool`. */
export interface SealPoolOptions {
  /** Worker threads (default: the machine's available parallelism). */
  readonly workers?: number;
  /** Rotation steps with their own Galois key, as for `createSealBackend`. */
  readonly rotations?: readonly number[];
  /** Ops kept in flight per worker (default 2: one running, one queued behind it). */
  readonly depthPerWorker?: number;
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
}

/** A `Backend` whose ops run on a pool of SEAL workers. */
export interface SealPool extends Backend {
  /** Runs every recorded op now. */
  flush(): void;
  poolStats(): PoolStats;
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
  inFlight: number;
  tasks: number;
  heapBytes: number;
  /** Frees batched until the next message to this worker. */
  frees: number[];
}

/**
 * Creates keys on the main thread, then `workers` worker threads, each loading the public
 * evaluation keys. Rejects like `createSealBackend`; INVALID_ARGUMENT for a bad worker count.
 */
export async function createSealPool(params: CkksParams | CkksParamsLiteral, options: SealPoolOptions = {}): Promise<SealPool> {
  const parsed = 'primes' in params ? params : createParams(params);
  const count = options.workers ?? availableParallelism();
  const depth = options.depthPerWorker ?? 2;
  for (const [name, value] of Object.entries({ workers: count, depthPerWorker: depth })) {
    if (!Number.isInteger(value) || value < 1 || value > 64) throw new HeError('INVALID_ARGUMENT', `${name} must be an integer in [1, 64]; got ${value}`, { [name]: value });
  }
  const client = await createSealBackend(parsed, { rotations: options.rotations ?? [] });
  const signal = new Int32Array(new SharedArrayBuffer(4));
  let slots: WorkerSlot[];
  try {
    // One shared copy of the key bytes for all workers.
    const exported = exportServerKeys(client, { compression: 'none' });
    const keys = new Uint8Array(new SharedArrayBuffer(exported.length));
    keys.set(exported);
    slots = await Promise.all(Array.from({ length: count }, () => startWorker(keys, signal)));
  } catch (e) {
    client.dispose();
    throw e;
  }
  return new Scheduler(client, slots, signal, depth).backend;
}

async function startWorker(keys: Uint8Array, signal: Int32Array): Promise<WorkerSlot> {
  const { port1, port2 } = new MessageChannel();
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSource ? './worker.ts' : './worker.js', import.meta.url);
  const init = { keys, port: port2, signal, entry: entry.href };
  const worker = new Worker(fromSource ? new URL('./tsx-worker.mjs', import.meta.url) : entry, { workerData: init, transferList: [port2] });
  const ready = await new Promise<Reply>((resolve, reject) => {
    port1.once('message', resolve);
    worker.once('error', reject);
  });
  worker.removeAllListeners('error');
  return { worker, port: port1, inFlight: 0, tasks: 0, heapBytes: (ready as { heapBytes: number }).heapBytes, frees: [] };
}

class Scheduler {
  readonly backend: SealPool;
  readonly #recorded: Node[] = [];
  #nextId = 0;
  #transfers = 0;
  #transferBytes = 0;
  #skipped = 0;

  constructor(
    private readonly client: Backend,
    private readonly slots: readonly WorkerSlot[],
    private readonly signal: Int32Array,
    private readonly depth: number,
  ) {
    const { backend } = defineBackend<Node>({
      name: 'seal-pool',
      params: client.params,
      rotations: client.rotations,
      capabilities: { encrypts: true, predictsNoise: false },
      kernels: this.#kernels(),
    });
    this.backend = Object.assign(backend, {
      flush: () => this.#flush(),
      poolStats: (): PoolStats => ({
        workers: slots.length,
        tasks: slots.map((s) => s.tasks),
        transfers: this.#transfers,
        transferBytes: this.#transferBytes,
        workerHeapBytes: slots.map((s) => s.heapBytes),
        mainHeapBytes: sealHeapBytes(),
        skipped: this.#skipped,
      }),
    });
  }

  #kernels(): Kernels<Node> {
    const record = (op: PoolOp, inputs: readonly Node[], args: OpArgs = {}): Node => {
      const node: Node = {
        id: this.#nextId++, op, inputs, args, dependents: [], state: 'recorded', waiting: 0, consumers: 0, freed: false, replicas: new Set(), bytes: null,
      };
      for (const input of inputs) {
        input.consumers++;
        input.dependents.push(node);
        if (input.state !== 'done') node.waiting++;
      }
      this.#recorded.push(node);
      return node;
    };
    return {
      encrypt: (values, out, symmetric) => {
        if (!symmetric) return record('encrypt', [], { values, level: out.level, scale: out.scale });
        // Only the main thread holds the secret key: encrypt here, and ship the bytes on first use.
        const ct = this.client.encrypt(values, { level: out.level, scale: out.scale, symmetric: true });
        try {
          return {
            id: this.#nextId++, op: 'encrypt', inputs: [], args: {}, dependents: [], state: 'done', waiting: 0, consumers: 0, freed: false,
            replicas: new Set(), bytes: saveCiphertext(this.client, ct, { compression: 'none' }),
          };
        } finally {
          this.client.free(ct);
        }
      },
      decrypt: (x, meta) => this.#decrypt(x, meta),
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
      rotate: (a, step) => record('rotate', [a], { step }),
      copy: (a) => record('copy', [a]),
      free: (x) => {
        x.freed = true;
        this.#releaseIfUnused(x);
      },
      close: () => {
        for (const s of this.slots) void s.worker.terminate();
        this.client.dispose();
      },
    };
  }

  #decrypt(x: Node, meta: CtMeta): Float64Array {
    this.#flush();
    const bytes = x.bytes ?? this.#fetch(x);
    const ct = loadCiphertext(this.client, bytes);
    try {
      if (ct.level !== meta.level || ct.scale !== meta.scale || ct.degree !== meta.degree) {
        throw new HeError('DIVERGENCE', `seal-pool: a worker returned level ${ct.level}, scale ${ct.scale}, degree ${ct.degree} for #${x.id}; hekit predicted ${meta.level}, ${meta.scale}, ${meta.degree}`, { predicted: meta });
      }
      return this.client.decrypt(ct);
    } finally {
      this.client.free(ct);
    }
  }

  /** Frees a node's copies once it is freed by the circuit and no pending op needs it. */
  #releaseIfUnused(x: Node): void {
    if (!x.freed || x.consumers > 0 || x.state === 'running') return;
    for (const w of x.replicas) (this.slots[w] as WorkerSlot).frees.push(x.id);
    x.replicas.clear();
    x.bytes = null;
  }

  /** Runs every recorded op. */
  #flush(): void {
    const pending = new Map(this.#recorded.splice(0).map((n) => [n.id, n]));
    if (pending.size === 0) return;
    const ready = new MinQueue();
    for (const n of pending.values()) if (n.waiting === 0) ready.push(n);
    let left = pending.size;
    let failure: HeError | null = null;
    const finish = (n: Node): void => {
      left--;
      for (const d of n.dependents) if (--d.waiting === 0 && d.state === 'recorded') ready.push(d);
      for (const input of n.inputs) {
        input.consumers--;
        this.#releaseIfUnused(input);
      }
      this.#releaseIfUnused(n);
    };
    while (left > 0) {
      // Dead ops (freed by the circuit, no consumer left) are skipped.
      while (failure === null && ready.size > 0) {
        const n = ready.peek() as Node;
        if (n.freed && n.consumers === 0) {
          ready.pop();
          n.state = 'skipped';
          this.#skipped++;
          finish(n);
          continue;
        }
        const w = this.#pickWorker(n);
        if (w < 0) break;
        ready.pop();
        this.#send(n, w);
      }
      if (left === 0) break;
      if (this.slots.every((s) => s.inFlight === 0)) {
        if (failure !== null) throw failure;
        throw new HeError('BACKEND_INTERNAL', `seal-pool: ${left} ops cannot run (a dependency was never recorded)`, { left });
      }
      for (const reply of this.#wait()) {
        const [w, message] = reply;
        const slot = this.slots[w] as WorkerSlot;
        if (message.type === 'done') {
          slot.inFlight--;
          slot.heapBytes = Math.max(slot.heapBytes, message.heapBytes);
          const n = pending.get(message.id) as Node;
          n.state = 'done';
          n.replicas.add(w);
          finish(n);
        } else if (message.type === 'error') {
          slot.inFlight--;
          left--;
          failure ??= new HeError(message.code, `seal-pool: ${message.message}`, message.details);
        }
      }
      if (failure !== null && this.slots.every((s) => s.inFlight === 0)) throw failure;
    }
  }

  /** The worker with room that holds most of `n`'s operand bytes; -1 when all are busy. */
  #pickWorker(n: Node): number {
    let best = -1, bestScore = -1;
    this.slots.forEach((s, w) => {
      if (s.inFlight >= this.depth) return;
      const local = n.inputs.filter((i) => i.replicas.has(w)).length;
      // Ties go to the least busy worker.
      const score = local * 4 + (this.depth - s.inFlight);
      if (score > bestScore) [best, bestScore] = [w, score];
    });
    return best;
  }

  #send(n: Node, w: number): void {
    const loads: Load[] = [];
    const transfer: ArrayBuffer[] = [];
    for (const input of new Set(n.inputs)) {
      if (input.replicas.has(w)) continue;
      const bytes = input.bytes ?? this.#fetch(input);
      // The input may be needed again elsewhere: keep the main thread's copy, send a copy.
      const copy = bytes.slice();
      loads.push({ id: input.id, bytes: copy });
      transfer.push(copy.buffer as ArrayBuffer);
      input.replicas.add(w);
      this.#transfers++;
      this.#transferBytes += copy.length;
    }
    const slot = this.slots[w] as WorkerSlot;
    this.#post(w, { type: 'op', id: n.id, op: n.op, inputs: n.inputs.map((i) => i.id), args: n.args, loads }, transfer);
    slot.inFlight++;
    slot.tasks++;
    n.state = 'running';
  }

  #post(w: number, task: Task, transfer: ArrayBuffer[] = []): void {
    const slot = this.slots[w] as WorkerSlot;
    if (slot.frees.length > 0) {
      slot.port.postMessage({ type: 'free', ids: slot.frees.splice(0) } satisfies Task);
    }
    slot.port.postMessage(task, transfer);
  }

  /** A done node's bytes, asked of a worker holding it (kept on the main thread for later transfers). */
  #fetch(n: Node): Uint8Array {
    const w = [...n.replicas][0];
    if (w === undefined) throw new HeError('BACKEND_INTERNAL', `seal-pool: ciphertext #${n.id} is held nowhere`, { id: n.id });
    this.#post(w, { type: 'save', id: n.id });
    for (;;) {
      let bytes: Uint8Array | null = null;
      for (const [from, message] of this.#receive()) {
        if (message.type === 'bytes' && message.id === n.id) bytes = message.bytes;
        else if (message.type === 'error' && message.id === n.id) throw new HeError(message.code, `seal-pool: ${message.message}`, message.details);
        // Replies of ops in flight arrive meanwhile: keep every one for the scheduler loop.
        else this.#early.push([from, message]);
      }
      if (bytes !== null) {
        n.bytes = bytes;
        return bytes;
      }
    }
  }

  readonly #early: Array<[number, Reply]> = [];

  /** Replies kept while fetching, then whatever has arrived; blocks until there is at least one. */
  #wait(): Array<[number, Reply]> {
    const early = this.#early.splice(0);
    return early.length > 0 ? early : this.#receive();
  }

  /** Blocks until at least one reply has arrived on a worker's port; returns all that have. */
  #receive(): Array<[number, Reply]> {
    const out: Array<[number, Reply]> = [];
    for (;;) {
      const seen = Atomics.load(this.signal, 0);
      this.slots.forEach((s, w) => {
        for (let m = receiveMessageOnPort(s.port); m !== undefined; m = receiveMessageOnPort(s.port)) out.push([w, m.message as Reply]);
      });
      if (out.length > 0) return out;
      Atomics.wait(this.signal, 0, seen, 1000);
    }
  }
}

/** A binary heap of nodes by id: the lowest id (earliest in program order) first. */
class MinQueue {
  readonly #heap: Node[] = [];

  get size(): number {
    return this.#heap.length;
  }

  peek(): Node | undefined {
    return this.#heap[0];
  }

  push(n: Node): void {
    const h = this.#heap;
    h.push(n);
    for (let i = h.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if ((h[parent] as Node).id <= n.id) break;
      h[i] = h[parent] as Node;
      h[parent] = n;
      i = parent;
    }
  }

  pop(): Node | undefined {
    const h = this.#heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last !== undefined) {
      h[0] = last;
      for (let i = 0; ;) {
        const [l, r] = [2 * i + 1, 2 * i + 2];
        let m = i;
        if (l < h.length && (h[l] as Node).id < (h[m] as Node).id) m = l;
        if (r < h.length && (h[r] as Node).id < (h[m] as Node).id) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m] as Node, h[i] as Node];
        i = m;
      }
    }
    return top;
  }
}
