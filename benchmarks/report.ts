/**
 * Turns the case results of a run into the derived numbers (framework overhead,
 * simulator/SEAL ratios) and writes summary.json and README.md.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fmtMs, type CaseResult } from './harness.js';
import { OPS } from './ops.bench.js';
import type { OverheadVariant } from './overhead.bench.js';

export interface OverheadRow {
  readonly N: number;
  /** 'circuit' (mul, relinearize, rescale, rotate, add) or 'add'. */
  readonly seq: string;
  readonly baseline: OverheadVariant;
  /** Median over rounds of each case's median sample, in ms. */
  readonly hekitMs: number;
  readonly rawMs: number;
  /** Median over rounds of (hekit median / raw median), minus one, in percent. */
  readonly overheadPct: number;
  /** Each round's hekit/raw - 1, in percent (rounds alternate the case order). */
  readonly perRoundPct: readonly number[];
  /** The same from the means instead of the medians, pooled over rounds by geometric mean. */
  readonly overheadFromMeansPct: number;
  /** Approximate 95% margin of the mean-based overhead, in percentage points, from the cases' margins. */
  readonly marginPct: number;
}

export interface RatioRow {
  readonly N: number;
  /** An op of the per-op suite, or `circuit: evaluate` / `circuit: end-to-end`. */
  readonly what: string;
  readonly simMs: number;
  readonly sealMs: number;
  /** SEAL time / simulator time. */
  readonly ratio: number;
  /** Share of this op in the end-to-end circuit's predicted time (ops only). */
  readonly simShare?: number;
  readonly sealShare?: number;
}

export interface RunSummary {
  readonly mode: string;
  readonly date: string;
  readonly durationSec: number;
  readonly environment: Readonly<Record<string, unknown>>;
  readonly settings: Readonly<Record<string, unknown>>;
  readonly params: Readonly<Record<number, unknown>>;
  readonly keygenMs: Readonly<Record<number, { seal: number; raw: number; sim: number }>>;
  readonly cases: readonly CaseResult[];
  readonly overhead: readonly OverheadRow[];
  readonly simVsSeal: readonly RatioRow[];
}

const BASELINES: readonly OverheadVariant[] = ['raw-idiomatic', 'raw-fresh', 'raw-reused'];

/** How often each op runs in the end-to-end circuit (two encryptions). */
const CIRCUIT_WEIGHTS: Readonly<Record<string, number>> = {
  encrypt: 2, 'mul+relin+rescale': 1, rotate: 1, add: 1, decrypt: 1,
};

const geomean = (xs: readonly number[]): number => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
/** Median; the geometric mean of the middle two for an even count (ratios). */
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : Math.sqrt((s[m - 1] as number) * (s[m] as number));
};

export function overheadRows(cases: readonly CaseResult[]): OverheadRow[] {
  const rows: OverheadRow[] = [];
  const oh = cases.filter((c) => c.tags['kind'] === 'overhead');
  const keys = [...new Set(oh.map((c) => `${c.tags['N']}|${c.tags['seq']}`))];
  for (const key of keys) {
    const [n, seq] = key.split('|') as [string, string];
    const of = (variant: string) => oh.filter((c) => String(c.tags['N']) === n && c.tags['seq'] === seq && c.tags['variant'] === variant);
    const hekit = of('hekit');
    for (const baseline of BASELINES) {
      const raw = of(baseline);
      if (raw.length === 0 || raw.length !== hekit.length) continue;
      // Case i of one variant and case i of another come from the same round.
      const ratios = hekit.map((h, i) => h.medianMs / (raw[i] as CaseResult).medianMs);
      const meanRatios = hekit.map((h, i) => h.ms / (raw[i] as CaseResult).ms);
      const margin = Math.sqrt(mean(hekit.map((h) => h.rme ** 2)) + mean(raw.map((r) => r.rme ** 2))) / Math.sqrt(ratios.length);
      rows.push({
        N: Number(n), seq, baseline,
        hekitMs: median(hekit.map((h) => h.medianMs)),
        rawMs: median(raw.map((r) => r.medianMs)),
        overheadPct: (median(ratios) - 1) * 100,
        perRoundPct: ratios.map((r) => (r - 1) * 100),
        overheadFromMeansPct: (geomean(meanRatios) - 1) * 100,
        marginPct: margin,
      });
    }
  }
  return rows;
}

export function ratioRows(cases: readonly CaseResult[]): RatioRow[] {
  const rows: RatioRow[] = [];
  const Ns = [...new Set(cases.map((c) => Number(c.tags['N'])))].sort((a, b) => a - b);
  const find = (pred: (c: CaseResult) => boolean) => cases.find(pred);
  for (const N of Ns) {
    const perOp: RatioRow[] = [];
    for (const op of OPS) {
      const sim = find((c) => c.tags['kind'] === 'op' && c.tags['N'] === N && c.tags['op'] === op && c.tags['backend'] === 'sim');
      const seal = find((c) => c.tags['kind'] === 'op' && c.tags['N'] === N && c.tags['op'] === op && c.tags['backend'] === 'seal');
      if (sim && seal) perOp.push({ N, what: op, simMs: sim.ms, sealMs: seal.ms, ratio: seal.ms / sim.ms });
    }
    const total = (pick: (r: RatioRow) => number) => perOp.reduce((s, r) => s + (CIRCUIT_WEIGHTS[r.what] ?? 0) * pick(r), 0);
    const simTotal = total((r) => r.simMs);
    const sealTotal = total((r) => r.sealMs);
    for (const r of perOp) {
      const w = CIRCUIT_WEIGHTS[r.what] ?? 0;
      rows.push({ ...r, simShare: (w * r.simMs) / simTotal, sealShare: (w * r.sealMs) / sealTotal });
    }
    for (const what of ['evaluate', 'end-to-end']) {
      const sim = find((c) => c.tags['kind'] === 'circuit' && c.tags['N'] === N && c.tags['what'] === what && c.tags['backend'] === 'sim');
      const seal = find((c) => c.tags['kind'] === 'circuit' && c.tags['N'] === N && c.tags['what'] === what && c.tags['backend'] === 'seal');
      if (sim && seal) rows.push({ N, what: `circuit: ${what}`, simMs: sim.ms, sealMs: seal.ms, ratio: seal.ms / sim.ms });
    }
  }
  return rows;
}

const pct = (x: number): string => `${x >= 0 ? '+' : ''}${x.toFixed(1)}%`;
const share = (x: number | undefined): string => (x === undefined ? '' : `${(x * 100).toFixed(0)}%`);
const ops = (perSec: number): string => (perSec >= 100 ? perSec.toFixed(0) : perSec.toPrecision(3));
const ratio = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toPrecision(3));

const BASELINE_LABEL: Readonly<Record<OverheadVariant, string>> = {
  hekit: 'hekit',
  'raw-idiomatic': 'idiomatic',
  'raw-fresh': 'new result per op',
  'raw-reused': 'reused buffers',
};

export function markdown(s: RunSummary): string {
  const env = s.environment;
  const lines: string[] = [
    '# hekit benchmark results',
    '',
    `${s.mode} run of hekit ${String(env['commit'])}, ${s.date}, ${s.durationSec.toFixed(0)} s. Node ${String(env['node'])}, node-seal ${String(env['nodeSeal'])}, ` +
      `${String(env['cpu'])} (${String(env['cores'])} cores), load average ${String(env['loadStart'])} at start, ${String(env['loadEnd'])} at end.`,
    `Benchmark.js: at least ${String(s.settings['minSamples'])} samples and up to ${String(s.settings['maxTime'])} s per case; ` +
      `${String(s.settings['overheadRounds'])} overhead rounds of ${String(s.settings['overheadMaxTime'])} s per case. ±% is the 95% relative margin of error of the mean. See benchmarks/README.md for what each number means.`,
    '',
    '| N | primes (bits) | max level L | keygen hekit SEAL | keygen raw node-seal | sim setup |',
    '|---:|---|---:|---:|---:|---:|',
    ...Object.entries(s.params).map(([n, p]) => {
      const { bitSizes, levels } = p as { bitSizes: number[]; levels: number };
      const k = s.keygenMs[Number(n)];
      return `| ${n} | ${bitSizes.join(', ')} | ${levels} | ${k ? fmtMs(k.seal) : ''} ms | ${k ? fmtMs(k.raw) : ''} ms | ${k ? fmtMs(k.sim) : ''} ms |`;
    }),
    '',
    'Keygen times are single measurements, not benchmarks; whichever backend is created first also pays for growing the WebAssembly heap.',
    '',
    '## Per-op timings',
    '',
    'Fresh ciphertexts at the first data level (the most primes). Encrypt includes encoding; decrypt includes decoding.',
    '',
    '| op | N | backend | ms/op | ops/s | ±% |',
    '|---|---:|---|---:|---:|---:|',
    ...s.cases.filter((c) => c.tags['kind'] === 'op').map((c) =>
      `| ${String(c.tags['op'])} | ${String(c.tags['N'])} | ${String(c.tags['backend'])} | ${fmtMs(c.ms)} | ${ops(c.opsPerSec)} | ${c.rme.toFixed(1)} |`),
    '',
    '## Framework overhead: hekit SEAL backend vs raw node-seal (goal <= 5%)',
    '',
    'circuit = mul, relinearize, rescale, rotate(1), add. Baselines: *idiomatic* is node-seal\'s README style (node-seal allocates results, ' +
      'relinearize and rescale in place, default pool argument); *new result per op* makes exactly hekit\'s node-seal calls (a new destination per op, ' +
      'one pool handle), so the difference is hekit\'s JavaScript; *reused buffers* preallocates every output once and passes one pool. ' +
      'Times are medians of samples; overhead is the median over rounds of hekit/raw; "from means" pools the rounds\' means instead, ±pp is its 95% margin.',
    '',
    '| sequence | N | raw baseline | hekit ms | raw ms | overhead | from means ±pp | per round |',
    '|---|---:|---|---:|---:|---:|---:|---|',
    ...s.overhead.map((r) =>
      `| ${r.seq} | ${r.N} | ${BASELINE_LABEL[r.baseline]} | ${fmtMs(r.hekitMs)} | ${fmtMs(r.rawMs)} | **${pct(r.overheadPct)}** | ` +
      `${pct(r.overheadFromMeansPct)} ±${r.marginPct.toFixed(1)} | ${r.perRoundPct.map(pct).join(', ')} |`),
    '',
    '## Simulator vs SEAL (goal >= 1000x)',
    '',
    'ratio = SEAL time / simulator time. Share = the op\'s part of the end-to-end circuit (2 encrypt, mul+relin+rescale, rotate, add, decrypt) ' +
      'predicted from the per-op rows, on each backend.',
    '',
    '| what | N | sim ms | SEAL ms | SEAL/sim | share of sim time | share of SEAL time |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...s.simVsSeal.map((r) =>
      `| ${r.what} | ${r.N} | ${fmtMs(r.simMs)} | ${fmtMs(r.sealMs)} | **${ratio(r.ratio)}x** | ${share(r.simShare)} | ${share(r.sealShare)} |`),
    '',
  ];
  return lines.join('\n');
}

export function writeReport(folder: string, summary: RunSummary): void {
  writeFileSync(join(folder, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(join(folder, 'README.md'), markdown(summary));
}
