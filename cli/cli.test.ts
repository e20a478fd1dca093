import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAnalyzeArgs, type AnalyzeReport } from './analyze.js';
import { parseTrainArgs, type TrainReport } from './train.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const hekit = (...args: string[]) => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'cli/hekit.ts', ...args], { cwd: root, encoding: 'utf8' });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
};

describe('hekit train options', () => {
  it('defaults to the SEAL backend, the low-depth circuit, 6 minibatches of 256', () => {
    expect(parseTrainArgs([])).toMatchObject({ backend: 'seal', circuit: 'lowdepth', minibatches: 6, batchSize: 256, seed: 1, json: false, workers: 1 });
    expect(parseTrainArgs(['--workers', '2']).workers).toBe(2);
  });

  it.each([
    [['--backend', 'gpu'], '--backend must be one of seal, sim, paired; got "gpu"'],
    [['--circuit', 'deep'], '--circuit must be one of lowdepth, baseline; got "deep"'],
    [['--minibatches', 'six'], '--minibatches must be an integer from 1 to 64; got "six"'],
    [['--batch-size', '0'], '--batch-size must be an integer from 1 to 1024; got "0"'],
    [['--seed', '1.5'], '--seed must be an integer'],
    [['--learning-rate=-1'], '--learning-rate must be a positive number'],
    [['--learning-rate', '-1'], "Option '--learning-rate' argument is ambiguous"],
    [['--colour'], "Unknown option '--colour'"],
    [['--workers', '0'], '--workers must be an integer from 1 to 64; got "0"'],
  ])('refuses %j with a one-line message naming the option', (argv, message) => {
    expect(() => parseTrainArgs(argv)).toThrow(message);
  });

  it('exits with code 2 and one line on stderr for bad usage', () => {
    for (const args of [['train', '--minibatches', '0'], ['fly'], []]) {
      const { code, stderr } = hekit(...args);
      expect(code).toBe(2);
      expect(stderr.trim().split('\n').filter((l) => l.startsWith('hekit:'))).toHaveLength(1);
    }
    expect(hekit('train', '--minibatches', '0').stderr).toContain('--minibatches');
  });
});

describe('hekit train runs', () => {
  it('on the simulator prints one JSON object whose fields agree with each other', () => {
    const { code, stdout } = hekit('train', '--backend', 'sim', '--noise', 'off', '--minibatches', '3', '--batch-size', '64', '--json');
    expect(code).toBe(0);
    const r = JSON.parse(stdout) as TrainReport;
    expect(r).toMatchObject({ backend: 'sim', circuit: 'lowdepth', minibatches: 3, batchSize: 64, features: 197, rounds: 1 });
    expect(r.params).toMatchObject({ polyModulusDegree: 16384, securityBits: 128 });
    expect(r.params.coeffModulusBits.slice(1, -1).every((b) => b === r.params.scaleBits)).toBe(true);
    expect(r.predictedWeightsMaxAbsDiff).toBeLessThanOrEqual(2 ** -9);
    expect(r.depth).toBe(r.roundDetails.reduce((s, d) => s + d.levelsUsed, 0));
    expect(r.depth).toBe(6);
    expect(r.depthPerMinibatch).toBe(2);
    expect(r.inputBytes).toBe(r.roundDetails.reduce((s, d) => s + d.inputBytes, 0));
    for (const n of Object.values(r.ops)) expect(n).toBeGreaterThan(0);
    expect(r.weightsMaxAbsDiff).toBeLessThan(1e-9);
    expect(r.accuracy.encrypted).toBe(r.accuracy.plaintext);
    expect(r.accuracy.testSamples).toBe(400);
    expect(r.accuracy.plaintext).toBeGreaterThan(0.9);
  });

  it('on SEAL (N = 8192, 2 workers) shows progress on stderr and a human summary', () => {
    const { code, stdout, stderr } = hekit('train', '--minibatches', '2', '--batch-size', '64', '--ring', '8192', '--scale-bits', '24', '--circuit', 'baseline', '--workers', '2');
    expect(code).toBe(0);
    expect(stderr).toContain('round 2/2, minibatch 1/1 (2/2)');
    expect(stdout).toMatch(/baseline circuit on seal, 2 minibatches of 64/);
    expect(stdout).toMatch(/depth {8}10 levels in 2 rounds .* 5\.00 per minibatch/);
    expect(stdout).toMatch(/weights {6}max \|encrypted - plaintext twin\| = \d\.\d\de-[0-9]+/);
  });
});

describe('hekit analyze', () => {
  it('parses its options and refuses bad ones naming the option', () => {
    expect(parseAnalyzeArgs([])).toMatchObject({ circuit: 'lowdepth', minibatches: 6, batchSize: 256, ringDegree: 16384, svg: null, dot: null, graph: null });
    expect(() => parseAnalyzeArgs(['--circuit', 'deep'])).toThrow('--circuit must be one of lowdepth, baseline; got "deep"');
    expect(() => parseAnalyzeArgs(['--minibatches', '13'])).toThrow('--minibatches must be an integer from 1 to 12');
    expect(() => parseAnalyzeArgs(['--svg'])).toThrow("Option '--svg <value>' argument missing");
  });

  it('writes the SVG timeline, DOT and graph JSON of a round, consistent with its JSON report', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hekit-analyze-'));
    const [svg, dot, graph] = ['t.svg', 't.dot', 't.json'].map((f) => join(dir, f)) as [string, string, string];
    const { code, stdout } = hekit('analyze', '--circuit', 'lowdepth', '--minibatches', '4', '--batch-size', '64', '--ring', '8192',
      '--svg', svg, '--dot', dot, '--graph', graph, '--json');
    expect(code).toBe(0);
    const r = JSON.parse(stdout) as AnalyzeReport;
    expect(r).toMatchObject({ circuit: 'lowdepth', minibatches: 4, depth: 8, depthPerMinibatch: 2, ringDegree: 8192 });
    expect(r.levelsSpentBy).toHaveLength(8);
    const total = Object.values(r.ops).reduce((a, b) => a + b, 0);
    expect(r.width.reduce((s, w) => s + w.ciphertexts, 0)).toBe(total);
    const nodes = (JSON.parse(readFileSync(graph, 'utf8')) as { nodes: unknown[] }).nodes;
    expect(nodes).toHaveLength(total);
    expect(readFileSync(dot, 'utf8').match(/^ {2}n\d+ \[label=/gm)).toHaveLength(total);
    const picture = readFileSync(svg, 'utf8');
    expect(picture).toContain('data-levels="8"');
    expect([...picture.matchAll(/data-op="(\w+)"/g)].map((m) => m[1])).toEqual(r.levelsSpentBy);
    rmSync(dir, { recursive: true });
  });

  it('prints a summary whose depth line names the ops that spent the levels', () => {
    const { code, stdout } = hekit('analyze', '--circuit', 'baseline', '--minibatches', '2', '--batch-size', '64', '--ring', '8192');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^hekit analyze: baseline circuit, one round of 2 minibatches of 64/);
    expect(stdout).toContain('depth        10 levels, 5.00 per minibatch; the critical path spends them on: × p × × p × p × × p');
  });

  it.each(['lowdepth', 'baseline'] as const)('the README picture of the %s circuit is what hekit analyze draws now', (circuit) => {
    const dir = mkdtempSync(join(tmpdir(), 'hekit-docs-'));
    const out = join(dir, `${circuit}.svg`);
    expect(hekit('analyze', '--circuit', circuit, '--svg', out).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(join(root, 'docs', `${circuit}.svg`), 'utf8'));
    rmSync(dir, { recursive: true });
  });
});

describe('hekit train --backend paired', () => {
  it('checks every SEAL op against the simulator and reports the closest call', () => {
    const { code, stdout } = hekit('train', '--backend', 'paired', '--minibatches', '2', '--batch-size', '64', '--ring', '8192', '--scale-bits', '30', '--json');
    expect(code).toBe(0);
    const r = JSON.parse(stdout) as TrainReport;
    expect(r.backend).toBe('paired');
    expect(r.lockstep?.opsChecked).toBeGreaterThan(100);
    expect(r.lockstep?.closest.ratio).toBeGreaterThan(0);
    expect(r.lockstep?.closest.ratio).toBeLessThanOrEqual(1);
    expect(r.weightsMaxAbsDiff).toBeLessThan(0.05);
  });
});
