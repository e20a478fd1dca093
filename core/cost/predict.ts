/**
 * Predicted seconds of a recorded circuit graph (`analyze`'s nodes) under a cost model, on
 * `workers` threads. The estimator: each node costs its op at the ring degree and the primes of
 * its operand (a rescale's operand sits one level above its result; a rotation costs one key
 * switch per NAF term it ran; an op that encodes a plaintext, at the chain's top); the work is the sum over nodes, the critical path the most
 * expensive chain of dependent nodes; the prediction is max(work / workers, critical path) on one
 * thread's prices. On a pool (workers > 1) the calibration's `pool` adds what the pool costs
 * beyond that: ops run `slowdown` times slower side by side, and each run takes `runMs` more.
 * Work divides evenly only while the graph is wider than the pool, so the critical path bounds
 * it below.
 */
import type { GraphNode, GraphOp } from '../analysis/graph.js';
import { HeError } from '../errors.js';
import { COST_OPS, type CostModel, type CostOp } from './model.js';

/** What `predictTime` predicts for one run of a graph. */
export interface PredictedTime {
  /** Threads the work is spread over. */
  readonly workers: number;
  /** Seconds of all ops on one thread. */
  readonly workSeconds: number;
  /** Seconds of the most expensive chain of dependent ops. */
  readonly criticalPathSeconds: number;
  /** max(workSeconds / workers, criticalPathSeconds), and on a pool its slowdown and overhead per run. */
  readonly seconds: number;
  /** workSeconds by op kind. */
  readonly byOp: Readonly<Record<CostOp, number>>;
}

const KIND: Partial<Record<GraphOp, CostOp>> = {
  encrypt: 'encrypt', add: 'add', sub: 'add', neg: 'add', dropLevelTo: 'add', addPlain: 'addPlain', mulPlain: 'mulPlain',
  mul: 'mul', square: 'mul', relinearize: 'relinearize', rescale: 'rescale', rotate: 'rotate',
};

/** Ops that encode a plaintext: node-seal encodes at the chain's first level, so they cost what the chain's top does. */
const ENCODES: ReadonlySet<CostOp> = new Set(['encrypt', 'addPlain', 'mulPlain']);

/** The op kind `node` is priced as and its seconds (0 for the checked layer's copies). */
function nodeSeconds(model: CostModel, ringDegree: number, maxLevel: number, node: GraphNode): { op: CostOp | null; seconds: number } {
  const op = KIND[node.op];
  if (op === undefined) return { op: null, seconds: 0 };
  const primes = ENCODES.has(op) ? maxLevel + 1 : node.level + 1 + (node.op === 'rescale' ? 1 : 0);
  const times = node.op === 'rotate' ? Math.max(1, node.keySwitches) : 1;
  return { op, seconds: (times * model.opMs(op, ringDegree, primes)) / 1000 };
}

/**
 * Predicted seconds of a dry run's graph (`analyze`'s `nodes`, levels in its chain of
 * `maxLevel` + 1 primes at `ringDegree`) on `workers` threads. Throws INVALID_ARGUMENT unless workers is a positive integer.
 */
export function predictTime(report: { readonly nodes: readonly GraphNode[]; readonly ringDegree: number; readonly maxLevel: number }, model: CostModel, workers = 1): PredictedTime {
  if (!Number.isInteger(workers) || workers < 1) throw new HeError('INVALID_ARGUMENT', `workers must be a positive integer; got ${workers}`, { argument: 'workers', workers });
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
  const pool = workers > 1 ? model.calibration.pool : { slowdown: 1, runMs: 0 };
  const seconds = Math.max((work * pool.slowdown) / workers, critical) + pool.runMs / 1000;
  return { workers, workSeconds: work, criticalPathSeconds: critical, seconds, byOp };
}
