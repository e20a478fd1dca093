/**
 * The round queue on BullMQ: one queue, one BullMQ job per round of a training job, its id
 * `<job>.r<round>` so that enqueuing a round twice adds it once. Retries with exponential
 * backoff; a round whose worker died is found stalled and run again by another worker. A
 * round may therefore run twice: the API server keeps the first reply and ignores the rest.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';

/** The queue's name in Redis. */
export const QUEUE_NAME = 'hekit-rounds';
/** The Redis key where the API server publishes the secret workers authenticate with. */
export const WORKER_SECRET_KEY = 'hekit:worker-secret';

/** A queued round: which job and which round. */
export interface RoundTask {
  readonly job: string;
  readonly round: number;
}

/** What the API server needs of the queue. */
export interface RoundQueue {
  /** Queues round `round` of `job` (once: a second call for the same round adds nothing). */
  add(task: RoundTask): Promise<void>;
  /** Removes the round from the queue when it has not started (a cancelled job). */
  remove(task: RoundTask): Promise<void>;
  /** Closes the connection. */
  close(): Promise<void>;
}

/** Attempts per round, the first included. */
export const ROUND_ATTEMPTS = 5;

/**
 * A Redis connection as BullMQ wants it (no per-command retry limit: blocking commands wait).
 * Connection errors are not printed (ioredis would, once per reconnection attempt): commands
 * wait for the reconnection, and `reachRedis` reports a Redis that never answers.
 */
export function redisConnection(url: string): Redis {
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  connection.on('error', () => {});
  return connection;
}

/** `url` with any password or user replaced by `***`, for logs and messages. */
export const redactUrl = (url: string): string => url.replace(/\/\/[^@/]*@/, '//***@');

/**
 * Waits until Redis answers PING on `connection`; rejects after `seconds` naming `url` (its
 * password redacted) and closes the connection. Without it a service started with a wrong URL
 * would wait forever: BullMQ's connections retry without limit.
 */
export async function reachRedis(connection: Redis, url: string, seconds = 10): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      connection.ping(),
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`cannot reach Redis at ${redactUrl(url)} within ${seconds} s`)), seconds * 1000); }),
    ]);
  } catch (e) {
    connection.disconnect();
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

/** The round queue on the Redis at `url`; publishes `workerSecret` there for the workers. */
export async function createRoundQueue(url: string, workerSecret: string): Promise<RoundQueue> {
  const connection = redisConnection(url);
  await reachRedis(connection, url);
  await connection.set(WORKER_SECRET_KEY, workerSecret);
  const queue = new Queue<RoundTask>(QUEUE_NAME, {
    connection,
    defaultJobOptions: {
      attempts: ROUND_ATTEMPTS,
      backoff: { type: 'exponential', delay: 1000 },
      // Finished entries are bookkeeping only (the reply is in the blob store): keep them an hour, failures a day.
      removeOnComplete: { age: 3600 },
      removeOnFail: { age: 86_400 },
    },
  });
  const id = (t: RoundTask): string => `${t.job}.r${t.round}`;
  return {
    async add(task) {
      await queue.add('round', task, { jobId: id(task) });
    },
    async remove(task) {
      await queue.remove(id(task));
    },
    async close() {
      await queue.close();
      connection.disconnect();
    },
  };
}
