/**
 * Every example in the README and the guides (docs/*.md) is a file here, verbatim, and is executed with its output
 * checked. The error-code table (docs/errors.md) and the parameter cookbook (docs/parameters.md) are checked against
 * the code.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { planFromReport } from '../core/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (path: string) => readFileSync(`${root}${path}`, 'utf8');

/** The README and every guide, by path from the repository root. */
const documents = ['README.md', ...readdirSync(`${root}docs`).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];

/** Blocks announced by `<!-- example: path -->`, per document. */
const blocks = documents.flatMap((doc) =>
  [...read(doc).matchAll(/<!-- example: (\S+) -->\n```ts\n([\s\S]*?)```/g)].map((m) => ({ doc, path: m[1] as string, code: m[2] as string })));

/** Runs an example module and returns what it printed, one array of arguments per console.log. */
async function run(path: string): Promise<unknown[][]> {
  const printed: unknown[][] = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void printed.push(args));
  await import(/* @vite-ignore */ `${root}${path}`);
  return printed;
}

afterEach(() => vi.restoreAllMocks());

describe('README and guide examples', () => {
  it('each document shows its examples, and they are the example files, verbatim', () => {
    const byDocument: Record<string, string[]> = {};
    for (const { doc, path } of blocks) (byDocument[doc] ??= []).push(path);
    expect(byDocument).toEqual({
      'README.md': ['examples/01-quick-start.ts'],
      'docs/client-server.md': ['examples/08-serialization.ts'],
      'docs/development-loop.md': ['examples/05-development-loop.ts', 'examples/06-paired-divergence.ts'],
      'docs/errors.md': ['examples/02-errors-and-memory.ts'],
      'docs/parameters.md': ['examples/03-plan-parameters.ts'],
      'docs/training.md': ['examples/04-train-logistic-regression.ts'],
    });
    for (const { path, code } of blocks) expect(code).toBe(read(path));
  });

  it('quick start: simulator and SEAL compute the inner product at level 1', async () => {
    const [sim, seal] = await run('examples/01-quick-start.ts');
    const expected = 0.5 * 2 - 1.25 * 1 - 2 * 0.5 + 0.75 * 4;
    expect(sim?.[0]).toBe('sim');
    expect(Math.abs((sim?.[1] as number) - expected)).toBeLessThan(1e-12);
    expect(sim?.[3]).toBe(1);
    const bound = sim?.[5] as number;
    expect(bound).toBeGreaterThan(0);
    expect(seal?.[0]).toBe('seal');
    expect(Math.abs((seal?.[1] as number) - expected)).toBeLessThanOrEqual(bound);
    expect(seal?.[3]).toBe(1);
  });

  it('errors and memory: the printed code, counts and values', async () => {
    const [error, counts, square] = await run('examples/02-errors-and-memory.ts');
    expect(error?.[0]).toBe('SCALE_MISMATCH');
    expect(String(error?.[1])).toContain('2^40.00 vs 2^80.00');
    expect(counts).toEqual(['live ciphertexts', 4, 'depth', 1, 'key switches', 2]);
    const values = square?.[1] as number[];
    [1, 4, 9].forEach((v, i) => expect(Math.abs((values[i] as number) - v)).toBeLessThan(1e-12));
    expect(Number(square?.[3])).toBeGreaterThan(20);
    expect(square?.[5]).toBe(1);
  });

  it('plan parameters: a dry-run plan that SEAL runs at the requested precision', async () => {
    const [explanation, result] = await run('examples/03-plan-parameters.ts');
    const text = String(explanation?.[0]);
    expect(text).toMatch(/^depth 1: 1 rescale primes of \d+ bits/);
    const predicted = Number(/precision: ([\d.]+) bits predicted/.exec(text)?.[1]);
    expect(predicted).toBeGreaterThanOrEqual(25);
    expect(result?.[0]).toBe('x = 0.5:');
    expect(Math.abs((result?.[1] as number) - 0.75)).toBeLessThan(2 ** -25);
  });

  it('training: the low-depth circuit on the injected simulator matches its float64 twin', async () => {
    const [levels, accuracy, error] = await run('examples/04-train-logistic-regression.ts');
    expect(levels).toEqual(['levels', [6], 'of', 6]);
    expect(accuracy?.[1]).toBe(accuracy?.[3]);
    expect(accuracy?.[1]).toBeGreaterThan(0.9);
    expect(error?.[1]).toBeLessThan(1e-2);
    expect(error?.[1]).toBeGreaterThan(0);
  });

  it('development loop: analysis, plan, simulation and a lockstep SEAL run agree with float64', async () => {
    const [analysis, plan, simulated, seal] = await run('examples/05-development-loop.ts');
    expect(analysis).toEqual(['depth', 3, 'ct×ct', 2, 'rotation keys', [1, 2, 4]]);
    expect(plan?.[1]).toBe(8192);
    expect((plan?.[3] as number[]).length).toBe(5);
    const z = 0.8 * 1.5 + 0.3 * 2 + 0.25 + 0.3 - 0.9 - 0.4 + 0.4 - 0.3;
    const expected = 0.5 + 0.15012 * z - 0.001593 * z ** 3;
    expect(Math.abs((simulated?.[1] as number) - expected)).toBeLessThan(1e-12);
    expect(simulated?.[3]).toBeGreaterThanOrEqual(20);
    expect(Math.abs((seal?.[1] as number) - expected)).toBeLessThan(2 ** -20);
    expect(seal?.[3]).toBeGreaterThan(10);
    expect(seal?.[5]).toBeGreaterThan(0);
    expect(seal?.[5]).toBeLessThanOrEqual(1);
  });

  it('paired divergence: the overflow SEAL hides is named at its op', async () => {
    const [line] = await run('examples/06-paired-divergence.ts');
    expect(String(line?.[0])).toMatch(/^op #1 square on \(level 1, scale 2\^30\.00\): seal succeeded, sim threw OVERFLOW/);
    expect(line?.[2]).toBe('OVERFLOW');
  });

  it('serialization: a server evaluates on loaded keys and ciphertexts, the client decrypts', async () => {
    const [[values, hasKeys, hasSecret]] = await run('examples/08-serialization.ts') as [[number[], boolean, boolean]];
    expect(values).toEqual([4, 9]);
    expect([hasKeys, hasSecret]).toEqual([true, true]);
  });
});

describe('error codes (docs/errors.md)', () => {
  const table = [...read('docs/errors.md').matchAll(/^\| `([A-Z_]+)` \| .* \| (`.*`|[^|`]*) \|$/gm)].map((m) => ({ code: m[1] as string, example: m[2] as string }));
  const declared = [...read('core/errors.ts').matchAll(/^ {2}\| '([A-Z_]+)'/gm)].map((m) => m[1]);

  it('the table lists every HeErrorCode once', () => {
    expect(table.map((r) => r.code).sort()).toEqual([...declared].sort());
  });

  it('examples/07 meets every code with an example, in the table order, and its lines are the table examples', async () => {
    const printed = await run('examples/07-error-codes.ts');
    const reproducible = table.filter((r) => !r.example.startsWith('not reproducible'));
    expect(printed.map((p) => p[0])).toEqual(reproducible.map((r) => r.code));
    const source = read('examples/07-error-codes.ts');
    for (const { example } of reproducible) {
      // The first code span of each example is in the file verbatim.
      expect(source).toContain(/^`([^`]*)`/.exec(example)?.[1]);
    }
  });
});

describe('parameter cookbook (docs/parameters.md)', () => {
  const rows = [...read('docs/parameters.md').matchAll(/^\| (\d+) \| (\d+) \| 2\^(\d+) \| (\d+) \| ([\d, x]+) \| (\d+) \((\d+)\) \|$/gm)];

  it('every row is what the planner picks', () => {
    expect(rows.length).toBeGreaterThanOrEqual(8);
    for (const [, depth, precision, valueBits, ring, sizes, used, allowed] of rows) {
      const plan = planFromReport({ depth: Number(depth), maxValueBits: Number(valueBits), slots: 4096, rotations: [] }, { precisionBits: Number(precision) });
      // "34 x5" stands for five 34-bit primes.
      const bitSizes = (sizes as string).split(', ').flatMap((part) => {
        const [bits, times] = part.split(' x');
        return Array.from({ length: Number(times ?? 1) }, () => Number(bits));
      });
      expect(plan.params.ringDegree, `depth ${depth}`).toBe(Number(ring));
      expect([...plan.params.bitSizes]).toEqual(bitSizes);
      expect([plan.modulusBits, plan.allowedBits]).toEqual([Number(used), Number(allowed)]);
    }
  });

  it('past the last row, 24 levels at 20 bits are infeasible', () => {
    expect(() => planFromReport({ depth: 24, maxValueBits: 8, slots: 4096, rotations: [] }, { precisionBits: 20 }))
      .toThrow(expect.objectContaining({ code: 'PLAN_INFEASIBLE' }));
  });
});
