/**
 * Framework overhead: hekit's SEAL backend against the same work written directly
 * against node-seal (raw-seal.ts), on the same WebAssembly instance and parameters.
 * Circuit: x·y → relinearize → rescale → rotate(STEP) → add; plus one lone `add`, the
 * cheapest op and so the worst case for any per-call cost.
 */
import type { Backend, Ciphertext } from '../core/index.js';
import { slotValues, STEP } from './config.js';
import type { Case } from './harness.js';
import { rawCircuits, type RawSeal } from './raw-seal.js';

/** The circuit as a hekit user writes it: ops return new handles, a scope frees them. */
export function hekitCircuit(backend: Backend, x: Ciphertext, y: Ciphertext): () => void {
  return () => {
    backend.scope(() => {
      const p = backend.rescale(backend.relinearize(backend.mul(x, y)));
      backend.add(p, backend.rotate(p, STEP));
    });
  };
}

/** Throws unless hekit and the raw baseline both compute x·y + rotate(x·y, STEP) (CKKS error is ~1e-6 here). */
function checkSameWork(seal: Backend, hx: Ciphertext, hy: Ciphertext, raw: Float64Array, a: Float64Array, b: Float64Array): void {
  const hekit = seal.scope(() => {
    const p = seal.rescale(seal.relinearize(seal.mul(hx, hy)));
    return seal.decrypt(seal.add(p, seal.rotate(p, STEP)));
  });
  const n = a.length;
  let worst = 0;
  for (let i = 0; i < n; i++) {
    const j = (i + STEP) % n;
    const expected = (a[i] as number) * (b[i] as number) + (a[j] as number) * (b[j] as number);
    worst = Math.max(worst, Math.abs((hekit[i] as number) - expected), Math.abs((raw[i] as number) - expected));
  }
  if (!(worst < 1e-3)) throw new Error(`overhead suite: hekit and raw node-seal disagree with x·y + rot(x·y) by ${worst}`);
}

export type OverheadVariant = 'hekit' | 'raw-idiomatic' | 'raw-fresh' | 'raw-reused';

/** Cases for one round; `reverse` flips their order so alternating rounds cancel drift. */
export function overheadCases(ringDegree: number, seal: Backend, raw: RawSeal, reverse: boolean): { cases: Case[]; dispose: () => void } {
  const a = slotValues(seal.params.slots, 1);
  const b = slotValues(seal.params.slots, 2);
  const hx = seal.encrypt(a);
  const hy = seal.encrypt(b);
  const rx = raw.encrypt(a);
  const ry = raw.encrypt(b);
  const rc = rawCircuits(raw, rx, ry, STEP);
  checkSameWork(seal, hx, hy, rc.result(), a, b);
  const tag = (seq: string, variant: OverheadVariant) => ({ kind: 'overhead', seq, variant, N: ringDegree });
  const circuit: Case[] = [
    { name: 'circuit · hekit seal', fn: hekitCircuit(seal, hx, hy), tags: tag('circuit', 'hekit') },
    { name: 'circuit · raw node-seal (idiomatic)', fn: rc.idiomatic, tags: tag('circuit', 'raw-idiomatic') },
    { name: 'circuit · raw node-seal (new result per op)', fn: rc.freshPerOp, tags: tag('circuit', 'raw-fresh') },
    { name: 'circuit · raw node-seal (reused buffers)', fn: rc.reused, tags: tag('circuit', 'raw-reused') },
  ];
  const add: Case[] = [
    { name: 'add · hekit seal', fn: () => seal.add(hx, hy).dispose(), tags: tag('add', 'hekit') },
    { name: 'add · raw node-seal (idiomatic)', fn: rc.add, tags: tag('add', 'raw-idiomatic') },
    { name: 'add · raw node-seal (new result per op)', fn: rc.addFresh, tags: tag('add', 'raw-fresh') },
  ];
  const order = (xs: Case[]) => (reverse ? [...xs].reverse() : xs);
  return {
    cases: [...order(circuit), ...order(add)],
    dispose: () => {
      hx.dispose();
      hy.dispose();
      rx.delete();
      ry.delete();
      rc.delete();
    },
  };
}
