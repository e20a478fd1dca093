/**
 * Rotation keys from a dry run: the steps the simulator records are exactly the keys SEAL
 * needs, no more (dropping any one fails with MISSING_ROTATION_KEY), and far smaller than
 * SEAL's default key set.
 */
import { describe, expect, it } from 'vitest';
import { createSealBackend, galoisKeyBytes } from '../../backends/seal/index.js';
import { dryRun, type Circuit } from '../../backends/sim/index.js';
import type { Evaluator } from '../../core/index.js';
import { thrown } from '../../property-tests/thrown.js';
import { encodingUnit, encryptColVector, encryptMatrix, encryptRowVector, matrixTimesCol, rowTimesMatrix } from './index.js';

const literal = { ringDegree: 8192, bitSizes: [45, 35, 35, 35, 60], scale: 2 ** 35 };
const unit = encodingUnit(16, 4096);
const data = Array.from({ length: 20 }, (_, i) => Array.from({ length: 300 }, (_, j) => Math.sin(i + j)));

const circuit: Circuit = <C>(ev: Evaluator<C>) => {
  const A = encryptMatrix(ev, unit, data);
  return [
    ...rowTimesMatrix(ev, encryptRowVector(ev, unit, data.map((r) => r[0] as number)), A).tiles,
    ...matrixTimesCol(ev, A, encryptColVector(ev, unit, data[0] as number[])).tiles,
  ];
};

describe('rotation keys from a dry run', () => {
  const { rotations } = dryRun(circuit, { ringDegree: literal.ringDegree });

  it('records the steps of sumRows and sumCols for this unit', () => {
    expect(rotations).toEqual([-128, -64, -32, -16, -8, -4, -2, -1, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048]);
  });

  it('are sufficient and minimal on SEAL', async () => {
    const run = async (steps: readonly number[]) => {
      const seal = await createSealBackend(literal, { rotations: steps });
      try {
        seal.scope(() => circuit(seal));
      } finally {
        seal.dispose();
      }
    };
    await run(rotations);
    for (const dropped of [rotations[0], rotations[8], rotations.at(-1)] as number[]) {
      const fewer = rotations.filter((s) => s !== dropped);
      const seal = await createSealBackend(literal, { rotations: fewer });
      expect(thrown(() => seal.scope(() => circuit(seal))).code).toBe('MISSING_ROTATION_KEY');
      seal.dispose();
    }
  });

  it('weigh less than SEAL\'s default set', async () => {
    const planned = await galoisKeyBytes(literal, rotations);
    const all = await galoisKeyBytes(literal);
    console.log(`Galois keys at N = 8192: ${rotations.length} planned steps ${(planned / 2 ** 20).toFixed(1)} MiB, SEAL default ${(all / 2 ** 20).toFixed(1)} MiB`);
    expect(planned).toBeLessThan(all);
  });
});
