/**
 * `hekit worker`: runs training rounds from the service's Redis queue on SEAL. With --workers W
 * above 1 it starts W worker processes (one SEAL round each at a time) and stops them with itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Command } from 'commander';
import { redactUrl } from '../service/queue.js';
import { startWorker, type RoundWorker } from '../service/worker/worker.js';
import { configure, integer, nonEmpty, option } from './options.js';

/** What `hekit worker` was asked for. */
export interface WorkerArgs {
  readonly redis: string;
  readonly api: string;
  readonly workers: number;
  readonly lockSeconds: number;
  readonly cachedJobs: number;
}

/** `hekit worker`'s options (no action: hekit.ts adds it). */
export function workerCommand(): Command {
  return configure(new Command('worker'))
    .summary('run training rounds from the service\'s queue on SEAL')
    .description('Run training rounds for a hekit service: take rounds from the Redis queue, fetch keys and inputs from the API server, ' +
      'run each round on SEAL and upload the encrypted reply. Start as many as you like, on any machine that reaches Redis and the API. ' +
      'A round whose worker dies is run again by another after --lock-seconds. Stops on SIGINT or SIGTERM after the round in progress.')
    .addOption(option('redis', 'URL', 'the Redis server holding the queue, redis://host:port', nonEmpty('a URL'), 'redis://127.0.0.1:6379'))
    .addOption(option('api', 'URL', 'the API server (hekit serve), http://host:port', nonEmpty('a URL'), 'http://127.0.0.1:8080'))
    .addOption(option('workers', 'W', 'worker processes to run here, each one round at a time (at most one per core)', integer(1, 64), 1))
    .addOption(option('lock-seconds', 'S', 'how long a round stays claimed without a sign of life before another worker may take it; ' +
      'longer than your longest round', integer(2, 3600), 30))
    .addOption(option('cached-jobs', 'J', 'key sets each worker keeps loaded between rounds', integer(1, 64), 2))
    .addHelpText('after', `
Examples:
  hekit worker --redis redis://10.0.0.5:6379 --api http://10.0.0.4:8080 --workers 2

Guide: docs/deployment.md. Exit codes: 0 stopped, 1 failure, 2 bad usage.`);
}

/** The parsed options of `cmd`. */
export const workerArgsOf = (cmd: Command): WorkerArgs => cmd.opts<WorkerArgs>();

/**
 * Runs until `stop` resolves: one worker in this process, or W child processes running
 * `hekit worker --workers 1` (the same command line otherwise), stopped with SIGTERM.
 */
export async function runWorkers(args: WorkerArgs, stop: Promise<void>, log: (line: string) => void): Promise<void> {
  if (args.workers === 1) {
    const worker: RoundWorker = await startWorker({
      redis: args.redis, api: args.api, lockSeconds: args.lockSeconds, cachedJobs: args.cachedJobs,
      onEvent: (e) => log(e.kind === 'start' ? `round ${e.round} of ${e.job} started (attempt ${e.attempt})`
        : `round ${e.round} of ${e.job} done in ${e.seconds.toFixed(2)} s${e.duplicate ? ' (a duplicate: ignored)' : ''}`),
    });
    log(`taking rounds from ${redactUrl(args.redis)} for ${args.api}`);
    await stop;
    await worker.close();
    return;
  }
  const argv = ['worker', '--redis', args.redis, '--api', args.api, '--lock-seconds', String(args.lockSeconds), '--cached-jobs', String(args.cachedJobs)];
  const children: ChildProcess[] = Array.from({ length: args.workers }, () =>
    spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...argv], { stdio: ['ignore', 'inherit', 'inherit'] }));
  const exited = children.map((c) => new Promise<void>((resolve) => c.once('exit', () => resolve())));
  await Promise.race([stop, ...exited]);
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  await Promise.all(exited);
}
