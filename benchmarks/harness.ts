/**
 * A thin layer over benny: runs one suite of plain benchmark bodies, saves benny's JSON
 * (with per-sample details) and returns one row per case with the unrounded timing.
 * benny rounds ops/s to integers for display, so times come from Benchmark.js's mean.
 */
import * as b from 'benny';

export interface Case {
  /** Unique within the suite. */
  readonly name: string;
  /** The timed body: plain, synchronous, frees every ciphertext it creates, returns nothing. */
  readonly fn: () => void;
  /** Labels carried into the results (op, N, backend, ...). */
  readonly tags: Readonly<Record<string, string | number>>;
}

export interface CaseResult {
  readonly suite: string;
  readonly name: string;
  readonly tags: Readonly<Record<string, string | number>>;
  /** Mean time per call, in milliseconds. */
  readonly ms: number;
  /** Median over samples of the time per call, in milliseconds: robust to a busy machine's outliers. */
  readonly medianMs: number;
  readonly opsPerSec: number;
  /** Relative margin of error of the mean (95%), in percent. */
  readonly rme: number;
  readonly samples: number;
}

export interface SuiteSettings {
  readonly minSamples: number;
  /** Seconds of sampling per case. */
  readonly maxTime: number;
  readonly folder: string;
}

export async function runSuite(name: string, cases: readonly Case[], settings: SuiteSettings): Promise<CaseResult[]> {
  const started = performance.now();
  const summary = await b.suite(
    name,
    b.configure({ cases: { minSamples: settings.minSamples, maxTime: settings.maxTime }, minDisplayPrecision: 2 }),
    ...cases.map((c) => b.add(c.name, c.fn)),
    b.cycle((r) => {
      const ms = r.details.mean * 1e3;
      console.log(`  ${r.name.padEnd(44)} ${fmtMs(ms).padStart(10)} ms/op  ±${r.margin.toFixed(2).padStart(5)}%  (${r.samples} samples)`);
    }),
    b.complete(() => console.log(`  done in ${((performance.now() - started) / 1e3).toFixed(1)} s`)),
    b.save({ file: name, folder: settings.folder, format: 'json', details: true }),
  );
  return cases.map((c) => {
    const r = summary.results.find((x) => x.name === c.name);
    if (!r || !r.completed) throw new Error(`suite ${name}: case ${c.name} did not complete`);
    return {
      suite: name,
      name: c.name,
      tags: c.tags,
      ms: r.details.mean * 1e3,
      medianMs: r.details.median * 1e3,
      opsPerSec: 1 / r.details.mean,
      rme: r.details.relativeMarginOfError,
      samples: r.samples,
    };
  });
}

/** Three significant digits, without exponent notation. */
export function fmtMs(ms: number): string {
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  if (ms >= 1) return ms.toFixed(2);
  return ms.toPrecision(3);
}
