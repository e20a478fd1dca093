/**
 * `hekit analyze`: one round of a built-in circuit on metadata only (no keys, no data, no
 * parameters): depth, op counts, rotation keys, width per level, peak memory, and pictures.
 */
import { writeFileSync } from 'node:fs';
import { logreg } from '../algorithms/index.js';
import { analyze, levelsConsumed, toDot, toSvg, type CircuitAnalysis, type GraphOp } from '../core/index.js';
import { choice, integer, parseOptions } from './options.js';

/** MNIST's 14 x 14 downsampled pixels plus the bias. */
const MNIST_FEATURES = 14 * 14 + 1;

export interface AnalyzeArgs {
  readonly circuit: logreg.CircuitName;
  readonly minibatches: number;
  readonly batchSize: number;
  readonly ringDegree: number;
  readonly json: boolean;
  readonly svg: string | null;
  readonly dot: string | null;
  readonly graph: string | null;
}

/** Parses `hekit analyze` options; throws UsageError with a one-line message naming the option. */
export function parseAnalyzeArgs(argv: readonly string[]): AnalyzeArgs {
  const v = parseOptions(argv, {
    circuit: { type: 'string', default: 'lowdepth' },
    minibatches: { type: 'string', default: '6' },
    'batch-size': { type: 'string', default: '256' },
    ring: { type: 'string', default: '16384' },
    json: { type: 'boolean', default: false },
    svg: { type: 'string' },
    dot: { type: 'string' },
    graph: { type: 'string' },
  });
  return {
    circuit: choice('circuit', v.circuit!, ['lowdepth', 'baseline'] as const),
    minibatches: integer('minibatches', v.minibatches!, 1, 12),
    batchSize: integer('batch-size', v['batch-size']!, 1, 1024),
    ringDegree: Number(choice('ring', v.ring!, ['8192', '16384', '32768'] as const)),
    json: v.json!,
    svg: v.svg ?? null,
    dot: v.dot ?? null,
    graph: v.graph ?? null,
  };
}

/** What `hekit analyze --json` prints: the analysis without its graph (`--graph` writes that). */
export interface AnalyzeReport {
  circuit: string;
  minibatches: number;
  batchSize: number;
  features: number;
  ringDegree: number;
  depth: number;
  depthPerMinibatch: number;
  /** For each level the critical path spends, the op that spent it. */
  levelsSpentBy: GraphOp[];
  ops: Record<GraphOp, number>;
  keySwitches: number;
  rotations: number[];
  width: { depth: number; ciphertexts: number; products: number; plainProducts: number; rotations: number; keySwitches: number }[];
  peak: { ciphertexts: number; bytes: number };
  outputs: { depth: number; level: number; scaleBits: number }[];
}

/** One round of `args.circuit` over zero-valued minibatches (values do not change a metadata run). */
export function analyzeRound(args: Pick<AnalyzeArgs, 'circuit' | 'minibatches' | 'batchSize' | 'ringDegree'>): CircuitAnalysis {
  const batches = Array.from({ length: args.minibatches }, () => Array.from({ length: args.batchSize }, () => new Float64Array(MNIST_FEATURES)));
  return analyze(logreg.roundCircuit(args.circuit, batches), { ringDegree: args.ringDegree });
}

export function analysisReport(args: AnalyzeArgs, a: CircuitAnalysis): AnalyzeReport {
  return {
    circuit: args.circuit, minibatches: args.minibatches, batchSize: args.batchSize, features: MNIST_FEATURES, ringDegree: a.ringDegree,
    depth: a.depth, depthPerMinibatch: a.depth / args.minibatches, levelsSpentBy: levelsConsumed(a),
    ops: { ...a.ops }, keySwitches: a.keySwitches, rotations: [...a.rotations],
    width: a.width.map(({ depth, ciphertexts, products, plainProducts, rotations, keySwitches }) => ({ depth, ciphertexts, products, plainProducts, rotations, keySwitches })),
    peak: { ...a.peak },
    outputs: a.outputs.map((o) => ({ depth: o.depth, level: o.level, scaleBits: Math.log2(o.scale) })),
  };
}

/** Runs the analysis and writes the files `args` names; returns the report. */
export function runAnalysis(args: AnalyzeArgs): AnalyzeReport {
  const a = analyzeRound(args);
  const name = `${args.circuit}, ${args.minibatches} minibatches of ${args.batchSize}`;
  if (args.svg !== null) writeFileSync(args.svg, toSvg(a, name));
  if (args.dot !== null) writeFileSync(args.dot, toDot(a, name));
  if (args.graph !== null) {
    writeFileSync(args.graph, `${JSON.stringify({ circuit: name, outputs: a.outputs.map((o) => o.id), criticalPath: a.criticalPath, nodes: a.nodes })}\n`);
  }
  return analysisReport(args, a);
}

const SYMBOL: Partial<Record<GraphOp, string>> = { mul: '×', square: '²', mulPlain: 'p', dropLevelTo: '↓' };
const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** The human summary. */
export function analysisSummary(r: AnalyzeReport): string {
  const o = r.ops;
  const col = (xs: readonly (number | string)[]): string => xs.map((x) => String(x).padStart(4)).join('');
  return [
    `hekit analyze: ${r.circuit} circuit, one round of ${r.minibatches} minibatches of ${r.batchSize} (${r.features} features), N = ${r.ringDegree}`,
    `  depth        ${r.depth} levels, ${r.depthPerMinibatch.toFixed(2)} per minibatch; the critical path spends them on: ${r.levelsSpentBy.map((op) => SYMBOL[op] ?? op).join(' ')}`,
    `  operations   ${o.mul + o.square} ct×ct (${o.mul} mul, ${o.square} square), ${o.mulPlain} mulPlain, ${o.rotate} rotate, ${o.relinearize} relinearize, ` +
      `${o.rescale} rescale, ${o.dropLevelTo} dropLevelTo, ${o.add + o.sub + o.addPlain} add, ${o.encrypt} encrypt`,
    `  keys         ${r.keySwitches} key switches; Galois keys for ${r.rotations.length} steps: ${r.rotations.join(', ')}`,
    `  memory       peak ${r.peak.ciphertexts} live ciphertexts, ${mib(r.peak.bytes)} (in a chain of exactly ${r.depth} levels)`,
    `  outputs      ${r.outputs.length} ciphertext${r.outputs.length > 1 ? 's' : ''}: ${[...new Set(r.outputs.map((x) => `depth ${x.depth}, scale 2^${x.scaleBits.toFixed(2)}`))].join('; ')}`,
    '  width        ciphertexts produced at each depth:',
    `    depth      ${col(r.width.map((w) => w.depth))}`,
    `    all        ${col(r.width.map((w) => w.ciphertexts))}`,
    `    ct×ct      ${col(r.width.map((w) => w.products))}`,
    `    rotations  ${col(r.width.map((w) => w.rotations))}`,
  ].join('\n');
}
