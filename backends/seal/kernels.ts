/**
 * Kernels on node-seal objects. Each op passes its own destination so that a throwing
 * SEAL call leaks nothing (node-seal's implicit destinations are lost on error), and one
 * memory pool handle (node-seal's default allocates a new one per call, never freed).
 * Every temporary plaintext is freed on every path.
 */
import { HeError } from '../../core/errors.js';
import type { Kernels } from '../../core/kernels.js';
import type { CtMeta } from '../../core/meta.js';
import { fromSeal } from './errors.js';
import type { SealContext } from './context.js';
import type { CipherText, PlainText } from './types.js';

/**
 * `seeds`: where encryptions under the secret key leave their seeded bytes (see `SealParts.seeds`);
 * null to encrypt the plain way.
 */
export function sealKernels(c: SealContext, seeds: Map<CipherText, Uint8Array> | null = null): Kernels<CipherText> {
  const { seal, evaluator, encoder, pool } = c;

  /** Runs `fill` on a fresh ciphertext; frees it and translates the error if SEAL throws. */
  const into = (op: string, fill: (dest: CipherText) => void): CipherText => {
    const dest = c.ciphertext();
    try {
      fill(dest);
    } catch (e) {
      dest.delete();
      throw fromSeal(op, e);
    }
    return dest;
  };

  /** As `into`, then SEAL's transparency rule (c_1.. all zero), checked here rather than thrown from C++. */
  const opaque = (op: string, fill: (dest: CipherText) => void): CipherText => {
    const dest = into(op, fill);
    if (dest.isTransparent) {
      dest.delete();
      throw new HeError('TRANSPARENT_RESULT', `${op}: the result would be transparent (it cancels to a value any observer could read); restructure the circuit, e.g. avoid x - x or multiplying by zero`, { op });
    }
    return dest;
  };

  /** Encodes at the first level, switches down to `level`, runs `use`, then frees the plaintext. */
  const withPlain = <R>(op: string, values: Float64Array, scale: number, level: number, use: (pt: PlainText) => R): R => {
    const pt = seal.PlainText({ pool });
    try {
      encoder.encode(values, scale, pt, pool);
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

  /** The decryptor, or NO_SECRET_KEY on an evaluation-only backend. */
  const secret = (op: string) => {
    if (c.decryptor === null) {
      throw new HeError('NO_SECRET_KEY', `${op}: this SEAL backend was built from public keys only (an evaluation server); ${op} on the client that holds the secret key`, { op });
    }
    return c.decryptor;
  };

  return {
    encrypt(values, out, symmetric) {
      if (symmetric) secret('symmetric encrypt');
      if (symmetric && seeds !== null) {
        // SEAL keeps the seed only in its serializable form; the ciphertext is that form loaded back.
        return withPlain('encrypt', values, out.scale, out.level, (pt) => {
          const serializable = c.encryptor.encryptSymmetricSerializable(pt, pool);
          let bytes: Uint8Array;
          try {
            bytes = serializable.saveArray(seal.ComprModeType.none);
          } finally {
            serializable.delete();
          }
          const ct = into('encrypt', (d) => d.loadArray(c.context, bytes));
          seeds.set(ct, bytes);
          return ct;
        });
      }
      return withPlain('encrypt', values, out.scale, out.level, (pt) => into('encrypt', (d) =>
        symmetric ? c.encryptor.encryptSymmetric(pt, d, pool) : c.encryptor.encrypt(pt, d, pool)));
    },

    decrypt(x) {
      const decryptor = secret('decrypt');
      const pt = seal.PlainText({ pool });
      try {
        decryptor.decrypt(x, pt);
        return Float64Array.from(encoder.decode(pt, pool) as Float64Array);
      } catch (e) {
        throw fromSeal('decrypt', e);
      } finally {
        pt.delete();
      }
    },

    add: (a, b) => opaque('add', (d) => evaluator.add(a, b, d)),
    sub: (a, b) => opaque('sub', (d) => evaluator.sub(a, b, d)),
    neg: (a) => opaque('neg', (d) => evaluator.negate(a, d)),
    addPlain: (a, values, out) =>
      withPlain('addPlain', values, out.scale, out.level, (pt) => opaque('addPlain', (d) => evaluator.addPlain(a, pt, d, pool))),
    mulPlain: (a, values, plainScale, out) =>
      withPlain('mulPlain', values, plainScale, out.level, (pt) => opaque('mulPlain', (d) => evaluator.multiplyPlain(a, pt, d, pool))),
    mul: (a, b) => opaque('mul', (d) => evaluator.multiply(a, b, d, pool)),
    square: (a) => opaque('square', (d) => evaluator.square(a, d, pool)),
    relinearize: (a) => opaque('relinearize', (d) => c.scratch((p) => evaluator.relinearize(a, c.relinKeys(), d, p))),
    rescale: (a) => opaque('rescale', (d) => c.scratch((p) => evaluator.rescaleToNext(a, d, p))),
    dropLevelTo: (a, out) => opaque('dropLevelTo', (d) => evaluator.cipherModSwitchTo(a, c.parmsIdAt(out.level), d, pool)),
    // A step without its own key runs term by term (the keys may sit in separate objects).
    rotate: (a, step) => {
      let x = a;
      try {
        for (const term of c.rotationPlan(step)) {
          const next = opaque('rotate', (d) => c.scratch((p) => evaluator.rotateVector(x, term.step, term.keys, d, p)));
          if (x !== a) x.delete();
          x = next;
        }
        return x;
      } catch (e) {
        if (x !== a) x.delete();
        throw e;
      }
    },
    copy: (a) => into('copy', (d) => d.copy(a)),
    free: (a) => {
      seeds?.delete(a);
      a.delete();
    },
    close: () => {
      seeds?.clear();
      c.delete();
    },
    inspect: (a): CtMeta => ({ level: c.levelOf(a), scale: a.scale, degree: a.size - 1 }),
  };
}
