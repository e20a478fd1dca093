import { describe, expect, it } from 'vitest';
import { isHeError, type Ciphertext } from '../../core/index.js';
import { seededValues } from '../../property-tests/program.js';
import { SlotArrays } from './arrays.js';
import { createSimBackend, type NoiseMode } from './index.js';

describe('SlotArrays', () => {
  it('returns a shared array to the pool with its last holder, never one still held', () => {
    const arrays = new SlotArrays(8);
    const a = arrays.take();
    arrays.hold(a);
    arrays.hold(a);
    arrays.drop(a);
    arrays.recycle(a);
    expect(arrays.take()).not.toBe(a);
    arrays.drop(a);
    expect(arrays.take()).toBe(a);
  });

  it('keeps at most 32 MiB, only arrays of its length, and forgets everything on clear', () => {
    const arrays = new SlotArrays(2 ** 21); // 16 MiB each: room for two
    const [a, b, c] = [arrays.take(), arrays.take(), arrays.take()];
    [a, b, c, new Float64Array(4)].forEach((x) => arrays.recycle(x));
    const again = [arrays.take(), arrays.take(), arrays.take()];
    expect(again.map((x) => [a, b, c].indexOf(x))).toEqual([1, 0, -1]);
    arrays.recycle(a);
    arrays.clear();
    expect(arrays.take() === a).toBe(false);
  });
});

describe('simulator array reuse', () => {
  // Ops that share their input's arrays (rescale, relinearize, dropLevelTo, copies) mixed with
  // frees: every live ciphertext must keep what it decrypted to, and its noise estimate.
  it.each<NoiseMode>(['off', 'track', 'inject'])('never hands out an array a live ciphertext still reads (noise %s)', (noise) => {
    const sim = createSimBackend({ ringDegree: 2048, bitSizes: [60, 40, 40, 40, 60], scale: 2 ** 40, allowInsecure: true }, { noise, rotations: [1, -1, 4, -4] });
    const live: { ct: Ciphertext; values: Float64Array; std: Float64Array | null }[] = [];
    const record = (ct: Ciphertext): void => {
      live.push({ ct, values: sim.decrypt(ct), std: noise === 'off' ? null : sim.noise(ct).std });
    };
    const pick = (r: number) => live[r % live.length]!;
    for (let seed = 1; seed <= 4; seed++) record(sim.encrypt(seededValues(seed, 1024)));
    const draws = seededValues(99, 400);
    for (let i = 0; i < draws.length; i += 4) {
      const [r0, r1, r2, r3] = Array.from(draws.subarray(i, i + 4), (v) => Math.floor((v + 1) * 1e6));
      const a = pick(r0!).ct;
      const b = live.find((x) => x.ct.level === a.level && x.ct.scale === a.scale && x.ct.degree === a.degree && x.ct !== a)?.ct ?? a;
      const ops = [
        () => sim.add(a, b), () => sim.neg(a), () => sim.mulPlain(a, seededValues(r1!, 1024), 2 ** 20), () => sim.addPlain(a, 0.5),
        () => sim.rotate(a, [1, -4, 3][r1! % 3]!), () => sim.relinearize(a),
        () => (a.degree === 1 && a.level > 0 ? sim.rescale(sim.mulPlain(a, 3)) : sim.neg(a)),
        () => (a.level > 0 ? sim.dropLevelTo(a, a.level - 1) : sim.relinearize(a)),
        () => (a.level > 0 && a.degree === 1 ? sim.rescale(sim.relinearize(sim.mul(a, b))) : sim.add(a, a)),
      ];
      try {
        record(ops[r2! % ops.length]!());
      } catch (e) {
        if (!isHeError(e)) throw e; // a scale or level out of range: beside the point here
      }
      if (live.length > 6 && r3! % 3 !== 0) sim.free(live.splice(r3! % live.length, 1)[0]!.ct);
      const same = (p: Float64Array, q: Float64Array): boolean => p.every((v, k) => Object.is(v, q[k]));
      // Values exactly; estimates to rounding: an operand's remainder becoming a shared term (√u, squared back) may move its last bit.
      const close = (p: Float64Array, q: Float64Array): boolean => p.every((v, k) => Math.abs(v - (q[k] as number)) <= 1e-12 * (q[k] as number));
      expect(live.filter((x) => !same(sim.decrypt(x.ct), x.values) || (x.std !== null && !close(sim.noise(x.ct).std, x.std)))).toEqual([]);
    }
    sim.dispose();
  });
});
