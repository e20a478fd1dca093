/** One round worker for benchmarks/service.ts: `node service-worker.js REDIS_URL API_URL`; stops on SIGTERM. */
import { startWorker } from '../service/worker/worker.js';

const [redis, api] = process.argv.slice(2) as [string, string];
// Room for every benchmark client's keys: no reloading between jobs.
const worker = await startWorker({ redis, api, cachedJobs: 4 });
process.stdout.write('ready\n');
process.once('SIGTERM', () => void worker.close().then(() => process.exit(0)));
