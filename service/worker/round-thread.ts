/**
 * The round thread of a round worker (worker.ts): hosts the round runner and its key cache, so
 * SEAL runs here while the worker's own thread keeps renewing the queue's locks. One round at a
 * time, as the queue hands them out; on 'close' it frees its keys and ends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createRoundRunner } from './rounds.js';
import type { RoundThreadInit, ThreadReply, ThreadTask } from './worker.js';

const port = parentPort!;
const runner = createRoundRunner((workerData as RoundThreadInit).options);

port.on('message', (task: ThreadTask) => {
  if (task.type === 'close') {
    // In a worker thread, exit ends this thread only (open keep-alive sockets would hold it otherwise).
    void runner.close().finally(() => process.exit(0));
    return;
  }
  runner.run(task.task).then(
    (answer) => port.postMessage({ type: 'done', id: task.id, answer } satisfies ThreadReply),
    (e: unknown) => port.postMessage({ type: 'error', id: task.id, message: e instanceof Error ? e.message : String(e) } satisfies ThreadReply),
  );
});
