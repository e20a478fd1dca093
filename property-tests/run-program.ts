/** Runs a property-test program on any backend, recording each register's outcome. */
import { HeError, type Backend, type Ciphertext, type CtMeta, type HeErrorCode } from '../core/index.js';
import { operand, type Program } from './program.js';
import { inputValues, plainValues } from './reference.js';

export type Outcome =
  | { readonly kind: 'ok'; readonly meta: CtMeta; readonly ct: Ciphertext }
  | { readonly kind: 'error'; readonly code: HeErrorCode }
  /** An operand failed before this step. */
  | { readonly kind: 'skipped' };

/** Runs every step; the caller disposes the returned ciphertexts (or wraps the call in a scope). */
export function runProgram(backend: Backend, program: Program): Outcome[] {
  const { params } = backend;
  const regs: Outcome[] = [];
  const attempt = (fn: () => Ciphertext): Outcome => {
    try {
      const ct = fn();
      return { kind: 'ok', meta: backend.meta(ct), ct };
    } catch (e) {
      if (e instanceof HeError) return { kind: 'error', code: e.code };
      throw e;
    }
  };

  for (const input of program.inputs) {
    const level = Math.max(0, params.maxLevel - input.levelsDown);
    const scale = params.scale * (1 + input.ulps * Number.EPSILON);
    regs.push(attempt(() => backend.encrypt(inputValues(input, params.slots), { level, scale })));
  }
  for (const step of program.steps) {
    const a = regs[operand(step.a, regs.length)] as Outcome;
    const b = 'b' in step ? (regs[operand(step.b, regs.length)] as Outcome) : a;
    if (a.kind !== 'ok' || b.kind !== 'ok') {
      regs.push({ kind: 'skipped' });
      continue;
    }
    const x = a.ct, y = b.ct;
    regs.push(attempt(() => {
      switch (step.op) {
        case 'add': return backend.add(x, y);
        case 'sub': return backend.sub(x, y);
        case 'mul': {
          const product = backend.mul(x, y);
          try {
            return backend.relinearize(product);
          } finally {
            product.dispose();
          }
        }
        case 'neg': return backend.neg(x);
        case 'square': return backend.square(x);
        case 'rescale': return backend.rescale(x);
        case 'addPlain': return backend.addPlain(x, plainValues(step.plain, params.slots));
        case 'mulPlain':
          return backend.mulPlain(x, plainValues(step.plain, params.slots), step.scaleBits === null ? undefined : 2 ** step.scaleBits);
        case 'dropLevelTo': return backend.dropLevelTo(x, step.level);
        case 'rotate': return backend.rotate(x, step.step);
      }
    }));
  }
  return regs;
}
