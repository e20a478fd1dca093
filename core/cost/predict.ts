/**
 * Predicted seconds of a recorded circuit graph (`analyze`'s nodes) under a cost model, on
 * `workers` threads. Each node costs its op at the ring degree and the primes of its operand (a
 * rescale's operand sits one level above its result; a rotation costs one key switch per NAF term
 * it ran; an op that encodes a plaintext, at the chain's top). On one thread the prediction is the
 * sum. On a pool (workers > 1) it is the pool's schedule, replayed: ops start in program order,
 * at most `POOL_LOOKAHEAD` ahead of the oldest unfinished one (the pool's default), each on the
 * worker where it would finish first, paying the transfer of every operand that worker does not
 * hold; ops run `slowdown` times slower side by side, and each run takes `runMs` more (the
 * calibration's `pool`). With the Galois keys split between the workers (`galoisSteps`), a
 * rotation runs only where its key is, as on the pool. The work over the workers and the critical
 * path bound it below; the replay adds what dependencies, the lookahead, key placement and
 * transfers cost on top.
 */
import type { GraphNode, GraphOp } from '../analysis/graph.js';
import { HeError } from '../errors.js';
import { MinHeap } from '../heap.js';
import { galoisElement } from '../rotation.js';
import { COST_OPS, type CostModel, type CostOp } from './model.js';

/** Options of `predictTime`. */
export interface PredictTimeOptions {
  /**
   * The rotation steps each worker holds a Galois key for, when the keys are split between them
   * (`shareSteps`, as `createSealPool` places them); default: every worker holds every key. A
   * rotation by a step no worker holds a key for (one run as its NAF terms) may run anywhere.
   */
  readonly galoisSteps?: readonly (readonly number[])[];
}

/** What `predictTime` predicts for one run of a graph. */
export interface PredictedTime {
  /** Threads the work is spread over. */
  readonly workers: number;
  /** Seconds of all ops on one thread. */
  readonly workSeconds: number;
  /** Seconds of the most expensive chain of dependent ops. */
  readonly criticalPathSeconds: number;
  /** workSeconds on one thread; on a pool the replayed schedule's length, with its slowdown, transfers and overhead per run. */
  readonly seconds: number;
  /** workSeconds by op kind. */
  readonly byOp: Readonly<Record<CostOp, number>>;
}

const KIND: Partial<Record<GraphOp, CostOp>> = {
  encrypt: 'encrypt', add: 'add', sub: 'add', neg: 'add', dropLevelTo: 'add', addPlain: 'addPlain', mulPlain: 'mulPlain',
  mul: 'mul', square: 'mul', relinearize: 'relinearize', rescale: 'rescale', rotate: 'rotate',
};

/** Ops that encode a plaintext: node-seal encodes at the chain's first level, so they cost what the chain's top does. */
const ENCODES: ReadonlySet<CostOp> = new Set(['encrypt', 'encryptSymmetric', 'addPlain', 'mulPlain']);

/** The op kind `node` is priced as and its seconds (0 for the checked layer's copies). */
function nodeSeconds(model: CostModel, ringDegree: number, maxLevel: number, node: GraphNode): { op: CostOp | null; seconds: number } {
  const op = node.symmetric ? 'encryptSymmetric' : KIND[node.op];
  if (op === undefined) return { op: null, seconds: 0 };
  const primes = ENCODES.has(op) ? maxLevel + 1 : node.level + 1 + (node.op === 'rescale' ? 1 : 0);
  const times = node.op === 'rotate' ? Math.max(1, node.keySwitches) : 1;
  return { op, seconds: (times * model.opMs(op, ringDegree, primes)) / 1000 };
}

/**
 * Predicted seconds of a dry run's graph (`analyze`'s `nodes`, levels in its chain of
 * `maxLevel` + 1 primes at `ringDegree`) on `workers` threads. Throws INVALID_ARGUMENT unless
 * workers is a positive integer and `galoisSteps`, when given, has one list per worker.
 */
export function predictTime(report: { readonly nodes: readonly GraphNode[]; readonly ringDegree: number; readonly maxLevel: number }, model: CostModel, workers = 1, options: PredictTimeOptions = {}): PredictedTime {
  if (!Number.isInteger(workers) || workers < 1) throw new HeError('INVALID_ARGUMENT', `workers must be a positive integer; got ${workers}`, { argument: 'workers', workers });
  const { galoisSteps } = options;
  if (galoisSteps !== undefined && galoisSteps.length !== workers) {
    throw new HeError('INVALID_ARGUMENT', `galoisSteps must list the steps of each of the ${workers} workers; got ${galoisSteps.length} lists`, { argument: 'galoisSteps', workers, lists: galoisSteps.length });
  }
  const { nodes, ringDegree, maxLevel } = report;
  const byOp = Object.fromEntries(COST_OPS.map((op) => [op, 0])) as Record<CostOp, number>;
  const finish = new Float64Array(nodes.length);
  let work = 0, critical = 0;
  for (const n of nodes) {
    const { op, seconds } = nodeSeconds(model, ringDegree, maxLevel, n);
    if (op !== null) byOp[op] += seconds;
    work += seconds;
    // Nodes are recorded in creation order, so every operand's finish is known.
    finish[n.id] = seconds + n.inputs.reduce((m, i) => Math.max(m, finish[i] as number), 0);
    critical = Math.max(critical, finish[n.id] as number);
  }
  if (workers === 1) return { workers, workSeconds: work, criticalPathSeconds: critical, seconds: work, byOp };
  const { slowdown, runMs } = model.calibration.pool;
  const ms = replayPool(nodes, (n) => slowdown * 1000 * nodeSeconds(model, ringDegree, maxLevel, n).seconds,
    (n) => model.transferMs(ringDegree * (n.level + 1) * 8 * (n.degree + 1)), workers, galoisSteps && keyHolders(galoisSteps, ringDegree));
  return { workers, workSeconds: work, criticalPathSeconds: critical, seconds: (ms + runMs) / 1000, byOp };
}

/** The workers holding a Galois key for a rotation node's step; null for any worker (not a rotation, or no worker holds its key). */
function keyHolders(galoisSteps: readonly (readonly number[])[], ringDegree: number): (n: GraphNode) => readonly number[] | null {
  const holders = new Map<number, number[]>();
  galoisSteps.forEach((steps, w) => {
    for (const step of steps) {
      const element = galoisElement(ringDegree, step);
      const list = holders.get(element) ?? [];
      if (!list.includes(w)) list.push(w);
      holders.set(element, list);
    }
  });
  return (n) => (n.op === 'rotate' && n.step !== undefined ? holders.get(galoisElement(ringDegree, n.step)) ?? null : null);
}

/** How far ahead of the oldest unfinished op, in program order, the pool starts one (`createSealPool`'s default lookahead). */
export const POOL_LOOKAHEAD = 64;

/**
 * ms the pool takes for `nodes` (in program order) on `workers` workers, each running one op at a
 * time: an op becomes ready when its operands are done and starts no further than POOL_LOOKAHEAD
 * past the oldest unfinished op, lowest id first, on the worker where it would finish first
 * among those `allowed` (the holders of a rotation's key; any, by default): its queue, then the
 * transfer of every operand held elsewhere, then the op.
 */
function replayPool(nodes: readonly GraphNode[], opMs: (n: GraphNode) => number, transferMs: (n: GraphNode) => number, workers: number,
  allowed?: (n: GraphNode) => readonly number[] | null): number {
  const count = nodes.length;
  const cost = Float64Array.from(nodes, opMs);
  const moving = Float64Array.from(nodes, transferMs);
  const inputs = nodes.map((n) => [...new Set(n.inputs)]);
  const everyWorker = Array.from({ length: workers }, (_, w) => w);
  const places = nodes.map((n) => allowed?.(n) ?? everyWorker);
  const waiting = Int32Array.from(inputs, (i) => i.length);
  const dependents: number[][] = nodes.map(() => []);
  inputs.forEach((list, id) => list.forEach((i) => dependents[i]!.push(id)));
  // held[w][id]: worker w holds node id's result.
  const held = Array.from({ length: workers }, () => new Uint8Array(count));
  const done = new Uint8Array(count);
  const queueEnd = new Float64Array(workers);
  const ready = new MinHeap<number>();
  const running = new MinHeap<number>();
  for (let id = 0; id < count; id++) if (waiting[id] === 0) ready.push(id, id);
  let oldest = 0, end = 0;
  const dispatch = (now: number): void => {
    while (ready.size > 0 && ready.peekKey()! <= oldest + POOL_LOOKAHEAD) {
      const id = ready.pop()!;
      let best = 0, bestFinish = Infinity;
      for (const w of places[id]!) {
        let at = Math.max(now, queueEnd[w]!) + cost[id]!;
        for (const i of inputs[id]!) if (held[w]![i] === 0) at += moving[i]!;
        if (at < bestFinish) [best, bestFinish] = [w, at];
      }
      for (const i of inputs[id]!) held[best]![i] = 1;
      held[best]![id] = 1;
      queueEnd[best] = bestFinish;
      running.push(id, bestFinish, id);
    }
  };
  dispatch(0);
  while (running.size > 0) {
    const now = running.peekKey()!;
    const id = running.pop()!;
    done[id] = 1;
    end = Math.max(end, now);
    while (oldest < count && done[oldest] === 1) oldest++;
    for (const d of dependents[id]!) if (--waiting[d]! === 0) ready.push(d, d);
    dispatch(now);
  }
  return end;
}
