/**
 * The simulator's error prediction against SEAL (issue: simulator fidelity). Per op kind,
 * the RMS of normalised errors must lie in [0.8, 1.25] for exact estimates (<= 1.25 for
 * upper estimates), overall too, and no slot may exceed its predicted bound.
 */
import { describe, expect, it } from 'vitest';
import { fidelitySets, fidelityTable, measureFidelity, pooled } from './fidelity.js';

const seed = Number(process.env.HEKIT_SEED ?? 20261125);
const TAU = 1.25;

describe.each(fidelitySets)('error prediction against SEAL: $name', (set) => {
  it('per op kind and overall, within [1/1.25, 1.25]; never beyond the bound', async () => {
    const rows = await measureFidelity(set, seed, set.params.ringDegree === 4096 ? 40 : 24);
    console.log(`seed ${seed}\n${fidelityTable(rows)}`);
    for (const row of rows) {
      // Too few registers make the RMS itself noisy; those still count in the pooled check.
      if (row.estimate === 'exact' && row.registers >= 3) {
        expect(row.ratio, `${row.kind}`).toBeGreaterThan(1 / TAU);
      }
      expect(row.ratio, `${row.kind} (${row.estimate})`).toBeLessThan(TAU);
      expect(row.worstOverBound, `${row.kind} (${row.estimate})`).toBeLessThanOrEqual(1);
    }
    const exact = pooled(rows.filter((r) => r.estimate === 'exact'));
    expect(exact.ratio).toBeGreaterThan(1 / TAU);
    expect(exact.ratio).toBeLessThan(TAU);
  });
});
