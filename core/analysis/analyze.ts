/**
 * `analyze(circuit)`: what a circuit costs, from one metadata-only run (no keys, no values,
 * no parameters needed): depth per output, op counts, rotation steps, width per level, peak
 * ciphertext count and bytes, the level and scale of every output, the critical path, and
 * the recorded graph for `toDot`, `toSvg` or JSON.
 */
import { defineBackend } from '../backend.js';
import { HeError, isHeError } from '../errors.js';
import type { Evaluator } from '../evaluator.js';
import type { Ciphertext } from '../handle.js';
import { createParams, type CkksParams, type CkksParamsLiteral } from '../params/index.js';
import { predictTime, type CostModel, type PredictedTime } from '../cost/index.js';
import { GraphRecorder, type GraphNode, type GraphOp } from './graph.js';

/** A circuit written once against any evaluator; it encrypts its own inputs and returns its outputs. */
export type Circuit = <C>(ev: Evaluator<C>) => C | readonly C[];

/** Options of `analyze`: by default a probe chain that fits the circuit and a Galois key per step. */
export interface AnalyzeOptions {
  /**
   * Parameters to run at: outputs then carry their real levels and exact scales. Default: a
   * probe chain of 40-bit primes (scale 2^40), as long as the circuit needs, with levels
   * reported in the shortest chain that fits the circuit.
   */
  readonly params?: CkksParams | CkksParamsLiteral;
  /** Ring degree of the probe (default 16384); circuits whose layout depends on the slot count need the real one. */
  readonly ringDegree?: number;
  /** Steps with their own Galois key. Default: one key per step the circuit uses (one key switch per rotation). */
  readonly rotations?: readonly number[];
  /**
   * Predict the run's seconds with this cost model on `workers` threads (default 1): the report
   * then carries `time` (see `predictTime`: the work on one thread, the pool's schedule replayed
   * on several). Meaningful with `params`, the chain the circuit will run on.
   */
  readonly cost?: { readonly model: CostModel; readonly workers?: number };
}

/** Where one circuit output ends up. */
export interface OutputInfo {
  /** Node id in the graph. */
  readonly id: number;
  /** Multiplicative depth: levels consumed on the way to this output. */
  readonly depth: number;
  /** Level in the chain of `CircuitAnalysis.maxLevel`. */
  readonly level: number;
  readonly scale: number;
  readonly degree: number;
}

/** What the circuit does at one depth (levels consumed so far). */
export interface LevelWidth {
  readonly depth: number;
  readonly level: number;
  /** Ciphertexts produced at this depth. */
  readonly ciphertexts: number;
  /** Ciphertext products (mul, square). */
  readonly products: number;
  readonly plainProducts: number;
  readonly rotations: number;
  readonly keySwitches: number;
}

/** What one run of a circuit costs, from `analyze`: plain data, ready for JSON. */
export interface CircuitAnalysis {
  /** Ring degree N the circuit ran at. */
  readonly ringDegree: number;
  /** Levels of the chain the figures refer to (when probed: the deepest ciphertext's depth, so levels end at 0). */
  readonly maxLevel: number;
  /** True when no parameters were given: levels are in the shortest chain that fits. */
  readonly probe: boolean;
  /** Deepest output's depth. */
  readonly depth: number;
  readonly outputs: readonly OutputInfo[];
  /** Successful ops by kind ('copy': the checked layer's no-ops). */
  readonly ops: Readonly<Record<GraphOp, number>>;
  /** Key switches: relinearizations plus rotations (one each with a key per step, else one per NAF term). */
  readonly keySwitches: number;
  /** Distinct rotation steps, sorted: the Galois keys to generate. */
  readonly rotations: readonly number[];
  /** Index d: what happens at depth d. */
  readonly width: readonly LevelWidth[];
  /** Most ciphertexts alive at once, and most bytes (8 per coefficient, (degree + 1)·N·(level + 1) each). */
  readonly peak: { readonly ciphertexts: number; readonly bytes: number };
  /** Node ids from an input to the deepest output along the most rescales (see `criticalPath`). */
  readonly criticalPath: readonly number[];
  /** The recorded graph, levels in the chain above; plain data, ready for JSON. */
  readonly nodes: readonly GraphNode[];
  /** Predicted seconds, when `AnalyzeOptions.cost` was given. */
  readonly time?: PredictedTime;
}

const PROBE_SCALE_BITS = 40;
const PROBE_LEVELS = [16, 32, 64] as const;

const OPS: readonly GraphOp[] = [
  'encrypt', 'add', 'sub', 'neg', 'addPlain', 'mulPlain', 'mul', 'square', 'relinearize', 'rescale', 'dropLevelTo', 'rotate', 'copy',
];

/** Every power of two both ways: any step runs, through its NAF, in a probe run. */
const powerOfTwoSteps = (slots: number): number[] => {
  const steps: number[] = [];
  for (let s = 1; s < slots; s *= 2) steps.push(s, -s);
  return steps;
};

/**
 * Runs `circuit` once on metadata only and reports its cost. Rule violations throw the same
 * HeError as on the simulator or SEAL. Throws PLAN_INFEASIBLE past 64 levels without params.
 *
 * @example
 * ```ts
 * import { analyze, type Evaluator } from 'hekit';
 * import { innerProductPlain } from 'hekit/algorithms';
 *
 * // No keys, no values, no parameters: the cost of a circuit before anything else.
 * const circuit = <C>(ev: Evaluator<C>) => innerProductPlain(ev, ev.encrypt([1, 2, 3, 4]), [4, 3, 2, 1], 4);
 * const report = analyze(circuit);
 * console.log(report.depth, report.ops.mulPlain, report.rotations); // 1 1 [ 1, 2 ]
 * ```
 */
export function analyze(circuit: Circuit, options: AnalyzeOptions = {}): CircuitAnalysis {
  const report = analyzeUnpriced(circuit, options);
  return options.cost === undefined ? report : { ...report, time: predictTime(report, options.cost.model, options.cost.workers) };
}

function analyzeUnpriced(circuit: Circuit, options: AnalyzeOptions): CircuitAnalysis {
  if (options.params !== undefined) {
    const params = 'primes' in options.params ? options.params : createParams(options.params);
    return summarize(record(circuit, params, options.rotations ?? powerOfTwoSteps(params.slots)), params, false, options.rotations === undefined);
  }
  for (const levels of PROBE_LEVELS) {
    const params = createParams({
      ringDegree: options.ringDegree ?? 16384,
      bitSizes: [60, ...Array.from({ length: levels }, () => PROBE_SCALE_BITS), 60],
      scale: 2 ** PROBE_SCALE_BITS, allowInsecure: true,
    });
    try {
      return summarize(record(circuit, params, options.rotations ?? powerOfTwoSteps(params.slots)), params, true, options.rotations === undefined);
    } catch (e) {
      const outOfLevels = isHeError(e, 'LEVEL_EXHAUSTED') || (isHeError(e, 'SCALE_OUT_OF_BOUNDS') && e.details.level === 0);
      if (!outOfLevels) throw e;
    }
  }
  throw new HeError('PLAN_INFEASIBLE', 'the circuit consumes more than 64 levels; split it into rounds with a refresh between them', {});
}

interface Recording {
  readonly recorder: GraphRecorder;
  readonly outputs: readonly number[];
}

function record(circuit: Circuit, params: CkksParams, rotations: readonly number[]): Recording {
  const recorder = new GraphRecorder();
  // The recorder reads no plain value, so every op's slots can share one array.
  const slots = new Float64Array(params.slots);
  const { backend, payload } = defineBackend<number>({
    name: 'analysis', params, rotations, capabilities: { encrypts: false, predictsNoise: false }, kernels: recorder.kernels(params.slots), slotArray: () => slots,
  });
  try {
    const outputs = backend.scope(() => {
      const out = circuit(backend);
      const list: readonly Ciphertext[] = Array.isArray(out) ? out : [out as Ciphertext];
      return list.map((ct) => payload(ct, 'analyze'));
    });
    return { recorder, outputs };
  } finally {
    backend.dispose();
  }
}

function summarize({ recorder, outputs }: Recording, params: CkksParams, probe: boolean, keyPerStep: boolean): CircuitAnalysis {
  const nodes = recorder.nodes;
  const depthOf = (n: GraphNode): number => params.maxLevel - n.level;
  const depth = Math.max(0, ...outputs.map((id) => depthOf(nodes[id] as GraphNode)));
  const deepest = nodes.reduce((m, n) => Math.max(m, depthOf(n)), depth);
  const maxLevel = probe ? deepest : params.maxLevel;
  const levelOf = (n: GraphNode): number => maxLevel - depthOf(n);
  // With a key per step each rotation is one key switch; otherwise the NAF terms the run used.
  const switches = (n: GraphNode): number => (keyPerStep && n.op === 'rotate' ? 1 : n.keySwitches);

  const ops = Object.fromEntries(OPS.map((op) => [op, 0])) as Record<GraphOp, number>;
  const steps = new Set<number>();
  const width = Array.from({ length: deepest + 1 }, (_, d) => ({
    depth: d, level: maxLevel - d, ciphertexts: 0, products: 0, plainProducts: 0, rotations: 0, keySwitches: 0,
  }));
  let keySwitches = 0;
  for (const n of nodes) {
    ops[n.op]++;
    if (n.op === 'rotate' && n.step !== undefined) steps.add(n.step);
    const w = width[depthOf(n)] as { -readonly [K in keyof LevelWidth]: number };
    w.ciphertexts++;
    if (n.op === 'mul' || n.op === 'square') w.products++;
    if (n.op === 'mulPlain') w.plainProducts++;
    if (n.op === 'rotate') w.rotations++;
    w.keySwitches += switches(n);
    keySwitches += switches(n);
  }

  const bytes = (n: GraphNode): number => (n.degree + 1) * params.ringDegree * (Math.max(levelOf(n), 0) + 1) * 8;
  let live = 0, liveBytes = 0, peakCiphertexts = 0, peakBytes = 0;
  for (const e of recorder.events) {
    const n = nodes[e.id] as GraphNode;
    live += e.live ? 1 : -1;
    liveBytes += e.live ? bytes(n) : -bytes(n);
    peakCiphertexts = Math.max(peakCiphertexts, live);
    peakBytes = Math.max(peakBytes, liveBytes);
  }

  return {
    ringDegree: params.ringDegree,
    maxLevel,
    probe,
    depth,
    outputs: outputs.map((id) => {
      const n = nodes[id] as GraphNode;
      return { id, depth: depthOf(n), level: levelOf(n), scale: n.scale, degree: n.degree };
    }),
    ops,
    keySwitches,
    rotations: [...steps].filter((s) => s !== 0).sort((a, b) => a - b),
    width,
    peak: { ciphertexts: peakCiphertexts, bytes: peakBytes },
    criticalPath: criticalPath(nodes, outputs, depthOf),
    nodes: nodes.map((n) => ({ ...n, level: levelOf(n) })),
  };
}

/**
 * The path of most rescales: each node's count is its best operand's plus the levels its own
 * rescale spends (level drops spend none), so the path shows which ops spent the levels and
 * where levels were only dropped to align operands.
 */
function criticalPath(nodes: readonly GraphNode[], outputs: readonly number[], depthOf: (n: GraphNode) => number): number[] {
  if (outputs.length === 0) return [];
  const spent = new Int32Array(nodes.length);
  const best = new Int32Array(nodes.length).fill(-1);
  for (const n of nodes) {
    for (const i of n.inputs) {
      if (best[n.id] === -1 || (spent[i] as number) > (spent[best[n.id] as number] as number)) best[n.id] = i;
    }
    const from = best[n.id] as number;
    spent[n.id] = from < 0 ? 0 : (spent[from] as number) + (n.op === 'rescale' ? (nodes[from] as GraphNode).level - n.level : 0);
  }
  const rank = (id: number): number => depthOf(nodes[id] as GraphNode) * nodes.length + (spent[id] as number);
  let at = outputs.reduce((a, b) => (rank(b) > rank(a) ? b : a));
  const path = [at];
  while ((best[at] as number) >= 0) {
    at = best[at] as number;
    path.push(at);
  }
  return path.reverse();
}
