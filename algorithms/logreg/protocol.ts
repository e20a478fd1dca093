/**
 * The training protocol's backend-independent parts, shared by `hekit/client` and `hekit/server`:
 * which inputs a round asks for and at which levels (from a metadata-only run), one round run
 * from an `InputSource` and a start state, and the request and reply bundles (generic over a
 * `CiphertextCodec`).
 *
 * A round request is one `bundle` envelope: fields `round` and `step`, the round's inputs by
 * name (`X1`, `XT1`, `M1*`, ...; see inputs.ts), each encrypted at the level of its first use,
 * and the start state encrypted fresh (for the low-depth circuit after a refresh, the weights
 * `wC` and u_1 = X_1 w `uR` and, as the round reads them, `wR` and `uC`: `freshStart`; for the
 * baseline `w` and `v`). A reply: fields `round` and `step`, entries `w`
 * (and `v` for the baseline). Both carry the client's key set in every envelope and are bound
 * to the run by `planFingerprint` (the bundle's binding): a server refuses a request made for
 * another plan or other settings, or under another client's keys (DESERIALIZE on `binding` or
 * `keySet`), and a client refuses such a reply.
 */
import { analyze, HeError, openBundle, paramsFingerprint, textFingerprint, writeBundle, type CiphertextCodec, type Evaluator } from '../../core/index.js';
import { scaleLadder } from '../ladder.js';
import { freeAll, loadEncrypted, saveEncrypted, type EncodingUnit, type Encrypted, type EncryptedColVector, type EncryptedMatrix, type EncryptedRowVector } from '../linalg/index.js';
import type { SigmoidApproximation } from '../poly/index.js';
import { baselineRound } from './baseline.js';
import { EncryptingSource, inputShape, type InputSource } from './inputs.js';
import { freshStart, freshStartNeeds, freshStartULevel, lowDepthRound, startEncryptor, type LowDepthStart } from './lowdepth.js';
import type { ModelState } from './plain.js';
import type { RoundConfig } from './round.js';
import { TRAINING_DEFAULTS, type TrainingPlan } from './train.js';

/** What both parties agree on besides the plan: the minibatch size and the update's step and surrogate. */
export interface RoundSettings {
  /** Rows per minibatch, b. */
  readonly batchSize: number;
  /** α (default `TRAINING_DEFAULTS.learningRate`). */
  readonly learningRate?: number;
  /** An odd cubic surrogate of σ (default `TRAINING_DEFAULTS.sigmoid`). */
  readonly sigmoid?: SigmoidApproximation;
}

/**
 * The `RoundConfig` of `plan` with `settings` (ladder from the plan's parameters). A minibatch may
 * be taller than the unit: it spans several tile rows. Throws INVALID_ARGUMENT on a bad batch size.
 */
export function roundConfigOf(plan: TrainingPlan, settings: RoundSettings): RoundConfig {
  const { batchSize } = settings;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new HeError('INVALID_ARGUMENT', `batchSize must be a positive integer; got ${batchSize}`, { batchSize });
  }
  return {
    unit: plan.unit, ladder: scaleLadder(plan.params), batchSize, features: plan.features,
    learningRate: settings.learningRate ?? TRAINING_DEFAULTS.learningRate, sigmoid: settings.sigmoid ?? TRAINING_DEFAULTS.sigmoid,
  };
}

/**
 * What both parties must agree on, as one SHA-256: the parameters (ring fingerprint and scale),
 * the circuit, the rounds, features, encoding unit and rotations of `plan`, and the batch size,
 * learning rate and sigmoid surrogate of `settings`. Every request and reply is bound to it.
 * Throws INVALID_ARGUMENT on a bad batch size (as `roundConfigOf`).
 */
export function planFingerprint(plan: TrainingPlan, settings: RoundSettings): Uint8Array {
  const config = roundConfigOf(plan, settings);
  const ring = Array.from(paramsFingerprint(plan.params), (x) => x.toString(16).padStart(2, '0')).join('');
  return textFingerprint(JSON.stringify({
    format: 'hekit/logreg-plan/v1', ring, scale: plan.params.scale, circuit: plan.circuit, rounds: plan.rounds,
    features: plan.features, unit: [plan.unit.height, plan.unit.width], rotations: plan.rotations,
    batchSize: config.batchSize, learningRate: config.learningRate, sigmoid: config.sigmoid.coefficients,
  }));
}

/** Minibatches of round `round` and the index of its first minibatch. Throws INVALID_ARGUMENT outside the plan. */
export function roundSpan(plan: TrainingPlan, round: number): { readonly first: number; readonly minibatches: number } {
  if (!Number.isInteger(round) || round < 0 || round >= plan.rounds.length) {
    throw new HeError('INVALID_ARGUMENT', `round ${round} is not in the plan's 0..${plan.rounds.length - 1}`, { round });
  }
  return { first: plan.rounds.slice(0, round).reduce((a, b) => a + b, 0), minibatches: plan.rounds[round]! };
}

/** A round's start state, encrypted: null for the low-depth circuit's first round (zero weights, nothing sent). */
export type EncryptedStart<C> =
  | ({ readonly circuit: 'lowdepth' } & LowDepthStart<C>)
  | { readonly circuit: 'baseline'; readonly w: EncryptedColVector<C>; readonly v: EncryptedColVector<C>; readonly step: number }
  | null;

/** What a round returns: the weights, and for the baseline the look-ahead point and the step count. */
export interface RoundOutput<C> {
  readonly w: EncryptedColVector<C>;
  /** The baseline's v (null for the low-depth circuit). */
  readonly v: EncryptedColVector<C> | null;
  readonly step: number;
}

/**
 * The start of round `round` encrypted fresh from `state` (ladder scales): nothing for the
 * low-depth circuit's round 0, `freshStart` from w and the round's first minibatch `firstBatch`
 * after it (the rows its circuit reads), (w, v, step) at the top level for the baseline.
 */
export function encryptStart<C>(ev: Evaluator<C>, plan: TrainingPlan, round: number, state: ModelState, firstBatch: readonly Float64Array[]): EncryptedStart<C> {
  const top = ev.params.maxLevel;
  const made: Array<EncryptedColVector<C> | EncryptedRowVector<C>> = [];
  const track = <T extends EncryptedColVector<C> | EncryptedRowVector<C>>(x: T): T => (made.push(x), x);
  const encrypt = startEncryptor(ev, plan.unit, scaleLadder(ev.params), track);
  try {
    if (plan.circuit === 'lowdepth') {
      if (round === 0) return null;
      return { circuit: 'lowdepth', ...freshStart(encrypt, top, roundSpan(plan, round).minibatches, state.w, firstBatch) };
    }
    return { circuit: 'baseline', w: encrypt.col(state.w, top), v: encrypt.col(state.v, top), step: state.step };
  } catch (e) {
    made.forEach((x) => freeAll(ev, x));
    throw e;
  }
}

/** The start vectors of `start` by entry name (the low-depth circuit's absent ones left out). */
function startVectors<C>(start: EncryptedStart<C>): [string, EncryptedColVector<C> | EncryptedRowVector<C>][] {
  if (start === null) return [];
  const all: [string, EncryptedColVector<C> | EncryptedRowVector<C> | null][] =
    start.circuit === 'lowdepth' ? [['wC', start.wC], ['wR', start.wR], ['uC', start.uC], ['uR', start.uR]] : [['w', start.w], ['v', start.v]];
  return all.filter((e): e is [string, EncryptedColVector<C> | EncryptedRowVector<C>] => e[1] !== null);
}

/** Frees a start state's vectors. */
export function freeStart<C>(ev: Evaluator<C>, start: EncryptedStart<C>): void {
  for (const [, x] of startVectors(start)) freeAll(ev, x);
}

/**
 * Runs round `round` of `plan` on `ev` from `start` (kept) with inputs from `source` (kept):
 * the same `lowDepthRound` / `baselineRound` that `trainEncrypted` runs. Throws INVALID_ARGUMENT
 * when `start` does not fit the circuit and round, and what the circuit throws.
 */
export function runRound<C>(ev: Evaluator<C>, plan: TrainingPlan, round: number, source: InputSource<C>, start: EncryptedStart<C>, config: RoundConfig): RoundOutput<C> {
  const { minibatches } = roundSpan(plan, round);
  if (plan.circuit === 'lowdepth') {
    if ((round === 0) !== (start === null) || (start !== null && start.circuit !== 'lowdepth')) {
      throw new HeError('INVALID_ARGUMENT', `round ${round} of the low-depth circuit starts ${round === 0 ? 'from zero weights (no start state)' : 'from fresh weights and u_1'}`, { round });
    }
    const w = lowDepthRound(ev, source, minibatches, config, start);
    return { w, v: null, step: 0 };
  }
  if (start === null || start.circuit !== 'baseline') throw new HeError('INVALID_ARGUMENT', 'a baseline round starts from fresh w, v and a step count', { round });
  const out = baselineRound(ev, source, minibatches, config, { w: start.w, v: start.v, step: start.step });
  return { w: out.w, v: out.v, step: out.step };
}

/** What one metadata-only run of a round tells: its inputs' levels and its outputs' level and scale. */
interface RoundPass {
  readonly levels: ReadonlyMap<string, number>;
  readonly output: { readonly w: OutputMeta; readonly v: OutputMeta | null };
}

/** Passes already run, per plan, by round and settings (`passKey`). */
const passes = new WeakMap<TrainingPlan, Map<string, RoundPass>>();

const passKey = (round: number, config: RoundConfig): string =>
  JSON.stringify([round, config.batchSize, config.learningRate, config.sigmoid.coefficients, config.sigmoid.interval]);

/**
 * One metadata-only run of round `round` (`analyze` at the plan's parameters: no keys, no
 * values), cached per plan, round and settings: the client, the server and every reply of a
 * training share it. Throws INVALID_ARGUMENT outside the plan or on a bad batch size.
 */
function roundPass(plan: TrainingPlan, round: number, settings: RoundSettings): RoundPass {
  roundSpan(plan, round);
  const config = roundConfigOf(plan, settings);
  const key = passKey(round, config);
  let cache = passes.get(plan);
  const known = cache?.get(key);
  if (known !== undefined) return known;
  let levels: Map<string, number> = new Map();
  let output: RoundPass['output'] | undefined;
  analyze(<C>(ev: Evaluator<C>) => {
    const source = new EncryptingSource(ev, plan.unit, config.ladder, { shapeOf: (name) => inputShape(name, config.batchSize, plan.features, plan.unit) });
    const zeroBatch = Array.from({ length: config.batchSize }, () => new Float64Array(plan.features));
    const start = encryptStart(ev, plan, round, { w: new Float64Array(plan.features), v: new Float64Array(plan.features), step: 0 }, zeroBatch);
    try {
      const out = runRound(ev, plan, round, source, start, config);
      const metaOf = (x: EncryptedColVector<C>): OutputMeta => {
        const { level, scale } = ev.meta(x.tiles[0]!);
        return { level, scale };
      };
      output = { w: metaOf(out.w), v: out.v ? metaOf(out.v) : null };
      return out.v ? [...out.w.tiles, ...out.v.tiles] : out.w.tiles;
    } finally {
      levels = source.levels();
      freeStart(ev, start);
      source.free();
    }
  }, { params: plan.params, rotations: plan.rotations });
  const pass = { levels, output: output! };
  if (cache === undefined) passes.set(plan, (cache = new Map()));
  cache.set(key, pass);
  return pass;
}

/**
 * The inputs round `round` asks for and the level of each one's first use, from one
 * metadata-only run of the round (`analyze` at the plan's parameters: no keys, no values). They
 * depend only on the circuit, the round's minibatch count, its start and the parameters, so the
 * client knows them before the server runs. The run is cached per plan, round and settings.
 * Throws INVALID_ARGUMENT outside the plan.
 */
export function roundInputLevels(plan: TrainingPlan, round: number, settings: RoundSettings): ReadonlyMap<string, number> {
  return roundPass(plan, round, settings).levels;
}

/** A round request: its inputs (by name) and start state, as one bundle bound to `plan` (`planFingerprint`). Throws what `codec.save` throws. */
export function saveRoundRequest<C>(codec: CiphertextCodec<C>, round: number, inputs: ReadonlyMap<string, EncryptedMatrix<C>>, start: EncryptedStart<C>, plan: Uint8Array): Uint8Array {
  const entries: [string, Uint8Array][] = [...inputs].map(([name, m]) => [name, saveEncrypted(codec, m)]);
  for (const [name, x] of startVectors(start)) entries.push([name, saveEncrypted(codec, x)]);
  return writeBundle(codec, { round, step: start?.circuit === 'baseline' ? start.step : 0 }, entries, plan);
}

/** A round request opened by the server: nothing is loaded until asked for. */
export interface OpenedRoundRequest<C> {
  readonly round: number;
  /** The round's inputs, loaded on first request (`InputSource`), freed by `free()`. */
  readonly source: LoadedSource<C>;
  /** Loads the start state (null for the low-depth circuit's round 0); the caller frees it (`freeStart`). */
  loadStart(): EncryptedStart<C>;
}

/** What an entry must be: its kind, shape ([rows, cols]; [length, 1] for a vector) and unit, and where given its tiles' level and scale. */
interface Want<K> {
  readonly kind: K;
  readonly shape: readonly [number, number];
  readonly unit: EncodingUnit;
  readonly level?: number;
  readonly scale?: number;
  /** Why `level` is expected, for the message (default: the round's first use of an input). */
  readonly levelReason?: string;
}

const describeWant = (w: Want<string>): string =>
  `a ${w.kind === 'matrix' ? `${w.shape[0]}x${w.shape[1]} matrix` : `${w.kind} vector of length ${w.shape[0]}`} in the ${w.unit.height}x${w.unit.width} unit`;

/**
 * Loads the `Encrypted` in `bytes` and checks it is what `want` says (kind, shape, unit, then
 * level and scale); frees it and throws DESERIALIZE naming the entry otherwise.
 */
function loadKind<C, K extends Encrypted<C>['kind']>(codec: CiphertextCodec<C>, bytes: Uint8Array, want: Want<K>, name: string): Extract<Encrypted<C>, { kind: K }> {
  const x = loadEncrypted(codec, bytes);
  const tiles = x.kind === 'matrix' ? x.tiles.flat() : x.tiles;
  const fail = (message: string, details: Record<string, unknown>): never => {
    tiles.forEach((t) => codec.free(t));
    throw new HeError('DESERIALIZE', `cannot load: entry ${name} ${message}`, { field: name, ...details });
  };
  const shape = x.kind === 'matrix' ? [x.rows, x.cols] : [x.length, 1];
  if (x.kind !== want.kind || shape[0] !== want.shape[0] || shape[1] !== want.shape[1] || x.unit.height !== want.unit.height || x.unit.width !== want.unit.width) {
    fail(`must be ${describeWant(want)}`, { kind: x.kind, shape });
  }
  const { level, scale } = codec.meta(tiles[0]!);
  if (want.level !== undefined && level !== want.level) {
    fail(`arrived at level ${level}; ${want.levelReason ?? 'the round uses it first at level'} ${want.level}`, { level, expected: want.level });
  }
  if (want.scale !== undefined && !Object.is(scale, want.scale)) {
    fail(`arrived at scale 2^${Math.log2(scale).toFixed(2)} at level ${level}; the round expects the scale ladder's 2^${Math.log2(want.scale).toFixed(2)} there`, { scale, expected: want.scale });
  }
  return x as Extract<Encrypted<C>, { kind: K }>;
}

/**
 * Opens a request for `plan` with `settings` on `ev` (whose `codec` loads the tiles): the bundle
 * (the codec's parameters and key set, bound to `planFingerprint(plan, settings)`), its round
 * (in the plan), and that its entry names are exactly the inputs `expected` lists
 * (`roundInputLevels`) plus the circuit's start vectors. Each entry is checked when loaded: its
 * kind, shape and unit, inputs at their first-use level and start vectors where `freshStart`
 * puts them (weights at the top, u_1 one level below), each on the scale ladder. Throws DESERIALIZE naming the field (`keySet` for a request made under other
 * keys, `binding` for one made for another plan or other settings, the entry's name for an entry
 * that is not what the round needs).
 */
export function openRoundRequest<C>(
  ev: Evaluator<C>, codec: CiphertextCodec<C>, plan: TrainingPlan, settings: RoundSettings, bytes: Uint8Array, expected: (round: number) => ReadonlyMap<string, number>,
): OpenedRoundRequest<C> {
  const config = roundConfigOf(plan, settings);
  const { fields, entries } = openBundle(bytes, codec, ['matrix', 'rowVector', 'colVector'], planFingerprint(plan, settings));
  const round = fields.round ?? -1;
  if (round < 0 || round >= plan.rounds.length) throw new HeError('DESERIALIZE', `cannot load: round ${round} is not in the plan`, { field: 'round', round });
  const starts = startWants(plan, round, config);
  const levels = expected(round);
  const want = [...levels.keys(), ...starts.keys()].sort();
  const got = [...entries.keys()].sort();
  if (want.join() !== got.join()) {
    throw new HeError('DESERIALIZE', `cannot load: round ${round} needs entries ${want.join(', ')}; the request has ${got.join(', ')}`, { field: 'names', want, got });
  }
  const inputs = new Map([...entries].filter(([name]) => levels.has(name)));
  const source = new LoadedSource(ev, codec, inputs, levels, config);
  const loadStart = (): EncryptedStart<C> => {
    if (starts.size === 0) return null;
    const loaded = new Map<string, EncryptedColVector<C> | EncryptedRowVector<C>>();
    try {
      for (const [name, want] of starts) loaded.set(name, loadKind(codec, entries.get(name)!, want, name));
    } catch (e) {
      for (const x of loaded.values()) x.tiles.forEach((t) => codec.free(t));
      throw e;
    }
    const col = (name: string) => (loaded.get(name) ?? null) as EncryptedColVector<C> | null;
    const row = (name: string) => (loaded.get(name) ?? null) as EncryptedRowVector<C> | null;
    return plan.circuit === 'lowdepth'
      ? { circuit: 'lowdepth', wC: col('wC')!, wR: row('wR'), uC: col('uC'), uR: row('uR')! }
      : { circuit: 'baseline', w: col('w')!, v: col('v')!, step: fields.step ?? 0 };
  };
  return { round, source, loadStart };
}

/** The start vectors round `round` of `plan` is sent, by entry name, as `encryptStart` makes them. */
function startWants(plan: TrainingPlan, round: number, config: RoundConfig): Map<string, Want<'row' | 'col'>> {
  const top = plan.params.maxLevel;
  const vector = (kind: 'row' | 'col', length: number, level: number): Want<'row' | 'col'> =>
    ({ kind, shape: [length, 1], unit: plan.unit, level, scale: config.ladder[level]!, levelReason: 'the round starts from it at level' });
  const { features, batchSize } = config;
  if (plan.circuit === 'baseline') return new Map([['w', vector('col', features, top)], ['v', vector('col', features, top)]]);
  if (round === 0) return new Map();
  const needs = freshStartNeeds(plan.rounds[round]!);
  const uLevel = freshStartULevel(top, plan.rounds[round]!);
  const wants = new Map([['wC', vector('col', features, top)], ['uR', vector('row', batchSize, uLevel)]]);
  if (needs.wR) wants.set('wR', vector('row', features, top));
  if (needs.uC) wants.set('uC', vector('col', batchSize, uLevel));
  return wants;
}

/**
 * The server's `InputSource`: each input is loaded from its bytes on first request and kept
 * until `free()`. An input must be the matrix its name says (`X` b x d, `XT` d x b, `M` and `MT`
 * b x b, the first step's `WC`, `WR`, `UC`, `UR` as `inputShape` says, in the plan's unit) and arrive exactly at its expected level, on the scale ladder: a
 * different shape, level or scale is refused (DESERIALIZE naming the input) rather than
 * silently training on edited data, costing the circuit levels or failing deep inside it; a
 * request for a name the round does not use throws INVALID_ARGUMENT.
 */
export class LoadedSource<C> implements InputSource<C> {
  readonly #loaded = new Map<string, EncryptedMatrix<C>>();

  constructor(
    private readonly ev: Evaluator<C>,
    private readonly codec: CiphertextCodec<C>,
    private readonly bytes: ReadonlyMap<string, Uint8Array>,
    private readonly expected: ReadonlyMap<string, number>,
    private readonly config: RoundConfig,
  ) {}

  matrix(name: string, level: number): EncryptedMatrix<C> {
    const cached = this.#loaded.get(name);
    if (cached) return cached;
    const bytes = this.bytes.get(name);
    if (!bytes) throw new HeError('INVALID_ARGUMENT', `no input "${name}" in this round's request`, { name });
    const first = this.expected.get(name)!;
    const { batchSize, features, unit, ladder } = this.config;
    const m = loadKind(this.codec, bytes, { kind: 'matrix', shape: inputShape(name, batchSize, features, unit), unit, level: first, scale: ladder[first]! }, name);
    if (first < level) {
      m.tiles.flat().forEach((t) => this.codec.free(t));
      throw new HeError('DESERIALIZE', `cannot load: input ${name} arrived at level ${first}, below level ${level} where the round asks for it`, { field: name, level: first });
    }
    this.#loaded.set(name, m);
    return m;
  }

  /** Levels of the inputs loaded so far, by name. */
  levels(): Map<string, number> {
    return new Map([...this.#loaded].map(([name, m]) => [name, this.ev.meta(m.tiles[0]![0]!).level]));
  }

  /** Frees every input loaded so far. */
  free(): void {
    for (const m of this.#loaded.values()) m.tiles.flat().forEach((t) => this.codec.free(t));
    this.#loaded.clear();
  }
}

/** A round's reply: the output weights (and the baseline's v) with the round and step, bound to `plan` (`planFingerprint`). Throws what `codec.save` throws. */
export function saveRoundReply<C>(codec: CiphertextCodec<C>, round: number, out: RoundOutput<C>, plan: Uint8Array): Uint8Array {
  const entries: [string, Uint8Array][] = [['w', saveEncrypted(codec, out.w)]];
  if (out.v) entries.push(['v', saveEncrypted(codec, out.v)]);
  return writeBundle(codec, { round, step: out.step }, entries, plan);
}

/** Level and scale of one output of a round. */
export interface OutputMeta {
  readonly level: number;
  readonly scale: number;
}

/**
 * Level and scale of round `round`'s outputs (`w`, and the baseline's `v`), from the round's
 * metadata-only run (`analyze` at the plan's parameters: no keys, no values), the one
 * `roundInputLevels` made when there is one. They depend on the circuit, the round's minibatch
 * count, its start and the parameters, not on the batch size or learning rate, so any run of the
 * round serves; without one, a run at the unit's height and the defaults. Throws INVALID_ARGUMENT
 * outside the plan.
 */
export function roundOutputMeta(plan: TrainingPlan, round: number): { readonly w: OutputMeta; readonly v: OutputMeta | null } {
  // Any settings give the same outputs: a pass already run for the round serves.
  roundSpan(plan, round);
  const prefix = `[${round},`;
  for (const [key, pass] of passes.get(plan) ?? []) if (key.startsWith(prefix)) return pass.output;
  return roundPass(plan, round, { batchSize: plan.unit.height }).output;
}

/**
 * Loads a reply for `plan` (entries `w`, and `v` for the baseline, column vectors of
 * `plan.features`) made under the codec's key set and bound to `binding` (`planFingerprint`),
 * each at the level and scale its round leaves them (`roundOutputMeta`). Throws DESERIALIZE
 * naming the field (the entry's name for an entry of another kind, shape, unit, level or scale).
 */
export function loadRoundReply<C>(codec: CiphertextCodec<C>, plan: TrainingPlan, bytes: Uint8Array, binding: Uint8Array): { readonly round: number; readonly output: RoundOutput<C> } {
  const { fields, entries } = openBundle(bytes, codec, ['colVector'], binding);
  const round = fields.round ?? -1;
  if (round < 0 || round >= plan.rounds.length) throw new HeError('DESERIALIZE', `cannot load: round ${round} is not in the plan`, { field: 'round', round });
  const names = plan.circuit === 'baseline' ? 'v,w' : 'w';
  if ([...entries.keys()].sort().join() !== names) throw new HeError('DESERIALIZE', `cannot load: a ${plan.circuit} reply holds ${names}`, { field: 'names' });
  const out = roundOutputMeta(plan, round);
  const want = (at: OutputMeta, name: string): Want<'col'> =>
    ({ kind: 'col', shape: [plan.features, 1], unit: plan.unit, ...at, levelReason: `round ${round} leaves ${name} at level` });
  const w = loadKind(codec, entries.get('w')!, want(out.w, 'w'), 'w');
  let v: EncryptedColVector<C> | null = null;
  try {
    if (plan.circuit === 'baseline') v = loadKind(codec, entries.get('v')!, want(out.v!, 'v'), 'v');
  } catch (e) {
    w.tiles.forEach((t) => codec.free(t));
    throw e;
  }
  return { round, output: { w, v, step: fields.step ?? 0 } };
}
