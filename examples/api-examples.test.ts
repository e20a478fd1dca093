/**
 * The `@example` blocks of the API reference (doc comments in the library's source) are complete programs: each is
 * run here, as the README's and the guides' examples are, and must finish and print.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Library sources (no tests), under the folders the package exports. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Each `@example` block's code, with the doc comment's ` * ` prefixes removed, and the declaration it documents. */
const examples = ['core', 'backends', 'algorithms', 'client', 'server'].flatMap((folder) => sources(join(root, folder))).flatMap((file) =>
  [...readFileSync(file, 'utf8').matchAll(/ \* @example\n \* ```ts\n([\s\S]*?) \* ```\n[\s\S]*?\*\/\n(?:export )?(?:async )?(?:function )?(?:const )?(\w+)?/g)].map((m) => ({
    file: relative(root, file).split('\\').join('/'),
    name: m[2] ?? 'module',
    code: (m[1] as string).split('\n').map((line) => line.replace(/^ \*( |$)/, '')).join('\n'),
  })));

const dir = mkdtempSync(join(tmpdir(), 'hekit-api-examples-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

describe('API reference examples', () => {
  it('document the main entry points', () => {
    expect(examples.map((e) => `${e.file} ${e.name}`).sort()).toEqual([
      'algorithms/logreg/train-shared.ts trainEncryptedShared',
      'algorithms/logreg/train.ts trainEncrypted',
      'backends/seal/index.ts createSealBackend',
      'backends/seal/pool/index.ts createSealPool',
      'backends/seal/pool/index.ts createSealServerPool',
      'backends/sim/backend.ts createSimBackend',
      'backends/sim/plan.ts planParams',
      'client/index.ts createClient',
      'core/analysis/analyze.ts analyze',
      'core/debug/paired.ts paired',
      'core/index.ts module',
      'core/params/params.ts createParams',
      'server/index.ts createServer',
    ]);
  });

  it.each(examples.map((e, i) => [`${e.file} ${e.name}`, i] as const))('%s runs and prints', async (_, i) => {
    const path = join(dir, `example-${i}.ts`);
    writeFileSync(path, examples[i]!.code);
    const printed: unknown[][] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void printed.push(args));
    await import(/* @vite-ignore */ path);
    expect(printed.length).toBeGreaterThan(0);
    expect(printed.flat().every((v) => v !== undefined && !Number.isNaN(v))).toBe(true);
  }, 120_000);
});
