/**
 * What the API server checks of a job and its uploads, with the library's own loaders: a job's
 * plan (planned again from its request), a round's request opened and every entry loaded under
 * the job's keys and plan, a worker's reply loaded likewise. Each throws the loader's HeError
 * (DESERIALIZE naming the field, INVALID_ARGUMENT, PARAMS_*), which the API answers with 400.
 */
import { logreg } from '../algorithms/index.js';
import { sealCiphertextCodec } from '../backends/seal/index.js';
import type { Server } from '../server/index.js';
import type { JobSpec } from './store/jobs.js';

/** The plan of `spec` and its round settings, checked (`planTraining`, `roundConfigOf`). */
export function planOf(spec: JobSpec): logreg.TrainingPlan {
  const plan = logreg.planTraining(spec.plan);
  logreg.roundConfigOf(plan, spec.settings);
  return plan;
}

/**
 * Opens `bytes` as a round request on `server` and loads every entry (inputs at their levels,
 * the start state), then frees them: what `runRound` would load, without running the round.
 * Returns the round the request is for.
 */
export function checkRequest(server: Server, spec: JobSpec, bytes: Uint8Array): number {
  const { backend, plan } = server;
  const codec = sealCiphertextCodec(backend);
  const expected = (round: number) => logreg.roundInputLevels(plan, round, spec.settings);
  const opened = logreg.openRoundRequest(backend, codec, plan, spec.settings, bytes, expected);
  try {
    for (const [name, level] of expected(opened.round)) opened.source.matrix(name, level);
    logreg.freeStart(backend, opened.loadStart());
  } finally {
    opened.source.free();
  }
  return opened.round;
}

/** Loads `bytes` as a reply of the job on `server` (its keys and plan), frees it, and returns its round. */
export function checkReply(server: Server, spec: JobSpec, bytes: Uint8Array): number {
  const { backend, plan } = server;
  const { round, output } = logreg.loadRoundReply(sealCiphertextCodec(backend), plan, bytes, logreg.planFingerprint(plan, spec.settings));
  for (const x of [output.w, output.v]) x?.tiles.forEach((t) => backend.free(t));
  return round;
}
