/**
 * A pool worker: one SEAL evaluation backend with keys it loaded or made (keys.ts), a table of
 * the ciphertexts it holds, and a loop answering the scheduler's tasks. With worker-made keys
 * every worker holds the secret key, and decrypts; with loaded ones none does.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { HeError } from '../../../core/errors.js';
import type { Ciphertext } from '../../../core/handle.js';
import { loadSeal, sealHeapBytes } from '../loader.js';
import { warmSealHeap } from '../warm.js';
import { createWorkerBackend, generateWorkerBackend } from './keys.js';
import type { Reply, SecretKeyMessage, Task, WorkerInit, WorkerStart } from './protocol.js';
import { receiveCiphertext, sendCiphertext } from './transfer.js';

// node-seal loads while the thread waits for its pool (a failure surfaces again when the keys need it),
// and a prestarted thread faults its heap in meanwhile.
loadSeal().catch(() => {});
let init: WorkerInit | undefined;
const arrived = new Promise<WorkerInit>((resolve) => parentPort!.once('message', (m: WorkerInit) => resolve((init = m))));
const { warm } = workerData as WorkerStart;
if (warm !== undefined) await warmSealHeap(warm.bytes, { ...warm, stop: () => init !== undefined }).catch(() => {});
const { keys, steps, port, signal } = await arrived;
const secretKey = (): Promise<Uint8Array> => new Promise((resolve) => port.once('message', (m: SecretKeyMessage) => resolve(m.bytes)));
const share = (bytes: Uint8Array): void => port.postMessage({ type: 'secretKey', bytes } satisfies SecretKeyMessage, [bytes.buffer as ArrayBuffer]);
const backend = keys.kind === 'load'
  ? await createWorkerBackend(keys.keys, steps)
  : await generateWorkerBackend(keys.params, steps, keys.keeper ? { share } : { bytes: secretKey() });
const held = new Map<number, Ciphertext>();
let peak = 0;

const reply = (message: Reply, transfer: ArrayBuffer[] = []): void => {
  port.postMessage(message, transfer);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
};

const get = (id: number): Ciphertext => {
  const ct = held.get(id);
  if (ct === undefined) throw new HeError('BACKEND_INTERNAL', `pool worker: ciphertext #${id} is not here`, { id });
  return ct;
};

function fail(id: number, e: unknown): void {
  const known = e instanceof HeError;
  reply({ type: 'error', id, code: known ? e.code : 'BACKEND_INTERNAL', message: e instanceof Error ? e.message : String(e), details: known ? { ...e.details } : {} });
}

function run(task: Extract<Task, { type: 'op' }>): Ciphertext {
  for (const { id, bytes } of task.loads) held.set(id, receiveCiphertext(backend, bytes));
  const [a, b] = task.inputs.map(get);
  const { values, level, scale, step, symmetric } = task.args;
  switch (task.op) {
    case 'encrypt': return backend.encrypt(values as Float64Array, { level: level as number, scale: scale as number, symmetric });
    case 'add': return backend.add(a!, b!);
    case 'sub': return backend.sub(a!, b!);
    case 'neg': return backend.neg(a!);
    case 'addPlain': return backend.addPlain(a!, values as Float64Array);
    case 'mulPlain': return backend.mulPlain(a!, values as Float64Array, scale);
    case 'mul': return backend.mul(a!, b!);
    case 'square': return backend.square(a!);
    case 'relinearize': return backend.relinearize(a!);
    case 'rescale': return backend.rescale(a!);
    case 'dropLevelTo': return backend.dropLevelTo(a!, level as number);
    case 'rotate': return backend.rotate(a!, step as number);
    case 'copy': return backend.dropLevelTo(a!, a!.level);
  }
}

port.on('message', (task: Task) => {
  switch (task.type) {
    case 'op':
      try {
        held.set(task.id, run(task));
        peak = Math.max(peak, held.size);
        reply({ type: 'done', id: task.id, heapBytes: sealHeapBytes() });
      } catch (e) {
        fail(task.id, e);
      }
      return;
    case 'save':
      try {
        const bytes = sendCiphertext(backend, get(task.id));
        reply({ type: 'bytes', id: task.id, bytes }, [bytes.buffer as ArrayBuffer]);
      } catch (e) {
        fail(task.id, e);
      }
      return;
    case 'decrypt': {
      let ct: Ciphertext | null = null;
      try {
        ct = task.bytes === null ? null : receiveCiphertext(backend, task.bytes);
        const source = ct ?? get(task.id);
        const values = backend.decrypt(source);
        reply({ type: 'values', id: task.id, values, level: source.level, scale: source.scale, degree: source.degree }, [values.buffer as ArrayBuffer]);
      } catch (e) {
        fail(task.id, e);
      } finally {
        if (ct !== null) backend.free(ct);
      }
      return;
    }
    case 'free':
      for (const id of task.ids) {
        held.get(id)?.dispose();
        held.delete(id);
      }
      return;
    case 'report':
      reply({ type: 'report', live: backend.memory().ciphertexts, peak, heapBytes: sealHeapBytes() });
  }
});

reply({ type: 'ready', heapBytes: sealHeapBytes() });
