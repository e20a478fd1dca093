/**
 * `defineBackend` wraps a backend's kernels in hekit's one checked layer: handle
 * validation, SEAL's level/scale/degree rules (rules.ts), memory ownership, op counts
 * and, in verify mode, a comparison of predicted against actual metadata after each op.
 */
import { SlotEncoder } from './encoding.js';
import { optionsArgument } from './arguments.js';
import { fmtScale, HeError } from './errors.js';
import type { EncryptOptions, Evaluator, PlainInput } from './evaluator.js';
import { Ciphertext, payloadOf, type HandleOwner } from './handle.js';
import type { Kernels } from './kernels.js';
import { depthAt, type CtMeta } from './meta.js';
import type { CkksParams } from './params/index.js';
import { RotationKeys } from './rotation.js';
import * as rules from './rules.js';
import type { OpName } from './rules.js';
import { StatsCounter, type CircuitStats } from './stats.js';

/** What a backend can do, for code that adapts to it (e.g. `paired` needs a reference that predicts noise). */
export interface BackendCapabilities {
  /** True when ciphertexts are real encryptions (SEAL), false for the simulator. */
  readonly encrypts: boolean;
  /** True when the backend predicts per-slot error (`noise(ct)`). */
  readonly predictsNoise: boolean;
}

/**
 * Ciphertext handle counts from `Backend.memory()`. The checked layer counts them, so they are
 * identical on every backend and leak tests can run on the simulator.
 */
export interface MemoryInfo {
  /** Ciphertext handles created and not yet disposed. */
  readonly ciphertexts: number;
  /** Highest `ciphertexts` seen since the backend was created. */
  readonly peakCiphertexts: number;
}

/**
 * A checked backend, as `defineBackend` builds it (`createSimBackend` and `createSealBackend`
 * return one): the evaluator over `Ciphertext` handles, plus memory ownership, op statistics
 * and disposal. Ops check their handles first and throw INVALID_ARGUMENT (not a handle),
 * FOREIGN_HANDLE (another backend's) or DISPOSED (a disposed handle, or a disposed backend);
 * `free` of a disposed handle is a no-op.
 */
export interface Backend extends Evaluator<Ciphertext> {
  /** 'sim', 'seal', ...: appears in error messages. */
  readonly name: string;
  readonly capabilities: BackendCapabilities;
  /** Rotation steps with their own Galois key. */
  readonly rotations: readonly number[];
  /**
   * Runs `fn` and disposes every ciphertext created inside it except those reachable
   * from its return value (a handle, or arrays, Maps, Sets and plain objects holding them) and
   * those passed to `keep`. Survivors move to the enclosing scope. Synchronous only.
   */
  scope<T>(fn: () => T): T;
  /** Exempts `ct` from disposal by any enclosing scope. */
  keep<T extends Ciphertext>(ct: T): T;
  /** Live and peak handle counts. The peak is not reset by `resetStats`. */
  memory(): MemoryInfo;
  /** What ran since creation or the last `resetStats()`: successful ops, key switches, rotation steps, depth. A frozen snapshot. */
  stats(): CircuitStats;
  /** Zeroes what `stats()` reports; live handles and `memory()` are unaffected. */
  resetStats(): void;
  /** True after `dispose()`. */
  readonly disposed: boolean;
  /** Frees every live ciphertext, then the keys and context. Further use throws DISPOSED. */
  dispose(): void;
}

/** What a backend author hands `defineBackend`; `P` is the backend's payload type behind each handle. */
export interface BackendDefinition<P> {
  /** Becomes `Backend.name`. */
  readonly name: string;
  /** Checked parameters the kernels were built for. */
  readonly params: CkksParams;
  /** Steps with their own Galois key: nonzero integers with |step| < slots (INVALID_ARGUMENT otherwise). */
  readonly rotations: readonly number[];
  readonly capabilities: BackendCapabilities;
  /** The computations; the checked layer validates everything before calling them. */
  readonly kernels: Kernels<P>;
  /** Compare each op's predicted metadata with `kernels.inspect` and throw DIVERGENCE on a difference. */
  readonly verify?: boolean;
  /** The smallest result scale an op may produce (`scaleFloorOf`; default min(2^10, the parameters' scale)). */
  readonly scaleFloor?: number;
  /**
   * @internal The encoder the checked layer uses for SEAL's values check, when the backend already
   * has one (an optimisation for hekit's own backends; by default the layer creates its own).
   */
  readonly encoder?: SlotEncoder;
  /**
   * @internal Where the checked layer gets the slots-long arrays it hands to `encrypt`, `addPlain`
   * and `mulPlain` (contents arbitrary, every slot is written), when the backend recycles them
   * (the simulator, whose ops cost about as much as allocating an array); by default new arrays.
   */
  readonly slotArray?: () => Float64Array;
}

/** For backend authors: the checked backend, and access to the payload behind a handle. */
export interface DefinedBackend<P> {
  readonly backend: Backend;
  /**
   * The payload behind a live handle of `backend`, for backend-specific extras such as the
   * simulator's `noise(ct)`; `op` names the caller in errors. Throws INVALID_ARGUMENT (not a
   * Ciphertext), FOREIGN_HANDLE (another backend's), DISPOSED (handle or backend disposed), with
   * `details.argument` = `argument` (default `x`).
   */
  readonly payload: (ct: Ciphertext, op: string, argument?: string) => P;
  /**
   * Wraps a payload made outside an op (a deserialized ciphertext) in a handle owned, counted
   * and scoped like any other. The caller has checked `meta` against the parameters.
   */
  readonly adopt: (payload: P, meta: CtMeta) => Ciphertext;
}

/**
 * Wraps `definition.kernels` in the checked layer: handle validation, SEAL's level/scale/degree
 * rules, metadata prediction, memory ownership and op counts, so every backend fails with the
 * same code for the same mistake. With `verify` and `kernels.inspect`, each op's predicted
 * metadata is compared with the backend's own (DIVERGENCE). Kernel exceptions other than
 * HeError become BACKEND_INTERNAL. Throws INVALID_ARGUMENT for invalid `rotations`.
 */
export function defineBackend<P>(definition: BackendDefinition<P>): DefinedBackend<P> {
  const backend = new CheckedBackend(definition);
  return { backend, payload: (ct, op, argument = 'x') => backend.unwrap(ct, op, argument), adopt: (p, meta) => backend.adopt(p, meta) };
}

class CheckedBackend<P> implements Backend, HandleOwner {
  readonly name: string;
  readonly params: CkksParams;
  readonly capabilities: BackendCapabilities;
  readonly rotations: readonly number[];
  readonly #keys: RotationKeys;
  readonly #kernels: Kernels<P>;
  readonly #verify: boolean;
  readonly #stats = new StatsCounter();
  readonly #live = new Set<Ciphertext>();
  readonly #scopes: Set<Ciphertext>[] = [];
  #encoder: SlotEncoder | undefined;
  readonly #slotArray: () => Float64Array;
  #peak = 0;
  #disposed = false;
  readonly #scaleFloor: number;

  constructor(d: BackendDefinition<P>) {
    this.name = d.name;
    this.params = d.params;
    this.capabilities = Object.freeze({ ...d.capabilities });
    this.#keys = new RotationKeys(d.params, d.rotations);
    this.rotations = this.#keys.steps;
    this.#kernels = d.kernels;
    this.#verify = d.verify === true && d.kernels.inspect !== undefined;
    this.#scaleFloor = scaleFloorOf(d.params, d.scaleFloor, d.name);
    this.#encoder = d.encoder;
    this.#slotArray = d.slotArray ?? (() => new Float64Array(d.params.slots));
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  /** The payload of `ct`, argument `argument` of `op` (named in errors). */
  unwrap(ct: Ciphertext, op: string, argument: string): P {
    this.#alive(op);
    return payloadOf<P>(this, ct, op, argument);
  }

  // ---- evaluator ----

  encrypt(values: PlainInput, encryptOptions?: EncryptOptions): Ciphertext {
    this.#alive('encrypt');
    const options = optionsArgument(encryptOptions, 'encrypt');
    const level = rules.checkLevel(this.params, options.level ?? this.params.maxLevel, 'encrypt');
    const scale = options.scale ?? this.params.scale;
    const [slots, maxAbs] = this.#encode(values, scale, level, 'encrypt');
    this.#checkWrap(slots, scale, level, 'encrypt', maxAbs);
    const out = { level, scale, degree: 1 };
    const symmetric = options.symmetric === true;
    return this.#emit('encrypt', out, () => this.#kernels.encrypt(slots, out, symmetric));
  }

  decrypt(x: Ciphertext): Float64Array {
    const p = this.unwrap(x, 'decrypt', 'x');
    rules.decryptCheck(this.params, x);
    const values = this.#call(() => this.#kernels.decrypt(p, x));
    this.#stats.count('decrypt');
    return values;
  }

  meta(x: Ciphertext): Readonly<CtMeta> {
    if (!(x instanceof Ciphertext)) throw new HeError('INVALID_ARGUMENT', `meta: expected a Ciphertext, got ${x === null ? 'null' : typeof x}`, { op: 'meta', argument: 'x' });
    return { level: x.level, scale: x.scale, degree: x.degree };
  }

  free(x: Ciphertext): void {
    if (x instanceof Ciphertext && x.disposed) return;
    payloadOf<P>(this, x, 'free', 'x');
    x.dispose();
  }

  add(a: Ciphertext, b: Ciphertext): Ciphertext {
    const [pa, pb] = [this.unwrap(a, 'add', 'a'), this.unwrap(b, 'add', 'b')];
    const out = rules.addMeta(a, b, 'add');
    return this.#emit('add', out, () => this.#kernels.add(pa, pb, out));
  }

  sub(a: Ciphertext, b: Ciphertext): Ciphertext {
    const [pa, pb] = [this.unwrap(a, 'sub', 'a'), this.unwrap(b, 'sub', 'b')];
    const out = rules.addMeta(a, b, 'sub');
    return this.#emit('sub', out, () => this.#kernels.sub(pa, pb, out));
  }

  neg(a: Ciphertext): Ciphertext {
    const pa = this.unwrap(a, 'neg', 'a');
    const out = this.meta(a);
    return this.#emit('neg', out, () => this.#kernels.neg(pa, out));
  }

  addPlain(a: Ciphertext, values: PlainInput): Ciphertext {
    const pa = this.unwrap(a, 'addPlain', 'a');
    const [slots, maxAbs] = this.#encode(values, a.scale, a.level, 'addPlain');
    const out = this.meta(a);
    this.#checkWrap(slots, a.scale, a.level, 'addPlain', maxAbs);
    return this.#emit('addPlain', out, () => this.#kernels.addPlain(pa, slots, out));
  }

  mulPlain(a: Ciphertext, values: PlainInput, scale: number = this.params.scale): Ciphertext {
    const pa = this.unwrap(a, 'mulPlain', 'a');
    const [slots, maxAbs] = this.#encode(values, scale, a.level, 'mulPlain');
    const out = rules.mulPlainMeta(this.params, a, scale);
    this.#checkWrap(slots, scale, a.level, 'mulPlain', maxAbs);
    return this.#emit('mulPlain', out, () => this.#kernels.mulPlain(pa, slots, scale, out));
  }

  mul(a: Ciphertext, b: Ciphertext): Ciphertext {
    const [pa, pb] = [this.unwrap(a, 'mul', 'a'), this.unwrap(b, 'mul', 'b')];
    const out = rules.mulMeta(this.params, a, b, 'mul');
    return this.#emit('mul', out, () => this.#kernels.mul(pa, pb, out));
  }

  square(a: Ciphertext): Ciphertext {
    const pa = this.unwrap(a, 'square', 'a');
    const out = rules.mulMeta(this.params, a, a, 'square');
    return this.#emit('square', out, () => this.#kernels.square(pa, out));
  }

  relinearize(a: Ciphertext): Ciphertext {
    const pa = this.unwrap(a, 'relinearize', 'a');
    const out = rules.relinearizeMeta(this.params, a);
    if (a.degree === 1) return this.#emit('relinearize', out, () => this.#kernels.copy(pa, out));
    return this.#emit('relinearize', out, () => this.#kernels.relinearize(pa, out), 1);
  }

  rescale(a: Ciphertext): Ciphertext {
    const pa = this.unwrap(a, 'rescale', 'a');
    const out = rules.rescaleMeta(this.params, a);
    return this.#emit('rescale', out, () => this.#kernels.rescale(pa, out));
  }

  dropLevelTo(a: Ciphertext, level: number): Ciphertext {
    const pa = this.unwrap(a, 'dropLevelTo', 'a');
    const out = rules.dropLevelMeta(this.params, a, level);
    if (out.level === a.level) return this.#emit('dropLevelTo', out, () => this.#kernels.copy(pa, out));
    return this.#emit('dropLevelTo', out, () => this.#kernels.dropLevelTo(pa, out));
  }

  rotate(a: Ciphertext, step: number): Ciphertext {
    const pa = this.unwrap(a, 'rotate', 'a');
    const terms = rules.rotateTerms(this.params, this.#keys, a, step);
    const out = this.meta(a);
    if (terms.length === 0) return this.#emit('rotate', out, () => this.#kernels.copy(pa, out));
    const rotated = this.#emit('rotate', out, () => this.#kernels.rotate(pa, step, terms, out), terms.length);
    this.#stats.step(step);
    return rotated;
  }

  // ---- memory ----

  scope<T>(fn: () => T): T {
    this.#alive('scope');
    if (typeof fn !== 'function') throw new HeError('INVALID_ARGUMENT', `scope: expected a function, got ${fn === null ? 'null' : typeof fn}`, { op: 'scope', argument: 'fn' });
    const frame = new Set<Ciphertext>();
    this.#scopes.push(frame);
    let result: T;
    try {
      result = fn();
    } catch (e) {
      this.#closeFrame(frame, new Set());
      throw e;
    }
    if (isThenable(result)) {
      this.#closeFrame(frame, new Set());
      throw new HeError('INVALID_ARGUMENT', 'scope() takes a synchronous function; await outside it and scope the synchronous parts', { op: 'scope' });
    }
    let survivors: Set<Ciphertext>;
    try {
      survivors = reachableHandles(result);
    } catch (e) {
      this.#closeFrame(frame, new Set());
      throw e;
    }
    this.#closeFrame(frame, survivors);
    return result;
  }

  keep<T extends Ciphertext>(ct: T): T {
    payloadOf<P>(this, ct, 'keep', 'ct');
    for (const frame of this.#scopes) frame.delete(ct);
    return ct;
  }

  memory(): MemoryInfo {
    return { ciphertexts: this.#live.size, peakCiphertexts: this.#peak };
  }

  stats(): CircuitStats {
    return this.#stats.snapshot();
  }

  resetStats(): void {
    this.#stats.reset();
  }

  release(ct: Ciphertext, payload: unknown): void {
    this.#live.delete(ct);
    for (const frame of this.#scopes) frame.delete(ct);
    this.#kernels.free(payload as P);
  }

  dispose(): void {
    if (this.#disposed) return;
    for (const ct of [...this.#live]) ct.dispose();
    this.#disposed = true;
    this.#kernels.close();
  }

  // ---- internals ----

  #alive(op: string): void {
    if (this.#disposed) throw new HeError('DISPOSED', `${op}: the ${this.name} backend was disposed; create a new one`, { op });
  }

  #closeFrame(frame: Set<Ciphertext>, survivors: ReadonlySet<Ciphertext>): void {
    const index = this.#scopes.lastIndexOf(frame);
    this.#scopes.splice(index, 1);
    const parent = this.#scopes[this.#scopes.length - 1];
    for (const ct of frame) {
      if (survivors.has(ct)) parent?.add(ct);
      else ct.dispose();
    }
  }

  /** A plaintext's checks in SEAL's order: encode scale, encoded values, then the mod switch to `level`. */
  /** The values as slots, checked to encode at `scale` on the first level and to fit `level`'s scale; with their largest magnitude. */
  #encode(values: PlainInput, scale: number, level: number, op: OpName): [Float64Array, number] {
    const [slots, maxAbs] = this.#slots(values, op);
    rules.checkEncodeScale(this.params, scale, op);
    this.#encoder ??= new SlotEncoder(this.params);
    this.#encoder.checkEncodable(slots, scale, op, maxAbs);
    rules.checkPlainLevel(this.params, scale, level, op);
    return [slots, maxAbs];
  }

  /**
   * SEAL encodes on the first level, then mod-switches the plaintext to `level`, where any
   * coefficient of at least Q_level / 2 wraps silently and decrypts to garbage. The values are
   * known here, so both backends refuse that before the op (OVERFLOW), not only the simulator.
   */
  #checkWrap(slots: Float64Array, scale: number, level: number, op: OpName, maxAbs: number): void {
    if (level === this.params.maxLevel) return; // checkEncodable covered the first level
    const half = halfModulus(this.params)[level]!;
    if (this.#encoder!.fits(slots, scale, half, 0, maxAbs)) return;
    throw new HeError('OVERFLOW',
      `${op}: plain values times scale ${fmtScale(scale)} exceed the ${Math.log2(half * 2).toFixed(1)}-bit modulus at level ${level}; SEAL would wrap them silently. Scale the data down, or use a higher level`,
      { op, scale, level, maxValue: maxAbs });
  }

  /** The values as a fresh slots-long array, with their largest magnitude (read in the same pass). */
  #slots(values: PlainInput, op: OpName): [Float64Array, number] {
    const slots = this.params.slots;
    if (typeof values === 'number') {
      if (!Number.isFinite(values)) throw new HeError('INVALID_VALUES', `${op}: value ${values} is not finite`, { op });
      return [this.#slotArray().fill(values), Math.abs(values)];
    }
    if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
      throw new HeError('INVALID_VALUES', `${op}: expected a number or an array of numbers`, { op });
    }
    if (values.length > slots) {
      throw new HeError('INVALID_VALUES', `${op}: ${values.length} values do not fit ${slots} slots; split them over several ciphertexts`,
        { op, length: values.length, slots });
    }
    const out = this.#slotArray().fill(0, values.length);
    if (values instanceof Float64Array) return [out, copyFinite(values, out, op)];
    let maxAbs = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new HeError('INVALID_VALUES', `${op}: value at index ${i} (${String(v)}) is not a finite number`, { op, index: i });
      }
      out[i] = v;
      maxAbs = Math.max(maxAbs, Math.abs(v));
    }
    return [out, maxAbs];
  }

  #call<R>(fn: () => R): R {
    try {
      return fn();
    } catch (e) {
      if (e instanceof HeError) throw e;
      throw new HeError('BACKEND_INTERNAL', `${this.name} backend failed: ${e instanceof Error ? e.message : String(e)}`, {}, { cause: e });
    }
  }

  adopt(payload: P, meta: CtMeta): Ciphertext {
    if (this.#disposed) {
      this.#kernels.free(payload);
      this.#alive('load');
    }
    return this.#register(payload, { level: meta.level, scale: meta.scale, degree: meta.degree });
  }

  #register(payload: P, meta: CtMeta): Ciphertext {
    const ct = new Ciphertext(this, payload, meta);
    this.#live.add(ct);
    this.#scopes[this.#scopes.length - 1]?.add(ct);
    if (this.#live.size > this.#peak) this.#peak = this.#live.size;
    return ct;
  }

  #emit(op: OpName, out: CtMeta, compute: () => P, keySwitches = 0): Ciphertext {
    if (out.scale < this.#scaleFloor) throw scaleUnderflow(op, out, this.#scaleFloor);
    const payload = this.#call(compute);
    if (this.#verify) this.#compare(op, out, payload);
    const ct = this.#register(payload, out);
    this.#stats.count(op, depthAt(this.params, out.level), keySwitches);
    return ct;
  }

  #compare(op: OpName, predicted: CtMeta, payload: P): void {
    const actual = (this.#kernels.inspect as (p: P) => CtMeta)(payload);
    if (actual.level !== predicted.level || actual.scale !== predicted.scale || actual.degree !== predicted.degree) {
      this.#kernels.free(payload);
      throw new HeError('DIVERGENCE',
        `${op}: ${this.name} reports level ${actual.level}, scale ${actual.scale}, degree ${actual.degree}; hekit predicted ${predicted.level}, ${predicted.scale}, ${predicted.degree}`,
        { op, predicted, actual });
    }
  }
}

/**
 * Copies `values` into `out`, checking that each is finite (INVALID_VALUES); returns the largest
 * |value|. A function of its own, so its loop is optimised with the whole rather than on the stack;
 * four values per iteration share V8's per-iteration checks of the arrays.
 */
function copyFinite(values: Float64Array, out: Float64Array, op: OpName): number {
  const n = values.length;
  let m0 = 0, m1 = 0, m2 = 0, m3 = 0, i = 0;
  for (; i + 3 < n; i += 4) {
    const v0 = values[i] as number, v1 = values[i + 1] as number, v2 = values[i + 2] as number, v3 = values[i + 3] as number;
    // x - x is 0 exactly for finite x and NaN otherwise; the loop below reports the first.
    if (v0 - v0 !== 0 || v1 - v1 !== 0 || v2 - v2 !== 0 || v3 - v3 !== 0) break;
    out[i] = v0; out[i + 1] = v1; out[i + 2] = v2; out[i + 3] = v3;
    m0 = Math.max(m0, Math.abs(v0)); m1 = Math.max(m1, Math.abs(v1)); m2 = Math.max(m2, Math.abs(v2)); m3 = Math.max(m3, Math.abs(v3));
  }
  for (; i < n; i++) {
    const v = values[i] as number;
    if (v - v !== 0) throw new HeError('INVALID_VALUES', `${op}: value at index ${i} (${v}) is not a finite number`, { op, index: i });
    out[i] = v;
    m0 = Math.max(m0, Math.abs(v));
  }
  return Math.max(m0, m1, m2, m3);
}

const isThenable = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';

/** Handles reachable from a scope's result through arrays, Maps, Sets and plain objects. */
function reachableHandles(value: unknown): Set<Ciphertext> {
  const found = new Set<Ciphertext>();
  const seen = new Set<unknown>();
  const visit = (v: unknown): void => {
    if (v instanceof Ciphertext) {
      found.add(v);
      return;
    }
    if (typeof v !== 'object' || v === null || seen.has(v)) return;
    seen.add(v);
    if (Array.isArray(v)) v.forEach(visit);
    else if (v instanceof Map || v instanceof Set) v.forEach(visit);
    else if (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null) Object.values(v).forEach(visit);
  };
  visit(value);
  return found;
}

const halfModuli = new WeakMap<CkksParams, readonly number[]>();
/** Q_l / 2 at every level l (as a float): a coefficient at or beyond it wraps modulo Q_l. */
function halfModulus(params: CkksParams): readonly number[] {
  let half = halfModuli.get(params);
  if (half === undefined) {
    let modulus = 1n;
    half = params.dataPrimes.map((q) => Number((modulus *= q)) / 2);
    halfModuli.set(params, half);
  }
  return half;
}

/** log2(DEFAULT_SCALE_FLOOR) = 10: below 2^10 a CKKS value keeps about three decimal digits, and SEAL's rounding error swamps it. */
export const DEFAULT_SCALE_FLOOR = 2 ** 10;

/**
 * The scale floor a backend enforces: `requested` if given (a finite number >= 0; 0 turns the
 * check off), else min(2^10, `params.scale`), so parameters made with `allowSmallScale` still
 * run at their own scale. Throws INVALID_ARGUMENT naming `scaleFloor` otherwise.
 */
export function scaleFloorOf(params: CkksParams, requested: unknown, op: string): number {
  if (requested === undefined) return Math.min(DEFAULT_SCALE_FLOOR, params.scale);
  if (typeof requested !== 'number' || !Number.isFinite(requested) || requested < 0) {
    throw new HeError('INVALID_ARGUMENT', `${op}: scaleFloor must be a finite number >= 0 (0 turns the check off); got ${String(requested)}`, { op, argument: 'scaleFloor' });
  }
  return requested;
}

/** SCALE_OUT_OF_BOUNDS for a result below the floor: which op, the scale, the floor, and what to do. */
function scaleUnderflow(op: OpName, out: CtMeta, floor: number): HeError {
  const why = op === 'rescale'
    ? 'rescale divides the scale by a prime of about the scale itself, so rescale only products'
    : op === 'encrypt' ? 'encrypt at a larger scale' : 'use a larger plaintext scale';
  return new HeError('SCALE_OUT_OF_BOUNDS',
    `${op}: the result's scale ${fmtScale(out.scale)} is below the floor ${fmtScale(floor)}: a value keeps about log2(scale) bits, so SEAL's rounding error would swamp it; ${why} (or lower the backend's scaleFloor option)`,
    { op, scale: out.scale, level: out.level, floor });
}
