import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CALIBRATION } from '../core/cost/index.js';
import { calibrationSummary, parseCalibrateArgs, saveCalibration } from './calibrate.js';
import { cacheDir, calibrationPath, chooseCostModel, machineDescription } from './cost-cache.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'hekit-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = { HEKIT_CACHE_DIR: dir };

describe('hekit calibrate', () => {
  it('--help describes the run with an example and exits with 0', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'cli/hekit.ts', 'calibrate', '--help'], { cwd: root, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('hekit calibrate --repeat 3 --json');
    expect(run.stdout.replace(/\s+/g, ' ')).toContain('(default: 8192,16384)');
  });

  it('parses its options and refuses others', () => {
    expect(parseCalibrateArgs([])).toEqual({ rings: [8192, 16384], repeat: 1, json: false });
    expect(parseCalibrateArgs(['--rings', '32768,8192', '--repeat', '3', '--json'])).toEqual({ rings: [8192, 32768], repeat: 3, json: true });
    expect(() => parseCalibrateArgs(['--rings', '4096'])).toThrow('--rings must be one of 8192, 16384, 32768; got "4096"');
    expect(() => parseCalibrateArgs(['--repeat', '0'])).toThrow('--repeat must be an integer from 1 to 10');
  });
});

describe('the cost model planning uses', () => {
  it('is the cache folder of $HEKIT_CACHE_DIR, else $XDG_CACHE_HOME/hekit, keyed by the machine', () => {
    expect(cacheDir(env)).toBe(dir);
    expect(cacheDir({ XDG_CACHE_HOME: '/x' })).toBe(join('/x', 'hekit'));
    const machine = machineDescription();
    expect(calibrationPath(machine, env)).not.toBe(calibrationPath({ ...machine, cores: machine.cores + 1 }, env));
  });

  it("is this machine's calibration when cached, else the shipped defaults, and says which", () => {
    expect(chooseCostModel(env).model.source).toBe('defaults');
    expect(chooseCostModel(env).note).toContain('no calibration of this machine');
    const file = saveCalibration({ ...DEFAULT_CALIBRATION, machine: machineDescription() }, calibrationPath(machineDescription(), env));
    const chosen = chooseCostModel(env);
    expect(chosen.model.source).toBe('calibrated');
    expect(chosen.note).toContain(file);
    // A calibration of an older format is not read: planning says so and uses the defaults.
    writeFileSync(file, JSON.stringify({ ...DEFAULT_CALIBRATION, machine: machineDescription(), version: 1 }));
    expect(chooseCostModel(env).note).toContain('run hekit calibrate again');
    writeFileSync(file, '{"format": "hekit/calibration"');
    expect(chooseCostModel(env)).toMatchObject({ model: { source: 'defaults' }, note: expect.stringContaining('unreadable') });
    expect(calibrationSummary(DEFAULT_CALIBRATION, file)).toMatch(/N = 16384 rotate {6}ms = .*·L².* worst residual [\d.]+%/);
  });
});
