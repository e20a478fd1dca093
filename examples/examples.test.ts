/** Every example in the README is a file here, verbatim, and is executed with its output checked. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(`${root}README.md`, 'utf8');

/** README blocks announced by `<!-- example: path -->`. */
const blocks = [...readme.matchAll(/<!-- example: (\S+) -->\n```ts\n([\s\S]*?)```/g)].map((m) => ({ path: m[1] as string, code: m[2] as string }));

/** Runs an example module and returns what it printed, one array of arguments per console.log. */
async function run(path: string): Promise<unknown[][]> {
  const printed: unknown[][] = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void printed.push(args));
  await import(/* @vite-ignore */ `${root}${path}`);
  return printed;
}

afterEach(() => vi.restoreAllMocks());

describe('README examples', () => {
  it('are the example files, verbatim', () => {
    expect(blocks.map((b) => b.path)).toEqual(['examples/01-quick-start.ts', 'examples/04-train-logistic-regression.ts', 'examples/02-errors-and-memory.ts', 'examples/03-plan-parameters.ts']);
    for (const { path, code } of blocks) expect(code).toBe(readFileSync(`${root}${path}`, 'utf8'));
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

  it('serialization: a server evaluates on loaded keys and ciphertexts, the client decrypts', async () => {
    const [[values, hasKeys, hasSecret]] = await run('examples/05-serialization.ts') as [[number[], boolean, boolean]];
    expect(values).toEqual([4, 9]);
    expect([hasKeys, hasSecret]).toEqual([true, true]);
  });
});
