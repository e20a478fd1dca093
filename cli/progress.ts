/**
 * Progress of `hekit train` on stderr: each phase announced as it starts, then one update per
 * minibatch with the time left (from the minibatches done so far). On a terminal the minibatch
 * updates rewrite one line; otherwise every update is a plain line.
 */
import type { logreg } from '../algorithms/index.js';

/** The phases of a training run, in order; their times add up to the run's wall time. */
export const PHASES = ['startup', 'data', 'plan', 'keys', 'training', 'twin'] as const;
export type Phase = (typeof PHASES)[number];

/** What `runTraining` tells its observer. */
export interface TrainProgress {
  /** Phase `phase` starts; `detail` says what it does; `label` names it on screen (default: the phase). */
  phase(phase: Phase, detail: string, label?: string): void;
  /** A training event: a round's start and end, a minibatch reached. */
  training(event: logreg.ProgressEvent, plan: Pick<logreg.TrainingPlan, 'rounds'>): void;
  /** Something the user should know about the result (a constant column): shown even with --quiet. */
  notice(text: string): void;
  /** The run's SEAL worker count, once planned: more than one queues ops on a pool (see `ProgressOptions.queued`). */
  workers?(count: number): void;
}

const seconds = (s: number): string => (s < 60 ? `${s.toFixed(s < 10 ? 1 : 0)} s` : `${Math.floor(s / 60)} min ${String(Math.round(s % 60)).padStart(2, '0')} s`);

/** Options of `progressTo`. */
export interface ProgressOptions {
  /**
   * The backend queues ops and runs them later (the SEAL pool): a minibatch event then means it
   * was recorded, not run, so the time left is estimated at round ends only.
   */
  readonly queued?: boolean;
  /** Clock in seconds (default: since the process started). */
  readonly now?: () => number;
}

/** Progress written to `stream`; `close()` ends a terminal line left open (call it before printing an error). */
export function progressTo(stream: NodeJS.WritableStream & { isTTY?: boolean }, options: ProgressOptions = {}): TrainProgress & { close(): void } {
  const now = options.now ?? ((): number => performance.now() / 1000);
  let queued = options.queued === true;
  const tty = stream.isTTY === true;
  let open = false; // a TTY line being rewritten
  let trainingStart = 0;
  let done = 0; // minibatches finished
  const line = (text: string, rewrite = false): void => {
    if (tty && rewrite) {
      stream.write(`\r\x1b[2K${text}`);
      open = true;
      return;
    }
    stream.write(`${open ? '\n' : ''}${text}\n`);
    open = false;
  };
  const stamp = (): string => `[${seconds(now())}]`;
  return {
    close() {
      if (open) stream.write('\n');
      open = false;
    },
    notice(text) {
      line(`hekit: notice: ${text}`);
    },
    workers(count) {
      queued = count > 1;
    },
    phase(phase, detail, label = phase) {
      if (phase === 'training') {
        trainingStart = now();
        done = 0;
      }
      line(`${stamp()} ${label}: ${detail}`);
    },
    training(event, plan) {
      const total = plan.rounds.reduce((a, b) => a + b, 0);
      const before = plan.rounds.slice(0, event.round).reduce((a, b) => a + b, 0);
      const round = `round ${event.round + 1}/${plan.rounds.length}`;
      if (event.kind === 'round-start') {
        line(`${stamp()} ${round}: ${event.minibatches} minibatch${event.minibatches > 1 ? 'es' : ''}`);
        return;
      }
      if (event.kind === 'round-end') {
        done = before + (plan.rounds[event.round] ?? 0);
        line(`${stamp()} ${round} done: ${event.levelsUsed} levels, ${seconds(event.seconds)}${eta(done, total)}`);
        return;
      }
      // A minibatch event says minibatch m of the round started: the ones before it are done.
      done = before + event.minibatch - 1;
      const width = 24, filled = Math.round((done / total) * width);
      line(`${stamp()} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${round}, ` +
        `minibatch ${event.minibatch}/${plan.rounds[event.round]} ${queued ? 'queued ' : ''}(${before + event.minibatch}/${total})${queued ? '' : eta(done, total)}`, true);
    },
  };

  function eta(finished: number, total: number): string {
    if (finished === 0) return '';
    if (finished >= total) return '';
    const elapsed = now() - trainingStart;
    return `, about ${seconds((elapsed / finished) * (total - finished))} left`;
  }
}

/** No progress and no notices. */
export const silent: TrainProgress = { phase: () => {}, training: () => {}, notice: () => {} };

/** No progress, but notices on `stream` (`--quiet`). */
export const quietTo = (stream: NodeJS.WritableStream): TrainProgress & { close(): void } => ({
  ...silent, notice: (text) => void stream.write(`hekit: notice: ${text}\n`), close: () => {},
});
