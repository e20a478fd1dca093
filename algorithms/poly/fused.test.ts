import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSealBackend } from '../../backends/seal/index.js';
import { createSimBackend } from '../../backends/sim/index.js';
import type { Backend } from '../../core/index.js';
import { seededValues } from '../../property-tests/program.js';
import { thrown } from '../../property-tests/thrown.js';
import { evaluatePower, fusedCubicProduct, sigmoidCubic8 } from './index.js';

const literal = { ringDegree: 8192, bitSizes: [45, 35, 35, 35, 60], scale: 2 ** 35 };

describe.each(['sim', 'seal'] as const)('fusedCubicProduct on %s', (name) => {
  let ev: Backend;
  const sim = createSimBackend(literal);
  beforeAll(async () => { ev = name === 'sim' ? sim : await createSealBackend(literal, { verify: true }); });
  afterAll(() => { if (ev !== sim) ev.dispose(); sim.dispose(); });

  const a = seededValues(1, 4096);
  const u = seededValues(2, 4096).map((x) => 8 * x);
  // The [-8, 8] sigmoid cubic with a learning rate of 0.1 folded in.
  const cubic = sigmoidCubic8.coefficients.map((c) => 0.1 * c);

  it('computes a ∘ s(u) two levels below u, within the predicted bound', () => {
    const run = (b: Backend) => b.scope(() => {
      const out = fusedCubicProduct(b, b.encrypt(a), b.encrypt(u, { level: 2 }), cubic);
      return { level: out.level, values: b.decrypt(out), ct: b.keep(out) };
    });
    const got = run(ev), predicted = run(sim);
    expect(got.level).toBe(0);
    const { bound } = sim.noise(predicted.ct);
    for (let k = 0; k < 4096; k += 5) {
      const reference = (a[k] as number) * evaluatePower(cubic, u[k] as number);
      expect(Math.abs((got.values[k] as number) - reference)).toBeLessThanOrEqual(bound[k] as number);
    }
    got.ct.dispose();
    predicted.ct.dispose();
    expect(ev.memory().ciphertexts).toBe(0);
  });

  it('costs one level more when a is no higher than u, and refuses other polynomials', () => {
    const out = ev.scope(() => fusedCubicProduct(ev, ev.encrypt(a), ev.encrypt(u), cubic));
    expect(out.level).toBe(ev.params.maxLevel - 3);
    out.dispose();
    const x = ev.encrypt([1]);
    expect(thrown(() => fusedCubicProduct(ev, x, x, [0.5, 0.2, 0.1, 0.01])).code).toBe('INVALID_ARGUMENT');
    expect(thrown(() => fusedCubicProduct(ev, x, x, [0.5, 0.2])).code).toBe('INVALID_ARGUMENT');
    x.dispose();
  });
});
