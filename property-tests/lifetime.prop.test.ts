/**
 * Model-based lifetime tests (fast-check `commands`), run on every backend: random
 * sequences of encrypt, add, multiply-relinearize-rescale, level drops, dispose,
 * use-after-dispose, failing ops and (nested) scopes that return handles in arrays,
 * objects and maps, keep some, and throw. A model tracks which handles are alive;
 * after every command `memory().ciphertexts` must equal the model's count, every live
 * handle must still work and every dead one must refuse use with DISPOSED.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeError, createParams, type Backend, type Ciphertext, type CkksParamsLiteral, type HeErrorCode } from '../core/index.js';
import { createSealBackend } from '../backends/seal/index.js';
import { createSimBackend } from '../backends/sim/index.js';

// Pinned so a failure replays exactly; fast-check prints seed and path on failure.
const SEED = 20_241_125;

// Levels 1 and 0. Fresh scale 2^20 at level 1; any product at level 0 exceeds its 40 bits.
const PARAMS: CkksParamsLiteral = { ringDegree: 4096, bitSizes: [40, 20, 40], scale: 2 ** 20 };
const parsed = createParams(PARAMS);
const TOP = parsed.maxLevel;

interface Factory {
  readonly name: string;
  readonly numRuns: number;
  readonly maxCommands: number;
  create(): Promise<Backend>;
}

const factories: readonly Factory[] = [
  { name: 'sim', numRuns: 100, maxCommands: 40, create: async () => createSimBackend(PARAMS, { seed: 5 }) },
  { name: 'seal', numRuns: 10, maxCommands: 40, create: () => createSealBackend(PARAMS, { verify: true }) },
];

// ---- model ----

/** What the model knows of a handle: enough to predict every op's outcome and its value. */
interface Entry {
  readonly level: number;
  readonly scale: number;
  /** The same value in every slot. */
  readonly value: number;
}

interface Model {
  readonly live: Map<number, Entry>;
  readonly dead: Map<number, Entry>;
  nextId: number;
}

interface Real {
  readonly b: Backend;
  readonly handles: Map<number, Ciphertext>;
  /** Every handle any command created, for cleanup between runs. */
  readonly all: Set<Ciphertext>;
}

const MAX_LIVE = 16;
const MAX_VALUE = 64;

/** Picks the `i`-th (mod size) id of a map, or undefined when it is empty. */
const pick = (ids: Map<number, Entry>, i: number): number | undefined => {
  const keys = [...ids.keys()];
  return keys.length === 0 ? undefined : keys[i % keys.length];
};

/** Expected outcome of a binary op by the model's rules: level first, then scale. */
function binaryError(a: Entry, b: Entry): HeErrorCode | null {
  if (a.level !== b.level) return 'LEVEL_MISMATCH';
  if (a.scale !== b.scale) return 'SCALE_MISMATCH';
  return null;
}

function adopt(m: Model, r: Real, ct: Ciphertext, entry: Entry): void {
  const id = m.nextId++;
  m.live.set(id, entry);
  r.handles.set(id, ct);
  r.all.add(ct);
}

function bury(m: Model, r: Real, id: number, entry: Entry, ct: Ciphertext): void {
  m.live.delete(id);
  m.dead.set(id, entry);
  r.handles.set(id, ct);
}

const codeOf = (f: () => unknown): HeErrorCode | null => {
  try {
    f();
    return null;
  } catch (e) {
    if (e instanceof HeError) return e.code;
    throw e;
  }
};

/** The invariant after every command. */
function settle(m: Model, r: Real): void {
  expect(r.b.memory().ciphertexts, 'live ciphertexts').toBe(m.live.size);
  expect(r.b.memory().peakCiphertexts).toBeGreaterThanOrEqual(m.live.size);
  for (const [id, entry] of m.live) {
    const ct = r.handles.get(id)!;
    expect(ct.disposed, `handle #${id} should be live`).toBe(false);
    expect({ level: ct.level, scale: ct.scale }).toEqual({ level: entry.level, scale: entry.scale });
  }
  for (const id of m.dead.keys()) expect(r.handles.get(id)!.disposed, `handle #${id} should be disposed`).toBe(true);
}

/** Mean over the slots: the noise averages out, the constant value stays. */
function expectValue(r: Real, ct: Ciphertext, value: number): void {
  const v = r.b.decrypt(ct);
  let sum = 0;
  for (const x of v) sum += x;
  expect(Math.abs(sum / v.length - value)).toBeLessThanOrEqual(1e-2 * Math.max(1, Math.abs(value)));
}

// ---- commands ----

type Cmd = fc.Command<Model, Real>;

class Encrypt implements Cmd {
  constructor(readonly value: number, readonly level: number) {}
  check = (m: Readonly<Model>) => m.live.size < MAX_LIVE;
  run(m: Model, r: Real): void {
    adopt(m, r, r.b.encrypt(this.value, { level: this.level }), { level: this.level, scale: parsed.scale, value: this.value });
    settle(m, r);
  }
  toString = () => `encrypt(${this.value}, level ${this.level})`;
}

class Add implements Cmd {
  constructor(readonly i: number, readonly j: number) {}
  check = (m: Readonly<Model>) => {
    const a = pick(m.live, this.i), b = pick(m.live, this.j);
    return a !== undefined && b !== undefined && m.live.size < MAX_LIVE &&
      Math.abs(m.live.get(a)!.value + m.live.get(b)!.value) <= MAX_VALUE;
  };
  run(m: Model, r: Real): void {
    const ia = pick(m.live, this.i)!, ib = pick(m.live, this.j)!;
    const a = m.live.get(ia)!, b = m.live.get(ib)!;
    const expected = binaryError(a, b);
    let out: Ciphertext | undefined;
    const code = codeOf(() => (out = r.b.add(r.handles.get(ia)!, r.handles.get(ib)!)));
    expect(code).toBe(expected);
    if (out) adopt(m, r, out, { level: a.level, scale: a.scale, value: a.value + b.value });
    settle(m, r);
  }
  toString = () => `add(#${this.i}, #${this.j})`;
}

/** rescale(relinearize(mul(a, b))) inside a scope: only the result survives, nothing on failure. */
class MulRelinRescale implements Cmd {
  constructor(readonly i: number, readonly j: number) {}
  check = (m: Readonly<Model>) => {
    const a = pick(m.live, this.i), b = pick(m.live, this.j);
    return a !== undefined && b !== undefined && m.live.size < MAX_LIVE &&
      Math.abs(m.live.get(a)!.value * m.live.get(b)!.value) <= MAX_VALUE;
  };
  run(m: Model, r: Real): void {
    const ia = pick(m.live, this.i)!, ib = pick(m.live, this.j)!;
    const a = m.live.get(ia)!, b = m.live.get(ib)!;
    // Scales may differ for mul; at level 0 every product exceeds the 40-bit modulus.
    const expected: HeErrorCode | null = a.level !== b.level ? 'LEVEL_MISMATCH' : a.level === 0 ? 'SCALE_OUT_OF_BOUNDS' : null;
    let out: Ciphertext | undefined;
    const code = codeOf(() => {
      out = r.b.scope(() => r.b.rescale(r.b.relinearize(r.b.mul(r.handles.get(ia)!, r.handles.get(ib)!))));
    });
    expect(code).toBe(expected);
    if (out) {
      const scale = (a.scale * b.scale) / Number(parsed.dataPrimes[a.level]);
      adopt(m, r, out, { level: a.level - 1, scale, value: a.value * b.value });
    }
    settle(m, r);
  }
  toString = () => `mulRelinRescale(#${this.i}, #${this.j})`;
}

class DropToZero implements Cmd {
  constructor(readonly i: number) {}
  check = (m: Readonly<Model>) => pick(m.live, this.i) !== undefined && m.live.size < MAX_LIVE;
  run(m: Model, r: Real): void {
    const id = pick(m.live, this.i)!;
    const a = m.live.get(id)!;
    adopt(m, r, r.b.dropLevelTo(r.handles.get(id)!, 0), { ...a, level: 0 });
    settle(m, r);
  }
  toString = () => `dropLevelTo(#${this.i}, 0)`;
}

/** Failing ops at top level must not leak: rescale at level 0, raise a level. */
class FailingOp implements Cmd {
  constructor(readonly i: number) {}
  check = (m: Readonly<Model>) => pick(m.live, this.i) !== undefined;
  run(m: Model, r: Real): void {
    const id = pick(m.live, this.i)!;
    const a = m.live.get(id)!;
    const ct = r.handles.get(id)!;
    if (a.level === 0) {
      expect(codeOf(() => r.b.rescale(ct))).toBe('LEVEL_EXHAUSTED');
      expect(codeOf(() => r.b.dropLevelTo(ct, TOP))).toBe(TOP === 0 ? null : 'INVALID_LEVEL');
    } else {
      expect(codeOf(() => r.b.rotate(ct, 1))).toBe('MISSING_ROTATION_KEY');
    }
    settle(m, r);
  }
  toString = () => `failingOp(#${this.i})`;
}

class Decrypt implements Cmd {
  constructor(readonly i: number) {}
  check = (m: Readonly<Model>) => pick(m.live, this.i) !== undefined;
  run(m: Model, r: Real): void {
    const id = pick(m.live, this.i)!;
    expectValue(r, r.handles.get(id)!, m.live.get(id)!.value);
    settle(m, r);
  }
  toString = () => `decrypt(#${this.i})`;
}

class Dispose implements Cmd {
  constructor(readonly i: number) {}
  check = (m: Readonly<Model>) => pick(m.live, this.i) !== undefined;
  run(m: Model, r: Real): void {
    const id = pick(m.live, this.i)!;
    const ct = r.handles.get(id)!;
    ct.dispose();
    bury(m, r, id, m.live.get(id)!, ct);
    settle(m, r);
  }
  toString = () => `dispose(#${this.i})`;
}

class DisposeAgain implements Cmd {
  constructor(readonly i: number) {}
  check = (m: Readonly<Model>) => pick(m.dead, this.i) !== undefined;
  run(m: Model, r: Real): void {
    r.handles.get(pick(m.dead, this.i)!)!.dispose();
    settle(m, r);
  }
  toString = () => `disposeAgain(dead #${this.i})`;
}

const USES = ['add', 'addLive', 'neg', 'mulPlain', 'rescale', 'relinearize', 'rotate', 'dropLevelTo', 'decrypt', 'keep', 'scopeReturn'] as const;
type Use = (typeof USES)[number];

class UseDisposed implements Cmd {
  constructor(readonly i: number, readonly use: Use) {}
  check = (m: Readonly<Model>) => pick(m.dead, this.i) !== undefined && (this.use !== 'addLive' || m.live.size > 0);
  run(m: Model, r: Real): void {
    const id = pick(m.dead, this.i)!;
    const entry = m.dead.get(id)!;
    const d = r.handles.get(id)!;
    const live = () => r.handles.get(pick(m.live, 0)!)!;
    const b = r.b;
    const call: Record<Use, () => unknown> = {
      add: () => b.add(d, d),
      addLive: () => b.add(live(), d),
      neg: () => b.neg(d),
      mulPlain: () => b.mulPlain(d, 2),
      rescale: () => b.rescale(d),
      relinearize: () => b.relinearize(d),
      rotate: () => b.rotate(d, 0),
      dropLevelTo: () => b.dropLevelTo(d, 0),
      decrypt: () => b.decrypt(d),
      keep: () => b.keep(d),
      // Returning a dead handle from a scope is harmless; using it afterwards is not.
      scopeReturn: () => b.neg(b.scope(() => d)),
    };
    let error: unknown;
    try {
      call[this.use]();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HeError);
    expect((error as HeError).code).toBe('DISPOSED');
    // Metadata stays readable after dispose.
    expect({ level: d.level, scale: d.scale }).toEqual({ level: entry.level, scale: entry.scale });
    settle(m, r);
  }
  toString = () => `${this.use}(dead #${this.i}) -> DISPOSED`;
}

class AsyncScope implements Cmd {
  constructor(readonly count: number) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const created: Ciphertext[] = [];
    const fn = async () => {
      for (let k = 0; k < this.count; k++) created.push(r.b.encrypt(k));
      return created;
    };
    expect(codeOf(() => r.b.scope(fn as unknown as () => Ciphertext[]))).toBe('INVALID_ARGUMENT');
    for (const ct of created) {
      r.all.add(ct);
      expect(ct.disposed).toBe(true);
    }
    settle(m, r);
  }
  toString = () => `scope(async, ${this.count} encrypts) -> INVALID_ARGUMENT`;
}

// ---- scopes ----

const SHAPES = ['none', 'single', 'array', 'object', 'map', 'class'] as const;
type Shape = (typeof SHAPES)[number];
type Throw = 'no' | 'error' | 'heError';

interface ScopeSpec {
  /** One encrypt per value. */
  readonly values: readonly number[];
  /** add(created[0], created[1]) when both exist. */
  readonly addPair: boolean;
  /** add(o, o) on the enclosing scope's first handle (or a top-level live one). */
  readonly addOuter: boolean;
  /** Bit masks over the handles created in this scope, in creation order. */
  readonly keep: number;
  readonly dispose: number;
  readonly ret: number;
  /** Also put the enclosing handle `o` in the result: a handle from outside is left alone. */
  readonly returnOuter: boolean;
  readonly shape: Shape;
  readonly inner: ScopeSpec | null;
  readonly returnInner: boolean;
  readonly throws: Throw;
}

/** Not a plain object: handles inside are not reachable, so the scope frees them. */
class Holder {
  constructor(readonly items: unknown[]) {}
}

interface Execution {
  /** Everything created in this scope and the scopes inside it, with its model entry. */
  readonly created: Map<Ciphertext, Entry>;
  readonly kept: Set<Ciphertext>;
  readonly disposed: Set<Ciphertext>;
}

class ScopeFailure extends Error {}

/**
 * Runs `spec` inside `b.scope`; returns the handles the scope's result makes reachable
 * (by the documented rule: handles, arrays, plain objects, maps), or throws as specified.
 */
function execScope(b: Backend, spec: ScopeSpec, outer: Ciphertext | undefined, outerEntry: Entry | undefined, x: Execution): { value: unknown; reachable: Set<Ciphertext> } {
  let reachable = new Set<Ciphertext>();
  const value = b.scope(() => {
    const mine: Ciphertext[] = [];
    const make = (ct: Ciphertext, e: Entry) => {
      mine.push(ct);
      x.created.set(ct, e);
      return ct;
    };
    for (const v of spec.values) make(b.encrypt(v), { level: TOP, scale: parsed.scale, value: v });
    if (spec.addPair && mine.length >= 2) {
      const [p, q] = mine as [Ciphertext, Ciphertext];
      make(b.add(p, q), { level: TOP, scale: parsed.scale, value: x.created.get(p)!.value + x.created.get(q)!.value });
    }
    if (spec.addOuter && outer && outerEntry) make(b.add(outer, outer), { ...outerEntry, value: 2 * outerEntry.value });

    let inner: { value: unknown; reachable: Set<Ciphertext> } | undefined;
    if (spec.inner) {
      const o = mine[0] ?? outer;
      const oe = mine[0] ? x.created.get(mine[0]) : outerEntry;
      try {
        inner = execScope(b, spec.inner, o, oe, x);
      } catch (e) {
        if (!(e instanceof ScopeFailure || e instanceof HeError)) throw e;
      }
    }

    mine.forEach((ct, k) => {
      if ((spec.keep >> k) & 1) {
        expect(b.keep(ct)).toBe(ct);
        x.kept.add(ct);
      }
    });
    mine.forEach((ct, k) => {
      if ((spec.dispose >> k) & 1) {
        ct.dispose();
        x.disposed.add(ct);
      }
    });

    const items: unknown[] = mine.filter((_, k) => (spec.ret >> k) & 1);
    const itemSets: Array<Set<Ciphertext>> = items.map((ct) => new Set([ct as Ciphertext]));
    if (spec.returnOuter && outer) {
      items.push(outer);
      itemSets.push(new Set([outer]));
    }
    if (spec.returnInner && inner) {
      items.push(inner.value);
      itemSets.push(inner.reachable);
    }

    if (spec.throws === 'error') throw new ScopeFailure('thrown inside a scope');
    if (spec.throws === 'heError') {
      // A handle created right before a failing op must be freed with the rest.
      const low = make(b.encrypt(1, { level: 0 }), { level: 0, scale: parsed.scale, value: 1 });
      b.rescale(low);
    }

    const union = (sets: Array<Set<Ciphertext>>) => new Set(sets.flatMap((s) => [...s]));
    switch (spec.shape) {
      case 'none':
        return 42;
      case 'single':
        reachable = itemSets[0] ?? new Set();
        return items[0];
      case 'array':
        reachable = union(itemSets);
        return [...items, 'not a handle', 7];
      case 'object':
        reachable = union(itemSets);
        return { first: items[0], rest: { list: items.slice(1) }, n: 1 };
      case 'map':
        reachable = union(itemSets);
        return new Map(items.map((it, k) => [k, it]));
      case 'class':
        return new Holder(items);
    }
  });
  return { value, reachable };
}

/** A scope at top level: the survivors are what was kept or returned, minus what was disposed. */
class Scope implements Cmd {
  constructor(readonly spec: ScopeSpec) {}
  check = (m: Readonly<Model>) => m.live.size < MAX_LIVE;
  run(m: Model, r: Real): void {
    const outerId = pick(m.live, 0);
    const outer = outerId === undefined ? undefined : r.handles.get(outerId);
    const outerEntry = outerId === undefined ? undefined : m.live.get(outerId);
    const x: Execution = { created: new Map(), kept: new Set(), disposed: new Set() };
    let reachable = new Set<Ciphertext>();
    let failure: unknown;
    try {
      reachable = execScope(r.b, this.spec, outer, outerEntry, x).reachable;
    } catch (e) {
      failure = e;
    }
    if (this.spec.throws === 'error') expect(failure).toBeInstanceOf(ScopeFailure);
    else if (this.spec.throws === 'heError') expect((failure as HeError).code).toBe('LEVEL_EXHAUSTED');
    else expect(failure).toBeUndefined();

    if (outer) expect(outer.disposed, 'a handle from outside the scope').toBe(false);
    for (const [ct, entry] of x.created) {
      r.all.add(ct);
      const survives = (x.kept.has(ct) || reachable.has(ct)) && !x.disposed.has(ct);
      expect(ct.disposed, `scope handle ${entry.value}@${entry.level} survives: ${survives}`).toBe(!survives);
      if (survives) adopt(m, r, ct, entry);
      else {
        const id = m.nextId++;
        m.dead.set(id, entry);
        r.handles.set(id, ct);
      }
    }
    settle(m, r);
    // Survivors still hold their values.
    for (const [ct, entry] of x.created) if (!ct.disposed) expectValue(r, ct, entry.value);
  }
  toString = () => `scope(${JSON.stringify(this.spec)})`;
}

// ---- arbitraries ----

const index = fc.nat({ max: 31 });
const small = fc.integer({ min: -8, max: 8 }).map((k) => k / 4);

const scopeSpec = (inner: fc.Arbitrary<ScopeSpec | null>): fc.Arbitrary<ScopeSpec> =>
  fc.record({
    values: fc.array(small, { maxLength: 3 }),
    addPair: fc.boolean(),
    addOuter: fc.boolean(),
    keep: fc.tuple(fc.nat({ max: 31 }), fc.nat({ max: 31 })).map(([a, b]) => a & b), // each handle kept with probability 1/4
    dispose: fc.nat({ max: 31 }).map((d) => (d % 4 === 0 ? d : 0)), // disposing is the rarer case
    ret: fc.nat({ max: 31 }),
    returnOuter: fc.boolean(),
    shape: fc.constantFrom(...SHAPES),
    inner,
    returnInner: fc.boolean(),
    throws: fc.oneof({ arbitrary: fc.constant<Throw>('no'), weight: 6 }, fc.constant<Throw>('error'), fc.constant<Throw>('heError')),
  });

const innermost = scopeSpec(fc.constant(null));
const nested = scopeSpec(fc.option(scopeSpec(fc.option(innermost, { freq: 2 })), { freq: 2 }));

const commandArbs: Array<fc.Arbitrary<Cmd>> = [
  fc.tuple(small, fc.constantFrom(TOP, TOP, 0)).map(([v, level]) => new Encrypt(v, level)),
  fc.tuple(index, index).map(([i, j]) => new Add(i, j)),
  fc.tuple(index, index).map(([i, j]) => new MulRelinRescale(i, j)),
  index.map((i) => new DropToZero(i)),
  index.map((i) => new FailingOp(i)),
  index.map((i) => new Decrypt(i)),
  index.map((i) => new Dispose(i)),
  index.map((i) => new DisposeAgain(i)),
  fc.tuple(index, fc.constantFrom(...USES)).map(([i, use]) => new UseDisposed(i, use)),
  fc.nat({ max: 2 }).map((k) => new AsyncScope(k)),
  nested.map((spec) => new Scope(spec)),
];

// ---- the tests ----

describe.each(factories)('lifetime: $name', (factory) => {
  let b: Backend;

  beforeAll(async () => {
    b = await factory.create();
  });

  afterAll(() => {
    b.dispose();
  });

  it('memory() follows the model through random command sequences (seed pinned)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commandArbs, { maxCommands: factory.maxCommands, size: 'max' }), async (cmds) => {
        // A failed run may have leaked handles we cannot reach; start shrinking runs from a clean backend.
        if (b.memory().ciphertexts !== 0) {
          b.dispose();
          b = await factory.create();
        }
        const real: Real = { b, handles: new Map(), all: new Set() };
        try {
          fc.modelRun(() => ({ model: { live: new Map(), dead: new Map(), nextId: 0 }, real }), cmds);
        } finally {
          // Dispose everything we know of, even after a failure.
          for (const ct of real.all) ct.dispose();
          for (const ct of real.handles.values()) ct.dispose();
        }
        expect(b.memory().ciphertexts, 'after disposing every handle the run created').toBe(0);
      }),
      { seed: SEED, numRuns: factory.numRuns },
    );
  });

  it('dispose() of the backend frees every live handle, in and out of scopes', async () => {
    const t = await factory.create();
    const top = t.encrypt(1);
    const kept = t.scope(() => {
      const inner = t.scope(() => [t.encrypt(2), t.encrypt(3)]);
      t.keep(t.encrypt(4));
      return { inner };
    });
    expect(t.memory().ciphertexts).toBe(4);
    expect(t.memory().peakCiphertexts).toBe(4);
    t.dispose();
    expect(t.memory().ciphertexts).toBe(0);
    for (const ct of [top, ...kept.inner]) expect(ct.disposed).toBe(true);
    expect(codeOf(() => t.encrypt(1))).toBe('DISPOSED');
    expect(codeOf(() => t.scope(() => 1))).toBe('DISPOSED');
  });

  it('a scope inside a failing scope that was caught leaves the outer scope working', () => {
    const before = b.memory().ciphertexts;
    const out = b.scope(() => {
      const a = b.encrypt(1);
      expect(codeOf(() => b.scope(() => {
        b.encrypt(2);
        throw new HeError('INVALID_ARGUMENT', 'test');
      }))).toBe('INVALID_ARGUMENT');
      const c = b.add(a, b.encrypt(3));
      return [c];
    });
    expect(b.memory().ciphertexts).toBe(before + 1);
    expectValue({ b, handles: new Map(), all: new Set() }, out[0]!, 4);
    out[0]!.dispose();
    expect(b.memory().ciphertexts).toBe(before);
  });
});
