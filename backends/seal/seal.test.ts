import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../core/index.js';
import { thrown } from '../../property-tests/thrown.js';
import { createSealBackend } from './index.js';

describe('SEAL backend robustness', () => {
  let seal: Backend;
  beforeAll(async () => {
    seal = await createSealBackend({ ringDegree: 4096, bitSizes: [30, 25, 54], scale: 2 ** 25 }, { rotations: [1] });
  });
  afterAll(() => seal.dispose());

  // Each C++ exception crossing into JavaScript leaks WebAssembly stack; with SEAL throwing
  // on transparency, about 360 of these crashed the module for every backend in the thread.
  it('survives thousands of refused transparent results and keeps computing', () => {
    const x = seal.encrypt([1, 2, 3]);
    for (let i = 0; i < 2000; i++) expect(thrown(() => seal.sub(x, x)).code).toBe('TRANSPARENT_RESULT');
    for (let i = 0; i < 500; i++) expect(thrown(() => seal.mulPlain(x, 0)).code).toBe('TRANSPARENT_RESULT');
    const y = seal.rotate(seal.add(x, x), 1);
    const values = seal.decrypt(y);
    expect(Math.abs((values[0] as number) - 4)).toBeLessThan(1e-3);
    expect(Math.abs((values[1] as number) - 6)).toBeLessThan(1e-3);
    expect(seal.memory().ciphertexts).toBe(3);
    x.dispose();
  });

  it('reports its name and capabilities, and refuses use after dispose', async () => {
    expect(seal.name).toBe('seal');
    expect(seal.capabilities).toEqual({ encrypts: true, predictsNoise: false });
    const other = await createSealBackend({ ringDegree: 4096, bitSizes: [30, 25, 54], scale: 2 ** 25 });
    const x = other.encrypt([1]);
    other.dispose();
    expect(x.disposed).toBe(true);
    expect(thrown(() => other.encrypt([1])).code).toBe('DISPOSED');
    expect(thrown(() => seal.add(x, x)).code).toBe('FOREIGN_HANDLE');
  });
});
