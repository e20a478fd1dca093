/**
 * The package as users get it: `npm pack` (which runs `prepare`, so the tarball holds a fresh
 * build), installed into a new strict ESM TypeScript project that type-checks and runs a program
 * importing every main layer by name, and the installed `hekit` command.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'hekit-package-'));
const npm = (args: string[], cwd: string): string =>
  execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

afterAll(() => rmSync(work, { recursive: true, force: true }));

interface PackResult { filename: string; size: number; files: { path: string }[] }

describe('the packed tarball', () => {
  let packed: PackResult;
  let files: string[];
  beforeAll(() => {
    [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', work], root)) as [PackResult];
    files = packed.files.map((f) => f.path);
  });

  it('holds the compiled layers with their declarations, README, LICENSE and package.json, and nothing else', () => {
    const exports = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).exports as Record<string, string | Record<string, string>>;
    for (const target of Object.values(exports)) {
      for (const file of typeof target === 'string' ? [target] : Object.values(target)) expect(files).toContain(file.replace(/^\.\//, ''));
    }
    expect(files).toContain('dist/cli/hekit.js');
    expect(files).toContain('dist/backends/seal/pool/worker.js');
    expect(files).toEqual(expect.arrayContaining(['README.md', 'LICENSE', 'package.json']));
    const stray = files.filter((f) => !/^dist\/.*\.(js|d\.ts)$/.test(f) && !['README.md', 'LICENSE', 'package.json', 'CHANGELOG.md', 'SECURITY.md'].includes(f));
    expect(stray).toEqual([]);
    expect(files.filter((f) => /\.map$|\.test\.|^dist\/browser\//.test(f))).toEqual([]);
  });

  it('installs into a new strict ESM TypeScript project that type-checks, runs, and has the hekit command', () => {
    const project = join(work, 'consumer');
    cpSync(join(root, 'packaging/consumer'), project, { recursive: true });
    // The dependencies come from npm's cache when the repository was installed first, as in CI.
    const typesNode = (createRequire(join(root, 'package.json'))('@types/node/package.json') as { version: string }).version;
    npm(['install', '--prefer-offline', join(work, packed.filename), `@types/node@${typesNode}`], project);
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-p', project], { cwd: project, encoding: 'utf8' });

    const out = JSON.parse(execFileSync(process.execPath, ['out/main.js'], { cwd: project, encoding: 'utf8' })) as { depth: number; sim: number; seal: number };
    const expected = 0.5 * 2 - 1.25 * 1 - 2 * 0.5 + 0.75 * 4;
    expect(out.depth).toBe(1);
    expect(Math.abs(out.sim - expected)).toBeLessThan(1e-12);
    expect(Math.abs(out.seal - expected)).toBeLessThan(1e-6);

    const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version as string;
    const cli = spawnSync(join(project, 'node_modules/.bin/hekit'), ['--version'], { cwd: project, encoding: 'utf8' });
    expect(cli.status).toBe(0);
    expect(cli.stdout.trim()).toBe(version);
  }, 180_000);
});
