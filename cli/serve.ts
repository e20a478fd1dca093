/**
 * `hekit serve`: the training service's API server. Keeps tokens, jobs and blobs under --data
 * (jobs and blobs for --retention-hours after their last change), queues rounds on the Redis at
 * --redis, and publishes there the secret its workers use.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
// The service (fastify, BullMQ) loads when `hekit serve` runs: every other command starts without it.
import type { SweepEvent } from '../service/api/app.js';
import { DEFAULT_MAX_ACTIVE_JOBS } from '../service/store/jobs.js';
import { DEFAULT_RETENTION_HOURS } from '../service/store/retention.js';
import { configure, integer, nonEmpty, option, positiveNumber } from './options.js';

/** What `hekit serve` was asked for. */
export interface ServeArgs {
  readonly port: number;
  readonly host: string;
  readonly redis: string;
  readonly data: string;
  /** Hours a job is kept after its last change (with the blobs only it names). */
  readonly retentionHours: number;
  /** Unfinished jobs a tenant may have at once. */
  readonly maxActiveJobs: number;
}

/** `hekit serve`'s options (no action: hekit.ts adds it). */
export function serveCommand(): Command {
  return configure(new Command('serve'))
    .summary('run the training service\'s API server (HTTP) over a Redis queue')
    .description('Run the training service\'s API server: tenants create jobs, upload public keys and encrypted rounds, and download encrypted replies; ' +
      'rounds are queued on Redis for hekit worker processes. Tokens, jobs and uploads are kept under --data. Stops on SIGINT or SIGTERM.')
    .addOption(option('port', 'P', 'TCP port to listen on (0: any free port, printed on stderr)', integer(0, 65535), 8080))
    .addOption(option('host', 'HOST', 'address to listen on (0.0.0.0 for every interface; put TLS in front of it)', nonEmpty('an address'), '127.0.0.1'))
    .addOption(option('redis', 'URL', 'the Redis server holding the queue, redis://host:port', nonEmpty('a URL'), 'redis://127.0.0.1:6379'))
    .addOption(option('data', 'DIR', 'where tokens, jobs and uploaded blobs are kept (created when missing)', nonEmpty('a directory'), 'hekit-data'))
    .addOption(option('retention-hours', 'H', 'remove a job H hours after its last change (ended, or left by its client), with the uploads no other job uses; ' +
      'swept at start-up and periodically', positiveNumber, DEFAULT_RETENTION_HOURS))
    .addOption(option('max-active-jobs', 'N', 'unfinished jobs a tenant may have at once; creating one more answers 429 (1 to 100000)', integer(1, 100_000), DEFAULT_MAX_ACTIVE_JOBS))
    .addHelpText('after', `
Examples:
  hekit token create --data /srv/hekit            a token for a new tenant (last line of the output)
  hekit serve --port 8080 --redis redis://127.0.0.1:6379 --data /srv/hekit
  hekit serve --data /srv/hekit --retention-hours 24   jobs and their uploads kept a day after their last change
  hekit worker --redis redis://127.0.0.1:6379 --api http://127.0.0.1:8080

Guide: docs/deployment.md. Exit codes: 0 stopped, 1 failure, 2 bad usage.`);
}

/** The parsed options of `cmd`. */
export const serveArgsOf = (cmd: Command): ServeArgs => cmd.opts<ServeArgs>();

/** The secret workers authenticate with, kept in the data directory (readable by its owner only) so a restart keeps it. */
function workerSecret(data: string): string {
  const file = join(data, 'worker-secret');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

/** A retention sweep as one log line. */
export const sweepLine = (e: SweepEvent, hours: number): string => (e.kind === 'error'
  ? `retention sweep failed (tried again next period): ${e.error.message}`
  : `retention: removed ${e.jobs.length} job${e.jobs.length === 1 ? '' : 's'} unchanged for ${hours} h and ${e.blobs} upload${e.blobs === 1 ? '' : 's'} no job uses`);

/** Starts the API server, telling `log` of retention sweeps; resolves with its URL and a function that stops it. */
export async function serve(args: ServeArgs, log: (line: string) => void = () => {}): Promise<{ readonly url: string; close(): Promise<void> }> {
  mkdirSync(args.data, { recursive: true });
  const secret = workerSecret(args.data);
  const [{ createApi }, { createRoundQueue }] = await Promise.all([import('../service/api/app.js'), import('../service/queue.js')]);
  const queue = await createRoundQueue(args.redis, secret);
  const app = await createApi({ dataDir: args.data, queue, workerSecret: secret, retentionHours: args.retentionHours, maxActiveJobs: args.maxActiveJobs, onSweep: (e) => log(sweepLine(e, args.retentionHours)) });
  const url = await app.listen({ port: args.port, host: args.host });
  return {
    url,
    async close() {
      await app.close();
      await queue.close();
    },
  };
}
