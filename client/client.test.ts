import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linalg, logreg } from '../algorithms/index.js';
import { sealCiphertextCodec } from '../backends/seal/index.js';
import { floodingCostBits, KIND_CODES } from '../core/index.js';
import { ENVELOPE_VERSION } from '../core/serialize/index.js';
import { createServer, type Server } from '../server/index.js';
import { createClient, restoreClient, type Client } from './index.js';

/** Kind bytes of every hekit envelope header found anywhere in `bytes` (nested ones included). */
export function envelopeKinds(bytes: Uint8Array): number[] {
  const kinds: number[] = [];
  for (let i = bytes.indexOf(0x48); i >= 0 && i + 7 <= bytes.length; i = bytes.indexOf(0x48, i + 1)) {
    if (bytes[i + 1] === 0x45 && bytes[i + 2] === 0x4b && bytes[i + 3] === 0x54 && bytes[i + 4] === ENVELOPE_VERSION && bytes[i + 5] === 0) kinds.push(bytes[i + 6]!);
  }
  return kinds;
}

const data = logreg.loadDataset({ seed: 1 });
const batchSize = 64;
const batches = logreg.minibatches(data, 2, batchSize);
// N = 8192: one low-depth minibatch per round, a refresh between them.
const plan = logreg.planTraining({ circuit: 'lowdepth', minibatches: 2, batchSize, features: data.features, ringDegree: 8192, scaleBits: 28, minibatchesPerRound: 1 });
const twin = logreg.trainPlain(batches, { rule: 'gradient', ...logreg.TRAINING_DEFAULTS });
const twinAfterRound0 = logreg.trainPlain(batches.slice(0, 1), { rule: 'gradient', ...logreg.TRAINING_DEFAULTS });

// At N = 8192 the default flooding (s = 30) would swamp these weights (see the two-process
// example for a run at the defaults); s = 8 keeps them usable and the statistics the same.
const flooding = { statisticalBits: 8 };
let client: Client;
let server: Server;
let keys: Uint8Array;
beforeAll(async () => {
  client = await createClient(plan, { batchSize, compression: 'none', flooding });
  keys = client.serverKeys();
  server = await createServer(keys, plan, { batchSize, compression: 'none' });
});
afterAll(() => {
  server.dispose();
  client.dispose();
});

const rms = (a: ArrayLike<number>, b: ArrayLike<number>): number => Math.sqrt(Array.from(a, (x, i) => (x - b[i]!) ** 2).reduce((s, x) => s + x, 0) / a.length);

describe('client and server over serialized bytes (SEAL, N = 8192)', () => {
  it('train two rounds with an unflooded refresh and land near the float64 twin; the server sees only public envelopes', () => {
    expect(plan.rounds).toEqual([1, 1]);
    expect(envelopeKinds(keys)).not.toContain(KIND_CODES.secretKey);
    expect(envelopeKinds(client.exportSecretKey())).toContain(KIND_CODES.secretKey);
    const r0 = client.request(0, batches, logreg.initialState(data.features));
    expect(envelopeKinds(r0)).not.toContain(KIND_CODES.secretKey);
    // Encrypted under the secret key and sent seeded: about half of the inputs' whole ciphertexts.
    const whole = [...client.inputLevels(0)].reduce((sum, [name, level]) => {
      const [rows, cols] = logreg.inputShape(name, batchSize, plan.features, plan.unit);
      return sum + Math.ceil(rows / plan.unit.height) * Math.ceil(cols / plan.unit.width) * logreg.ciphertextBytes(plan.params.ringDegree, level);
    }, 0);
    expect(r0.length).toBeLessThan(0.55 * whole);
    const run0 = server.runRound(r0);
    expect(run0.round).toBe(0);
    expect(Object.fromEntries(run0.inputLevels)).toEqual(Object.fromEntries(client.inputLevels(0)));
    const { request: r1, model: m0 } = client.refresh(run0.reply, batches, { flood: false });
    expect(m0.flooding).toBeNull();
    expect(rms(m0.state.w, twinAfterRound0.w)).toBeLessThan(1e-3);
    const run1 = server.runRound(r1);
    expect(Object.fromEntries(run1.inputLevels)).toEqual(Object.fromEntries(client.inputLevels(1)));
    expect(run1.outputLevel).toBe(plan.params.maxLevel - logreg.roundDepth('lowdepth', 1, 'fresh'));
    const final = client.decryptModel(run1.reply);
    expect(final.flooding).toBeNull();
    expect(Math.max(...final.state.w.map((w, j) => Math.abs(w - twin.w[j]!)))).toBeLessThan(0.2);
    expect(logreg.accuracy(data.test, final.state.w)).toBeGreaterThan(0.88);
    for (const bytes of [run0.reply, run1.reply]) expect(envelopeKinds(bytes)).not.toContain(KIND_CODES.secretKey);
    const probe = server.backend.encrypt([1]);
    expect(() => server.backend.decrypt(probe)).toThrow(expect.objectContaining({ code: 'NO_SECRET_KEY' }));
    server.backend.free(probe);
  });

  it('refresh floods by default: noise of the predicted width, unbiased, costing the documented bits', () => {
    const r0 = client.request(0, batches, logreg.initialState(data.features));
    const { reply } = server.runRound(r0);
    const plain = client.decryptModel(reply); // decryption is deterministic: the same reply decrypts to the same values
    const { model } = client.refresh(reply, batches);
    const f = model.flooding!;
    expect(f).not.toBeNull();
    // t defaults to the plan's decryptions: one per round.
    expect(f.costBits).toBeCloseTo(floodingCostBits({ ...flooding, decryptions: 2 }), 12);
    expect(f.costBits).toBeCloseTo(4 + Math.log2(Math.sqrt(24)), 12);
    expect(f.std.w / f.errorStd.w).toBeCloseTo(2 ** f.costBits, 6);
    const noise = Array.from(model.state.w, (w, j) => w - plain.state.w[j]!);
    const n = noise.length;
    const mean = noise.reduce((s, x) => s + x, 0) / n;
    const std = Math.sqrt(noise.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
    // 197 draws: the sample std is within ±25% (5 standard errors), the mean within 5σ/√n.
    expect(std / f.std.w).toBeGreaterThan(0.75);
    expect(std / f.std.w).toBeLessThan(1.25);
    expect(Math.abs(mean)).toBeLessThan((5 * f.std.w) / Math.sqrt(n));
    // Measured cost: the flooded error against SEAL's own error, both against the float64 twin.
    const plainError = rms(plain.state.w, twinAfterRound0.w);
    const floodedError = rms(model.state.w, twinAfterRound0.w);
    const measuredBits = Math.log2(floodedError / plainError);
    // The tracked RMS error estimates SEAL's (its run-to-run spread is about 0.85-1.18x); the
    // flooding is sized from the worst slot's std, so against the RMS error it costs the nominal
    // bits plus log2(errorStd / errorRms), give or take the sampling of both errors.
    // Round 0 returns the client's own encryption of w_1, every slot with the same std: the RMS may exceed it by rounding.
    expect(f.errorRms.w).toBeLessThanOrEqual(f.errorStd.w * (1 + 1e-12));
    expect(f.errorRms.w / plainError).toBeGreaterThan(0.5);
    expect(f.errorRms.w / plainError).toBeLessThan(2);
    const expectedBits = f.costBits + Math.log2(f.errorStd.w / f.errorRms.w);
    expect(Math.abs(measuredBits - expectedBits)).toBeLessThan(1.5);
    console.info(`flooding: predicted error std ${f.errorStd.w.toExponential(2)} (worst slot), ${f.errorRms.w.toExponential(2)} (RMS), SEAL's RMS error ${plainError.toExponential(2)}, flood std ${f.std.w.toExponential(2)}; cost ${f.costBits.toFixed(2)} bits nominal, ${measuredBits.toFixed(2)} measured`);
  });

  it('a client restored from its stored keys decrypts what the first one asked for; flooding needs the request', async () => {
    const r0 = client.request(0, batches, logreg.initialState(data.features));
    const { reply } = server.runRound(r0);
    const restored = await restoreClient(plan, keys, client.exportSecretKey(), { batchSize, flooding });
    try {
      expect(Array.from(restored.decryptModel(reply).state.w)).toEqual(Array.from(client.decryptModel(reply).state.w));
      expect(() => restored.refresh(reply, batches)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    } finally {
      restored.dispose();
    }
  });
});

describe('minibatches taller than the encoding unit (SEAL, N = 8192)', () => {
  it('64 rows over 32 x 128 tiles: two rounds over bytes land near the float64 twin, as with 64-row tiles', async () => {
    const short = logreg.planTraining({ circuit: 'lowdepth', minibatches: 2, batchSize, features: data.features, ringDegree: 8192, scaleBits: 28, minibatchesPerRound: 1, unitHeight: 32 });
    expect([short.unit, short.rounds]).toEqual([{ height: 32, width: 128 }, [1, 1]]);
    const c = await createClient(short, { batchSize, compression: 'none' });
    const s = await createServer(c.serverKeys(), short, { batchSize, compression: 'none' });
    try {
      const run0 = s.runRound(c.request(0, batches, logreg.initialState(data.features)));
      const { request: r1, model: m0 } = c.refresh(run0.reply, batches, { flood: false });
      expect(rms(m0.state.w, twinAfterRound0.w)).toBeLessThan(1e-3);
      const final = c.decryptModel(s.runRound(r1).reply);
      expect(Math.max(...final.state.w.map((w, j) => Math.abs(w - twin.w[j]!)))).toBeLessThan(0.2);
      expect(logreg.accuracy(data.test, final.state.w)).toBeGreaterThan(0.88);
      expect(s.backend.memory().ciphertexts).toBe(0);
    } finally {
      s.dispose();
      c.dispose();
    }
  });
});

describe('the server refuses what the round does not use', () => {
  it('a request of another round layout, a truncated request, a reply as a request', () => {
    const r0 = client.request(0, batches, logreg.initialState(data.features));
    const { reply } = server.runRound(r0);
    const r1 = client.refresh(reply, batches, { flood: false }).request;
    expect(() => server.runRound(r1.subarray(0, r1.length - 10))).toThrow(expect.objectContaining({ code: 'DESERIALIZE' }));
    expect(() => server.runRound(reply)).toThrow(expect.objectContaining({ code: 'DESERIALIZE' }));
    expect(server.backend.memory().ciphertexts).toBe(0);
  });

  it('a request made under another client\'s keys (replayed here) is refused on keySet, and its reply on the client too', async () => {
    const other = await createClient(plan, { batchSize, compression: 'none' });
    const otherServer = await createServer(other.serverKeys(), plan, { batchSize, compression: 'none' });
    try {
      const foreign = other.request(0, batches, logreg.initialState(data.features));
      expect(() => server.runRound(foreign)).toThrow(expect.objectContaining({ code: 'DESERIALIZE', details: expect.objectContaining({ field: 'keySet' }) }));
      // The reproduction: a server built from B's keys running A's round.
      const mine = client.request(0, batches, logreg.initialState(data.features));
      expect(() => otherServer.runRound(mine)).toThrow(expect.objectContaining({ code: 'DESERIALIZE', details: expect.objectContaining({ field: 'keySet' }) }));
      const foreignReply = otherServer.runRound(foreign).reply;
      expect(() => client.decryptModel(foreignReply)).toThrow(expect.objectContaining({ code: 'DESERIALIZE', details: expect.objectContaining({ field: 'keySet' }) }));
      expect(server.backend.memory().ciphertexts).toBe(0);
    } finally {
      otherServer.dispose();
      other.dispose();
    }
  });

  it('a server whose batch size or learning rate differs from the client\'s refuses its requests on binding', async () => {
    const r0 = client.request(0, batches, logreg.initialState(data.features));
    for (const settings of [{ batchSize, learningRate: logreg.TRAINING_DEFAULTS.learningRate * 2 }, { batchSize: batchSize - 1 }]) {
      const other = await createServer(keys, plan, { ...settings, compression: 'none' });
      try {
        expect(() => other.runRound(r0)).toThrow(expect.objectContaining({ code: 'DESERIALIZE', details: expect.objectContaining({ field: 'binding' }) }));
        expect(other.backend.memory().ciphertexts).toBe(0);
      } finally {
        other.dispose();
      }
    }
    // Same keys, same plan and settings: the reply comes back to the client.
    expect(client.decryptModel(server.runRound(r0).reply).round).toBe(0);
  });

  it('an input with edited rows, or at its level but off the scale ladder, is refused at load naming it', () => {
    const ev = client.backend;
    const levels = client.inputLevels(0);
    const ladder = logreg.roundConfigOf(plan, { batchSize }).ladder;
    // Round 0 of one minibatch from zero weights sends w_1 alone, as an m x d matrix (inputs.ts).
    const name = [...levels.keys()][0]!;
    const shapeOf = (n: string): [number, number] => logreg.inputShape(n, batchSize, data.features, plan.unit);
    const [rowsOf] = shapeOf(name);
    const request = (rows: number, scaleFactor: number) => ev.scope(() => {
      const inputs = new Map([...levels].map(([n, level]) => {
        const [r, c] = shapeOf(n);
        const values = Array.from({ length: n === name ? rows : r }, () => new Array<number>(c).fill(0.01));
        const scale = ladder[level]! * (n === name ? scaleFactor : 1);
        return [n, linalg.encryptMatrix(ev, plan.unit, values, { level, scale })] as const;
      }));
      return logreg.saveRoundRequest(sealCiphertextCodec(ev, { compression: 'none' }), 0, inputs, null, logreg.planFingerprint(plan, { batchSize }));
    });
    const refusal = (field: string, details: Record<string, unknown>) => expect.objectContaining({ code: 'DESERIALIZE', details: expect.objectContaining({ field, ...details }) });
    expect(name).toBe('WC1');
    expect(() => server.runRound(request(rowsOf - 1, 1))).toThrow(refusal(name, { shape: [rowsOf - 1, data.features] }));
    expect(() => server.runRound(request(rowsOf, 0.5))).toThrow(refusal(name, { scale: ladder[levels.get(name)!]! / 2 }));
    expect(server.backend.memory().ciphertexts).toBe(0);
    // The same construction with the right rows and scale runs.
    expect(server.runRound(request(rowsOf, 1)).round).toBe(0);
  });

  it('a refreshed round\'s u_1 at another level than the round reads it (a round of one: the top) is refused naming it', () => {
    const ev = client.backend;
    const top = plan.params.maxLevel;
    const ladder = logreg.roundConfigOf(plan, { batchSize }).ladder;
    const at = (level: number) => ({ level, scale: ladder[level]! });
    const w = Float64Array.from(twinAfterRound0.w);
    const u = Float64Array.from(batches[1]!, (x) => x.reduce((s, xt, t) => s + xt * w[t]!, 0));
    const plain = logreg.plainInputs(batches.slice(1), 0, plan.unit);
    const request = (uLevel: number) => ev.scope(() => {
      const inputs = new Map([...client.inputLevels(1)].map(([n, level]) => [n, linalg.encryptMatrix(ev, plan.unit, plain(n), at(level))] as const));
      const start = {
        circuit: 'lowdepth' as const, wC: linalg.encryptColVector(ev, plan.unit, w, at(top)), wR: null, uC: null, uR: linalg.encryptRowVector(ev, plan.unit, u, at(uLevel)),
      };
      return logreg.saveRoundRequest(sealCiphertextCodec(ev, { compression: 'none' }), 1, inputs, start, logreg.planFingerprint(plan, { batchSize }));
    });
    expect(plan.rounds[1]).toBe(1);
    expect(() => server.runRound(request(top - 1))).toThrow(expect.objectContaining({ code: 'DESERIALIZE', details: expect.objectContaining({ field: 'uR', level: top - 1, expected: top }) }));
    expect(server.backend.memory().ciphertexts).toBe(0);
    expect(server.runRound(request(top)).round).toBe(1);
  });

  it('refuses a secret key in place of the server keys', async () => {
    await expect(createServer(client.exportSecretKey() as Uint8Array as never, plan, { batchSize })).rejects.toMatchObject({ code: 'DESERIALIZE' });
  });
});
