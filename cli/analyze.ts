/**
 * `hekit analyze`: one round of a built-in circuit, or a circuit from the user's own module, on
 * metadata only (no keys, no data, no parameters): depth, op counts, rotation keys, width per
 * level, peak memory, and pictures.
 */
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { linalg, logreg } from '../algorithms/index.js';
import { analyze, levelsConsumed, svgAxes, toDot, toSvg, type Circuit, type CircuitAnalysis, type GraphOp } from '../core/index.js';
import { choice, configure, given, integer, list, nonEmpty, option, parseWith, powerOfTwo, refuse, UsageError } from './options.js';

/** MNIST's 14 x 14 downsampled pixels plus the bias. */
const MNIST_FEATURES = 14 * 14 + 1;

const CIRCUITS = ['lowdepth', 'baseline'] as const;
const file = nonEmpty('a file name');

export interface AnalyzeArgs {
  readonly circuit: logreg.CircuitName;
  /** A module file and the name of its export to analyse instead of a built-in circuit (null: built-in). */
  readonly module: { readonly file: string; readonly exportName: string } | null;
  readonly minibatches: number;
  readonly batchSize: number;
  /** Built-in circuits: the encoding unit's height (null: as tall as a minibatch, `unitFor`). */
  readonly unitHeight: number | null;
  readonly ringDegree: number;
  readonly json: boolean;
  readonly svg: string | null;
  /** Built-in circuits whose pictures the SVG's axes also fit (one scale for pictures side by side). */
  readonly scaleLike: readonly logreg.CircuitName[];
  readonly dot: string | null;
  readonly graph: string | null;
}

/** `hekit analyze`'s options, descriptions, defaults and examples (no action: hekit.ts adds it). */
export function analyzeCommand(): Command {
  return configure(new Command('analyze'))
    .summary("what a circuit costs (depth, ops, keys, memory, pictures), from a metadata-only run")
    .description('Analyse one round of a built-in training circuit, or a circuit of your own (--module), on metadata only: ' +
      'no keys, no data, no parameters. Prints depth, op counts, rotation keys, width per depth and peak memory; ' +
      'writes the level timeline (SVG), the graph (DOT) and the graph as JSON.')
    .addOption(option('circuit', 'lowdepth|baseline', 'the built-in circuit: one round of training', choice(...CIRCUITS), 'lowdepth'))
    .addOption(option('minibatches', 'K', 'built-in circuits: minibatches in the round (1 to 12)', integer(1, 12), 6))
    .addOption(option('batch-size', 'B', 'built-in circuits: samples per minibatch (1 to 1024)', integer(1, 1024), 256))
    .addOption(option('unit-height', 'H', 'built-in circuits: the encoding unit\'s height, a power of two up to N/4 (default: as tall as a minibatch, up to N/4)',
      powerOfTwo(1, 8192)))
    .addOption(option('module', 'FILE', 'analyse a circuit from this module (.js, .mjs; .ts, .mts through tsx) instead of a built-in one', file))
    .addOption(option('export', 'NAME', 'with --module: the export holding the circuit, a function (ev) => ciphertext or ciphertexts',
      nonEmpty('an export name'), 'default', '"default"'))
    .addOption(option('ring', '8192|16384|32768', 'ring degree N (slots = N/2)', (name, text) => Number(choice('8192', '16384', '32768')(name, text)), 16384))
    .addOption(option('json', null, 'print one JSON object on stdout instead of the summary', null))
    .addOption(option('svg', 'FILE', 'write the level timeline as SVG', file))
    .addOption(option('scale-like', 'CIRCUITS', 'with --svg: axes that also fit these built-in circuits (comma-separated; same --minibatches, --batch-size, --ring), ' +
      'so pictures shown side by side share one scale', list(choice(...CIRCUITS))))
    .addOption(option('dot', 'FILE', 'write the graph in Graphviz DOT', file))
    .addOption(option('graph', 'FILE', 'write the graph as JSON (nodes, outputs, critical path)', file))
    .addHelpText('after', `
A circuit module exports a function written once against any evaluator, which encrypts its own
inputs and returns its output ciphertext (or an array of them):
  export const square = <C>(ev: Evaluator<C>): C => ev.rescale(ev.relinearize(ev.square(ev.encrypt([1, 2, 3]))));

Examples:
  hekit analyze --circuit baseline --minibatches 2
  hekit analyze --module my-circuit.ts --export square --json
  hekit analyze --circuit lowdepth --svg docs/lowdepth.svg --scale-like baseline
  hekit analyze --circuit baseline --svg docs/baseline.svg --scale-like lowdepth

Exit codes: 0 done, 1 failure, 2 bad usage.`);
}

/** Options `cmd` parsed, checked together: built-in circuit options are refused with --module, and so on. */
export function analyzeArgsOf(cmd: Command): AnalyzeArgs {
  const v = cmd.opts<{
    circuit: logreg.CircuitName; minibatches: number; batchSize: number; unitHeight?: number; module?: string; export: string; ring: number; json?: boolean;
    svg?: string; scaleLike?: logreg.CircuitName[]; dot?: string; graph?: string;
  }>();
  const passed = given(cmd);
  const builtIn = v.module === undefined;
  if (v.unitHeight !== undefined && v.unitHeight > v.ring / 4) throw new UsageError(`--unit-height must be at most N/4 = ${v.ring / 4} (two columns); got ${v.unitHeight}`);
  for (const name of ['circuit', 'minibatches', 'batch-size', 'unit-height']) refuse(passed, name, builtIn, 'built-in circuits', `--module ${v.module}`);
  refuse(passed, 'export', !builtIn, '--module', 'no --module');
  refuse(passed, 'scale-like', v.svg !== undefined, '--svg', 'no --svg');
  refuse(passed, 'scale-like', builtIn, 'built-in circuits', `--module ${v.module}`);
  return {
    circuit: v.circuit, module: builtIn ? null : { file: v.module!, exportName: v.export }, minibatches: v.minibatches, batchSize: v.batchSize,
    unitHeight: v.unitHeight ?? null, ringDegree: v.ring, json: v.json === true, svg: v.svg ?? null, scaleLike: v.scaleLike ?? [], dot: v.dot ?? null, graph: v.graph ?? null,
  };
}

/** Parses `hekit analyze` options; throws UsageError with a one-line message naming the option. */
export function parseAnalyzeArgs(argv: readonly string[]): AnalyzeArgs {
  return analyzeArgsOf(parseWith(analyzeCommand(), argv));
}

/** What `hekit analyze --json` prints: the analysis without its graph (`--graph` writes that). */
export interface AnalyzeReport {
  /** The built-in circuit's name, or `FILE#EXPORT` for a module's. */
  circuit: string;
  /** Built-in circuits: the round's minibatches, samples per minibatch and features (null for a module's circuit). */
  minibatches: number | null;
  batchSize: number | null;
  /** Built-in circuits: the encoding unit, tile height and width (null for a module's circuit). */
  unit: { height: number; width: number } | null;
  features: number | null;
  ringDegree: number;
  depth: number;
  /** Built-in circuits: depth / minibatches (null for a module's circuit). */
  depthPerMinibatch: number | null;
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
export function analyzeRound(args: Pick<AnalyzeArgs, 'circuit' | 'minibatches' | 'batchSize' | 'ringDegree' | 'unitHeight'>): CircuitAnalysis {
  const batches = Array.from({ length: args.minibatches }, () => Array.from({ length: args.batchSize }, () => new Float64Array(MNIST_FEATURES)));
  return analyze(logreg.roundCircuit(args.circuit, batches, { values: false, ...(args.unitHeight === null ? {} : { unitHeight: args.unitHeight }) }), { ringDegree: args.ringDegree });
}

const TYPESCRIPT = ['.ts', '.mts', '.cts'];
const JAVASCRIPT = ['.js', '.mjs', '.cjs'];

/**
 * The circuit `exportName` of module `file`: JavaScript imported directly, TypeScript through
 * tsx's `tsImport` when tsx is installed. UsageError for a missing file, a file of another kind,
 * TypeScript without tsx, a missing export or one that is not a function.
 */
export async function loadCircuit(file: string, exportName: string): Promise<Circuit> {
  const full = resolve(file);
  if (!existsSync(full) || !statSync(full).isFile()) throw new UsageError(`--module: no file ${file}`);
  const ext = extname(full).toLowerCase();
  let mod: Record<string, unknown>;
  if (TYPESCRIPT.includes(ext)) {
    let tsImport: (specifier: string, parent: string) => Promise<Record<string, unknown>>;
    try {
      ({ tsImport } = await import('tsx/esm/api') as { tsImport: typeof tsImport });
    } catch {
      throw new UsageError(`--module ${file}: loading TypeScript needs tsx (npm install tsx); or compile the module to .js or .mjs`);
    }
    mod = await tsImport(pathToFileURL(full).href, import.meta.url);
  } else if (JAVASCRIPT.includes(ext)) {
    mod = await import(pathToFileURL(full).href) as Record<string, unknown>;
  } else {
    throw new UsageError(`--module must be a .js, .mjs, .ts or .mts file; got ${file}`);
  }
  if (!(exportName in mod)) {
    const names = Object.keys(mod).filter((k) => k !== '__esModule');
    throw new UsageError(`--export: ${file} has no export "${exportName}"${names.length === 0 ? '' : `; its exports: ${names.join(', ')}`}`);
  }
  const circuit = mod[exportName];
  if (typeof circuit !== 'function') {
    throw new UsageError(`--export ${exportName}: in ${file} it is ${circuit === null ? 'null' : `a ${typeof circuit}`}, not a circuit function (ev) => ciphertext`);
  }
  return circuit as Circuit;
}

const unitOf = (args: AnalyzeArgs): { height: number; width: number } => {
  const slots = args.ringDegree / 2;
  const { height, width } = args.unitHeight === null ? linalg.unitFor(args.batchSize, slots) : linalg.encodingUnit(args.unitHeight, slots);
  return { height, width };
};

export function analysisReport(args: AnalyzeArgs, a: CircuitAnalysis): AnalyzeReport {
  const builtIn = args.module === null;
  return {
    circuit: builtIn ? args.circuit : `${args.module!.file}#${args.module!.exportName}`,
    minibatches: builtIn ? args.minibatches : null, batchSize: builtIn ? args.batchSize : null, unit: builtIn ? unitOf(args) : null, features: builtIn ? MNIST_FEATURES : null,
    ringDegree: a.ringDegree, depth: a.depth, depthPerMinibatch: builtIn ? a.depth / args.minibatches : null, levelsSpentBy: levelsConsumed(a),
    ops: { ...a.ops }, keySwitches: a.keySwitches, rotations: [...a.rotations],
    width: a.width.map(({ depth, ciphertexts, products, plainProducts, rotations, keySwitches }) => ({ depth, ciphertexts, products, plainProducts, rotations, keySwitches })),
    peak: { ...a.peak },
    outputs: a.outputs.map((o) => ({ depth: o.depth, level: o.level, scaleBits: Math.log2(o.scale) })),
  };
}

/** Runs the analysis and writes the files `args` names; returns the report. */
export async function runAnalysis(args: AnalyzeArgs): Promise<AnalyzeReport> {
  const a = args.module === null
    ? analyzeRound(args)
    : analyze(await loadCircuit(args.module.file, args.module.exportName), { ringDegree: args.ringDegree });
  const name = args.module === null ? `${args.circuit}, ${args.minibatches} minibatches of ${args.batchSize}` : `${args.module.exportName} (${args.module.file})`;
  if (args.svg !== null) {
    const others = args.scaleLike.filter((c) => c !== args.circuit).map((circuit) => analyzeRound({ ...args, circuit }));
    writeFileSync(args.svg, toSvg(a, name, others.length === 0 ? {} : { axes: svgAxes([a, ...others]) }));
  }
  if (args.dot !== null) writeFileSync(args.dot, toDot(a, name));
  if (args.graph !== null) {
    writeFileSync(args.graph, `${JSON.stringify({ circuit: name, outputs: a.outputs.map((o) => o.id), criticalPath: a.criticalPath, nodes: a.nodes })}\n`);
  }
  return analysisReport(args, a);
}

const SYMBOL: Partial<Record<GraphOp, string>> = { mul: '×', square: '²', mulPlain: 'p', dropLevelTo: '↓' };
const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The human summary. */
export function analysisSummary(r: AnalyzeReport): string {
  const o = r.ops;
  const col = (xs: readonly (number | string)[]): string => xs.map((x) => String(x).padStart(4)).join('');
  const perMinibatch = r.depthPerMinibatch === null ? '' : `, ${r.depthPerMinibatch.toFixed(2)} per minibatch`;
  return [
    r.minibatches === null
      ? `hekit analyze: circuit ${r.circuit}, N = ${r.ringDegree}`
      : `hekit analyze: ${r.circuit} circuit, one round of ${r.minibatches} minibatches of ${r.batchSize} (${r.features} features), N = ${r.ringDegree}, ` +
        `${r.unit!.height} x ${r.unit!.width} tiles`,
    `  depth        ${plural(r.depth, 'level')}${perMinibatch}; the critical path spends ${r.depth === 1 ? 'it' : 'them'} on: ${r.levelsSpentBy.map((op) => SYMBOL[op] ?? op).join(' ') || 'nothing'}`,
    `  operations   ${o.mul + o.square} ct×ct (${o.mul} mul, ${o.square} square), ${o.mulPlain} mulPlain, ${o.rotate} rotate, ${o.relinearize} relinearize, ` +
      `${o.rescale} rescale, ${o.dropLevelTo} dropLevelTo, ${o.add + o.sub + o.addPlain} add, ${o.encrypt} encrypt`,
    `  keys         ${r.keySwitches} key switches; Galois keys for ${plural(r.rotations.length, 'step')}${r.rotations.length === 0 ? '' : `: ${r.rotations.join(', ')}`}`,
    `  memory       peak ${r.peak.ciphertexts} live ciphertexts, ${mib(r.peak.bytes)} (in a chain of exactly ${plural(r.depth, 'level')})`,
    `  outputs      ${r.outputs.length} ciphertext${r.outputs.length > 1 ? 's' : ''}: ${[...new Set(r.outputs.map((x) => `depth ${x.depth}, scale 2^${x.scaleBits.toFixed(2)}`))].join('; ')}`,
    '  width        ciphertexts produced at each depth:',
    `    depth      ${col(r.width.map((w) => w.depth))}`,
    `    all        ${col(r.width.map((w) => w.ciphertexts))}`,
    `    ct×ct      ${col(r.width.map((w) => w.products))}`,
    `    rotations  ${col(r.width.map((w) => w.rotations))}`,
  ].join('\n');
}
