/**
 * Where `hekit calibrate` keeps its measurements, and which cost model planning uses: this
 * machine's cached calibration when one was measured on an identical machine (CPU model, cores,
 * Node and node-seal versions), else the shipped defaults, saying which.
 * The cache directory: $HEKIT_CACHE_DIR, else $XDG_CACHE_HOME/hekit, else the platform's
 * (~/.cache/hekit, ~/Library/Caches/hekit, %LOCALAPPDATA%\hekit\Cache).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, cpus, homedir } from 'node:os';
import { join } from 'node:path';
import { checkCalibration, createCostModel, DEFAULT_CALIBRATION, sameMachine, type CostModel, type MachineDescription } from '../core/cost/index.js';

/** This machine, as a calibration records it. */
export function machineDescription(): MachineDescription {
  const nodeSeal = (createRequire(import.meta.url)('node-seal/package.json') as { version: string }).version;
  return { cpu: cpus()[0]?.model.trim() ?? 'unknown', cores: availableParallelism(), node: process.versions.node, nodeSeal };
}

/** The folder calibrations are cached in (see the module comment). */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HEKIT_CACHE_DIR) return env.HEKIT_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'hekit');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'hekit');
  if (process.platform === 'win32' && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, 'hekit', 'Cache');
  return join(homedir(), '.cache', 'hekit');
}

/** The cache file of `machine`'s calibration: its name is a hash of the description. */
export function calibrationPath(machine: MachineDescription = machineDescription(), env: NodeJS.ProcessEnv = process.env): string {
  const key = createHash('sha256').update(JSON.stringify([machine.cpu, machine.cores, machine.node, machine.nodeSeal])).digest('hex').slice(0, 16);
  return join(cacheDir(env), `calibration-${key}.json`);
}

/** A cost model and a sentence saying where its figures come from. */
export interface ChosenCostModel {
  readonly model: CostModel;
  readonly note: string;
}

/** This machine's cached calibration if there is a readable one for it, else the shipped defaults. */
export function chooseCostModel(env: NodeJS.ProcessEnv = process.env): ChosenCostModel {
  const machine = machineDescription();
  const file = calibrationPath(machine, env);
  const defaults = (why: string): ChosenCostModel => ({
    model: createCostModel(DEFAULT_CALIBRATION, 'defaults'),
    note: `shipped cost model (${DEFAULT_CALIBRATION.machine.cpu}, ${DEFAULT_CALIBRATION.machine.cores} cores; ${why}; hekit calibrate measures this machine)`,
  });
  if (!existsSync(file)) return defaults('no calibration of this machine');
  try {
    const calibration = checkCalibration(JSON.parse(readFileSync(file, 'utf8')));
    if (!sameMachine(calibration.machine, machine)) return defaults(`${file} was measured on another machine`);
    return { model: createCostModel(calibration, 'calibrated'), note: `this machine's calibration of ${calibration.created} (${file})` };
  } catch (e) {
    return defaults(`${file} is unreadable: ${e instanceof Error ? e.message : String(e)}`);
  }
}
