/**
 * A tiny circuit format for property tests: programs are data, so fast-check shrinks a
 * failure to a short, readable op list. Register r holds input r, then the result of step
 * r - inputs.length; operand indices are taken modulo the registers defined so far.
 */
import fc from 'fast-check';

export type PlainSpec =
  | { readonly kind: 'scalar'; readonly value: number }
  | { readonly kind: 'vector'; readonly seed: number }
  /** Every slot 0: multiplying by it is transparent in SEAL. */
  | { readonly kind: 'zero' };

export interface InputSpec {
  readonly kind: 'random' | 'constant' | 'zeros';
  readonly seed: number;
  /** Levels below the top, clamped to the chain. */
  readonly levelsDown: number;
  /** Scale = params.scale · (1 + ulps·2^-52): 1 ulp still agrees in SEAL, 2 do not. */
  readonly ulps: 0 | 1 | 2;
}

export type Step =
  | { readonly op: 'add' | 'sub' | 'mul'; readonly a: number; readonly b: number }
  | { readonly op: 'neg' | 'square' | 'rescale'; readonly a: number }
  | { readonly op: 'addPlain'; readonly a: number; readonly plain: PlainSpec }
  | { readonly op: 'mulPlain'; readonly a: number; readonly plain: PlainSpec; readonly scaleBits: number | null }
  | { readonly op: 'dropLevelTo'; readonly a: number; readonly level: number }
  | { readonly op: 'rotate'; readonly a: number; readonly step: number };

export interface Program {
  readonly inputs: readonly InputSpec[];
  readonly steps: readonly Step[];
}

/** Deterministic values in [-1, 1] from a seed (xorshift32), independent of any backend code. */
export function seededValues(seed: number, length: number): Float64Array {
  const out = new Float64Array(length);
  let x = (seed | 0) || 0x9e3779b9;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = ((x >>> 0) / 0xffffffff) * 2 - 1;
  }
  return out;
}

export interface ProgramShape {
  readonly maxLevel: number;
  readonly slots: number;
  /** Steps worth trying: with keys, through NAF terms, missing keys, too large. */
  readonly rotations: readonly number[];
}

export function programArbitrary(shape: ProgramShape, maxSteps = 8): fc.Arbitrary<Program> {
  const input: fc.Arbitrary<InputSpec> = fc.record({
    kind: fc.constantFrom('random', 'random', 'constant', 'zeros'),
    seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    levelsDown: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: shape.maxLevel })),
    ulps: fc.constantFrom<0 | 1 | 2>(0, 0, 0, 1, 2),
  });
  const plain: fc.Arbitrary<PlainSpec> = fc.oneof(
    fc.record({ kind: fc.constant('scalar' as const), value: fc.constantFrom(0.5, -2, 3, 1e-14, 100) }),
    fc.record({ kind: fc.constant('vector' as const), seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }) }),
    fc.constant({ kind: 'zero' as const }),
  );
  const reg = fc.nat(63);
  const step: fc.Arbitrary<Step> = fc.oneof(
    { arbitrary: fc.record({ op: fc.constantFrom('add' as const, 'sub' as const, 'mul' as const), a: reg, b: reg }), weight: 5 },
    { arbitrary: fc.record({ op: fc.constantFrom('neg' as const, 'square' as const), a: reg }), weight: 2 },
    { arbitrary: fc.record({ op: fc.constant('rescale' as const), a: reg }), weight: 4 },
    { arbitrary: fc.record({ op: fc.constant('addPlain' as const), a: reg, plain }), weight: 2 },
    {
      arbitrary: fc.record({
        op: fc.constant('mulPlain' as const), a: reg, plain,
        scaleBits: fc.option(fc.integer({ min: 10, max: 45 }), { nil: null }),
      }),
      weight: 3,
    },
    { arbitrary: fc.record({ op: fc.constant('dropLevelTo' as const), a: reg, level: fc.integer({ min: 0, max: shape.maxLevel + 1 }) }), weight: 2 },
    { arbitrary: fc.record({ op: fc.constant('rotate' as const), a: reg, step: fc.constantFrom(...shape.rotations) }), weight: 3 },
  );
  return fc.record({
    inputs: fc.array(input, { minLength: 1, maxLength: 3 }),
    steps: fc.array(step, { minLength: 1, maxLength: maxSteps }),
  });
}

/** Operand register of a step, given how many registers exist before it. */
export const operand = (index: number, defined: number): number => index % defined;

/** One line per step, for failure reports. */
export function describeProgram(p: Program): string {
  const lines = p.inputs.map((i, r) => `r${r} = encrypt(${i.kind}#${i.seed}, levelsDown ${i.levelsDown}, +${i.ulps} ulp)`);
  p.steps.forEach((s, k) => {
    const r = p.inputs.length + k;
    const a = `r${operand(s.a, r)}`;
    switch (s.op) {
      case 'add': case 'sub': case 'mul': lines.push(`r${r} = ${s.op}(${a}, r${operand(s.b, r)})`); break;
      case 'addPlain': case 'mulPlain': lines.push(`r${r} = ${s.op}(${a}, ${JSON.stringify(s.plain)}${s.op === 'mulPlain' && s.scaleBits !== null ? `, 2^${s.scaleBits}` : ''})`); break;
      case 'dropLevelTo': lines.push(`r${r} = dropLevelTo(${a}, ${s.level})`); break;
      case 'rotate': lines.push(`r${r} = rotate(${a}, ${s.step})`); break;
      default: lines.push(`r${r} = ${s.op}(${a})`);
    }
  });
  return lines.join('\n');
}
