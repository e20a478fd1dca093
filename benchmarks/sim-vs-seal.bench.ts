/**
 * The simulator against SEAL on one small circuit, run the same way on both:
 * `evaluate` takes encrypted x, y and computes x·y → relinearize → rescale, rotate(STEP), add;
 * `end-to-end` also encrypts both inputs and decrypts the result.
 */
import type { Backend } from '../core/index.js';
import { slotValues, STEP } from './config.js';
import type { Case } from './harness.js';
import { hekitCircuit } from './overhead.bench.js';

export function circuitCases(ringDegree: number, backends: readonly Backend[]): { cases: Case[]; dispose: () => void } {
  const made = backends.map((be) => {
    const a = slotValues(be.params.slots, 1);
    const b = slotValues(be.params.slots, 2);
    const x = be.encrypt(a);
    const y = be.encrypt(b);
    const endToEnd = (): void => {
      be.scope(() => {
        const ex = be.encrypt(a);
        const ey = be.encrypt(b);
        const p = be.rescale(be.relinearize(be.mul(ex, ey)));
        be.decrypt(be.add(p, be.rotate(p, STEP)));
      });
    };
    return { be, x, y, evaluate: hekitCircuit(be, x, y), endToEnd };
  });
  const cases = (['evaluate', 'end-to-end'] as const).flatMap((what) => made.map((m) => ({
    name: `${what} · ${m.be.name}`,
    fn: what === 'evaluate' ? m.evaluate : m.endToEnd,
    tags: { kind: 'circuit', what, N: ringDegree, backend: m.be.name },
  })));
  return {
    cases,
    dispose: () => made.forEach((m) => {
      m.x.dispose();
      m.y.dispose();
    }),
  };
}
