/**
 * Per-op timings on every hekit backend at one ring degree. Every op runs on fresh
 * ciphertexts at the first data level L (the most primes, so the slowest case), and
 * every body disposes what it creates.
 */
import type { Backend } from '../core/index.js';
import { slotValues, STEP } from './config.js';
import type { Case } from './harness.js';

export const OPS = ['encrypt', 'mul+relin+rescale', 'rotate', 'add', 'decrypt'] as const;
export type Op = (typeof OPS)[number];

/** Bodies for each op on `backend`, with the inputs they need. Call `dispose` after the suite. */
export function opBodies(backend: Backend): { bodies: Record<Op, () => void>; dispose: () => void } {
  const slots = backend.params.slots;
  const a = slotValues(slots, 1);
  const x = backend.encrypt(a);
  const y = backend.encrypt(slotValues(slots, 2));
  return {
    bodies: {
      encrypt: () => backend.encrypt(a).dispose(),
      'mul+relin+rescale': () => {
        backend.scope(() => {
          backend.rescale(backend.relinearize(backend.mul(x, y)));
        });
      },
      rotate: () => backend.rotate(x, STEP).dispose(),
      add: () => backend.add(x, y).dispose(),
      decrypt: () => {
        backend.decrypt(x);
      },
    },
    dispose: () => {
      x.dispose();
      y.dispose();
    },
  };
}

/** One case per (op, backend), ops grouped so each op's backends run back to back. */
export function opCases(ringDegree: number, backends: readonly Backend[]): { cases: Case[]; dispose: () => void } {
  const sets = backends.map((be) => ({ be, ...opBodies(be) }));
  const cases = OPS.flatMap((op) => sets.map(({ be, bodies }) => ({
    name: `${op} · ${be.name}`,
    fn: bodies[op],
    tags: { kind: 'op', op, N: ringDegree, backend: be.name },
  })));
  return { cases, dispose: () => sets.forEach((s) => s.dispose()) };
}
