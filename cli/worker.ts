/**
 * `hekit worker`: runs training rounds from the service's Redis queue on SEAL, one at a time,
 * each on --workers W threads (a pool of SEAL workers in this process when W > 1).
 */
import { Command } from 'commander';
// The service's worker (BullMQ, SEAL threads) loads when `hekit worker` runs.
import type { RoundWorker } from '../service/worker/worker.js';
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
      'run each round on SEAL and upload the encrypted reply. One round at a time, on --workers threads; for more rounds at once start the command again, ' +
      'here or on any machine that reaches Redis and the API. A round\'s lock is renewed while it computes; a round whose worker dies is run again by ' +
      'another after --lock-seconds. Stops on SIGINT or SIGTERM after the round in progress.')
    .addOption(option('redis', 'URL', 'the Redis server holding the queue, redis://host:port', nonEmpty('a URL'), 'redis://127.0.0.1:6379'))
    .addOption(option('api', 'URL', 'the API server (hekit serve), http://host:port', nonEmpty('a URL'), 'http://127.0.0.1:8080'))
    .addOption(option('workers', 'W', 'SEAL threads each round runs on: above 1, a pool of W threads in this process, each with its own copy ' +
      'of the job\'s keys (at most one per core)', integer(1, 64), 1))
    .addOption(option('lock-seconds', 'S', 'how long a round stays claimed without a sign of life (the lock is renewed while it computes) ' +
      'before another worker may take it', integer(2, 3600), 30))
    .addOption(option('cached-jobs', 'J', 'key sets kept loaded between rounds (each on every one of the W threads)', integer(1, 64), 2))
    .addHelpText('after', `
Examples:
  hekit worker --redis redis://10.0.0.5:6379 --api http://10.0.0.4:8080 --workers 2
  (on a 4-core machine, two rounds at once on 2 threads each: run that command twice)

Guide: docs/deployment.md. Exit codes: 0 stopped, 1 failure, 2 bad usage.`);
}

/** The parsed options of `cmd`. */
export const workerArgsOf = (cmd: Command): WorkerArgs => cmd.opts<WorkerArgs>();

/** Runs a worker until `stop` resolves, then closes it (after the round in progress). */
export async function runWorker(args: WorkerArgs, stop: Promise<void>, log: (line: string) => void): Promise<void> {
  const [{ redactUrl }, { startWorker }] = await Promise.all([import('../service/queue.js'), import('../service/worker/worker.js')]);
  const worker: RoundWorker = await startWorker({
    redis: args.redis, api: args.api, lockSeconds: args.lockSeconds, cachedJobs: args.cachedJobs, workers: args.workers,
    onEvent: (e) => log(e.kind === 'start' ? `round ${e.round} of ${e.job} started (attempt ${e.attempt})`
      : `round ${e.round} of ${e.job} done in ${e.seconds.toFixed(2)} s${e.duplicate ? ' (a duplicate: ignored)' : ''}`),
  });
  log(`taking rounds from ${redactUrl(args.redis)} for ${args.api} on ${args.workers} SEAL thread${args.workers === 1 ? '' : 's'}`);
  await stop;
  await worker.close();
}
