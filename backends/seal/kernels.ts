/**
 * Kernels on node-seal objects. Each op passes its own destination so that a throwing
 * SEAL call leaks nothing (node-seal's implicit destinations are lost on error), and
 * every temporary plaintext is freed on every path.
 */
import type { Kernels } from '../../core/kernels.js';
import type { CtMeta } from '../../core/meta.js';
import { fromSeal } from './errors.js';
import type { SealContext } from './context.js';
import type { CipherText, PlainText } from './types.js';

export function sealKernels(c: SealContext): Kernels<CipherText> {
  const { seal, evaluator, encoder } = c;

  /** Runs `fill` on a fresh ciphertext; frees it and translates the error if SEAL throws. */
  const into = (op: string, fill: (dest: CipherText) => void): CipherText => {
    const dest = seal.CipherText();
    try {
      fill(dest);
      return dest;
    } catch (e) {
      dest.delete();
      throw fromSeal(op, e);
    }
  };

  /** Encodes at the first level, switches down to `level`, runs `use`, then frees the plaintext. */
  const withPlain = <R>(op: string, values: Float64Array, scale: number, level: number, use: (pt: PlainText) => R): R => {
    const pt = seal.PlainText();
    try {
      encoder.encode(values, scale, pt);
      if (level < c.params.maxLevel) evaluator.plainModSwitchTo(pt, c.parmsIdAt(level), pt);
      return use(pt);
    } catch (e) {
      // The numbers the simulator reports for the encoder's own check (VALUES_TOO_LARGE).
      const bits = c.params.levelBits[c.params.maxLevel];
      throw fromSeal(op, e, { scale, maxValue: values.reduce((m, v) => Math.max(m, Math.abs(v)), 0), bits });
    } finally {
      pt.delete();
    }
  };

  return {
    encrypt: (values, out) =>
      withPlain('encrypt', values, out.scale, out.level, (pt) => into('encrypt', (d) => c.encryptor.encrypt(pt, d))),

    decrypt(x) {
      const pt = seal.PlainText();
      try {
        c.decryptor.decrypt(x, pt);
        return Float64Array.from(encoder.decode(pt) as Float64Array);
      } catch (e) {
        throw fromSeal('decrypt', e);
      } finally {
        pt.delete();
      }
    },

    add: (a, b) => into('add', (d) => evaluator.add(a, b, d)),
    sub: (a, b) => into('sub', (d) => evaluator.sub(a, b, d)),
    neg: (a) => into('neg', (d) => evaluator.negate(a, d)),
    addPlain: (a, values, out) =>
      withPlain('addPlain', values, out.scale, out.level, (pt) => into('addPlain', (d) => evaluator.addPlain(a, pt, d))),
    mulPlain: (a, values, plainScale, out) =>
      withPlain('mulPlain', values, plainScale, out.level, (pt) => into('mulPlain', (d) => evaluator.multiplyPlain(a, pt, d))),
    mul: (a, b) => into('mul', (d) => evaluator.multiply(a, b, d)),
    square: (a) => into('square', (d) => evaluator.square(a, d)),
    relinearize: (a) => into('relinearize', (d) => evaluator.relinearize(a, c.relinKeys(), d)),
    rescale: (a) => into('rescale', (d) => evaluator.rescaleToNext(a, d)),
    dropLevelTo: (a, out) => into('dropLevelTo', (d) => evaluator.cipherModSwitchTo(a, c.parmsIdAt(out.level), d)),
    // SEAL walks the NAF itself; the checked layer has already confirmed every term has a key.
    rotate: (a, step) => into('rotate', (d) => evaluator.rotateVector(a, step, c.galoisKeys(), d)),
    copy: (a) => into('copy', (d) => d.copy(a)),
    free: (a) => a.delete(),
    close: () => c.delete(),
    inspect: (a): CtMeta => ({ level: c.levelOf(a), scale: a.scale, degree: a.size - 1 }),
  };
}
