/** File exchange for the two-process example: atomic writes and waiting for the peer's files. */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { logreg } from 'hekit/algorithms';

/** What both sides agree on, written by the client as plan.json: the server plans the same run from it. */
export interface RunSpec {
  readonly request: logreg.TrainingPlanRequest;
  readonly batchSize: number;
}

/** Writes `name` in `dir` so that the peer never sees it half-written. */
export function put(dir: string, name: string, bytes: Uint8Array | string): void {
  writeFileSync(join(dir, `${name}.part`), bytes);
  renameSync(join(dir, `${name}.part`), join(dir, name));
}

/** Waits for `name` in `dir` and reads it; gives up when the orchestrator marks the run failed. */
export async function take(dir: string, name: string): Promise<Uint8Array> {
  while (!existsSync(join(dir, name))) {
    if (existsSync(join(dir, 'failed'))) throw new Error(`the peer failed before writing ${name}`);
    await sleep(25);
  }
  return new Uint8Array(readFileSync(join(dir, name)));
}
