import { describe, expect, it } from 'vitest';
import { createSimBackend } from '../../backends/sim/index.js';
import type { Evaluator } from '../evaluator.js';
import { createParams } from '../params/index.js';
import { analyze, type CircuitAnalysis } from './analyze.js';
import { levelsConsumed, svgAxes, toDot, toSvg } from './render.js';

/** rotate(3·(0.5·x² + 0.5·x²), 1): depth 3 (square, mulPlain, mulPlain each consume a level). */
function circuit<C>(ev: Evaluator<C>): C {
  const x = ev.encrypt([0.5, -0.25, 1]);
  const x2 = ev.rescale(ev.relinearize(ev.square(x)));
  const half = ev.rescale(ev.mulPlain(x2, 0.5));
  const y = ev.rescale(ev.mulPlain(ev.add(half, half), 3));
  return ev.rotate(y, 1);
}

const params = createParams({ ringDegree: 8192, bitSizes: [45, 35, 35, 35, 45], scale: 2 ** 35 });

/** Ciphertext bytes: (degree + 1) polynomials of N coefficients, 8 bytes per prime. */
const bytes = (n: number, level: number, degree = 1): number => (degree + 1) * n * (level + 1) * 8;

describe('analyze', () => {
  it('counts ops, depth, width and memory without parameters', () => {
    const a = analyze(circuit, { ringDegree: 8192 });
    expect(a.probe).toBe(true);
    expect(a.depth).toBe(3);
    expect(a.maxLevel).toBe(3);
    expect(a.outputs).toEqual([{ id: 9, depth: 3, level: 0, scale: expect.any(Number), degree: 1 }]);
    expect(a.ops).toMatchObject({ encrypt: 1, square: 1, relinearize: 1, rescale: 3, mulPlain: 2, add: 1, rotate: 1, mul: 0, copy: 0 });
    expect(a.rotations).toEqual([1]);
    expect(a.keySwitches).toBe(2);
    expect(a.width.map((w) => [w.ciphertexts, w.products, w.plainProducts, w.rotations])).toEqual([[3, 1, 0, 0], [2, 0, 1, 0], [3, 0, 1, 0], [2, 0, 0, 1]]);
    expect(levelsConsumed(a)).toEqual(['square', 'mulPlain', 'mulPlain']);
    // Nothing is freed before the scope ends: all ten ciphertexts are live at once.
    expect(a.peak.ciphertexts).toBe(10);
    // Level 3: encrypt, relinearize (degree 1), square (degree 2); level 2: 2; level 1: 3; level 0: 2.
    const expected = bytes(8192, 3) * 2 + bytes(8192, 3, 2) + bytes(8192, 2) * 2 + bytes(8192, 1) * 3 + bytes(8192, 0) * 2;
    expect(a.peak.bytes).toBe(expected);
    expect(a.criticalPath.map((id) => a.nodes[id]?.op)).toEqual(['encrypt', 'square', 'relinearize', 'rescale', 'mulPlain', 'rescale', 'add', 'mulPlain', 'rescale', 'rotate']);
  });

  it('matches a simulator run at given parameters: levels, exact scales, op counts', () => {
    const a = analyze(circuit, { params, rotations: [1] });
    const sim = createSimBackend(params, { rotations: [1] });
    const out = sim.scope(() => circuit(sim));
    expect(a.outputs[0]).toMatchObject({ level: out.level, scale: out.scale, degree: out.degree });
    const stats = sim.stats();
    for (const [op, n] of Object.entries(stats.ops)) if (op !== 'decrypt') expect(a.ops[op as keyof typeof a.ops]).toBe(n);
    expect(a.depth).toBe(stats.depth);
    expect(a.keySwitches).toBe(stats.keySwitches);
    sim.dispose();
  });

  it('counts the NAF terms of rotations without their own key', () => {
    const a = analyze((ev) => ev.rotate(ev.encrypt([1, 2, 3]), 7), { params, rotations: [1, -1, 2, 4, 8] });
    // 7 = 8 - 1: two key switches.
    expect(a.keySwitches).toBe(2);
    expect(a.rotations).toEqual([7]);
  });

  it('sees what a circuit frees: peak live ciphertexts and bytes', () => {
    const chain = <C>(ev: Evaluator<C>): C => {
      let x = ev.encrypt(1);
      for (let i = 0; i < 5; i++) {
        const y = ev.add(x, x);
        ev.free(x);
        x = y;
      }
      return x;
    };
    const a = analyze(chain, { params });
    expect(a.ops.add).toBe(5);
    expect(a.peak.ciphertexts).toBe(2);
    expect(a.peak.bytes).toBe(2 * bytes(8192, params.maxLevel));
  });

  it('fails with the same error code as the simulator', () => {
    const bad = <C>(ev: Evaluator<C>): C => {
      const x = ev.encrypt(1);
      return ev.add(x, ev.rescale(ev.mul(x, x)));
    };
    expect(() => analyze(bad, { params })).toThrow(expect.objectContaining({ code: 'LEVEL_MISMATCH' }));
    const sim = createSimBackend(params);
    expect(() => sim.scope(() => bad(sim))).toThrow(expect.objectContaining({ code: 'LEVEL_MISMATCH' }));
    sim.dispose();
  });

  it('grows the probe chain for deep circuits', () => {
    const deep = <C>(ev: Evaluator<C>): C => {
      let x = ev.encrypt(1);
      for (let i = 0; i < 20; i++) x = ev.rescale(ev.mulPlain(x, 1));
      return x;
    };
    expect(analyze(deep, { ringDegree: 4096 }).depth).toBe(20);
  });
});

/** Open/close tags balance and nest (a well-formedness check without a parser dependency). */
function balanced(xml: string): boolean {
  const stack: string[] = [];
  for (const m of xml.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = m;
    if (selfClosing === '/') continue;
    if (closing === '/') {
      if (stack.pop() !== name) return false;
    } else stack.push(name as string);
  }
  return stack.length === 0;
}

describe('toDot and toSvg', () => {
  const a: CircuitAnalysis = analyze(circuit, { ringDegree: 8192 });

  it('writes every node and edge in DOT, one rank per depth, the critical path bold', () => {
    const dot = toDot(a, 'demo');
    expect(dot.startsWith('digraph "demo" {')).toBe(true);
    expect(dot.match(/^ {2}n\d+ \[label=/gm)).toHaveLength(a.nodes.length);
    const edges = a.nodes.reduce((s, n) => s + n.inputs.length, 0);
    expect(dot.match(/^ {2}n\d+ -> n\d+/gm)).toHaveLength(edges);
    expect(dot.match(/rank=same/g)).toHaveLength(a.width.length);
    expect(dot.match(/\[label=[^\]]*penwidth=2.5/g)).toHaveLength(a.criticalPath.length);
    expect(dot).toContain('label="#9 rotate 1\\nlevel 0');
  });

  it('draws a timeline whose bars and path carry the analysis', () => {
    const svg = toSvg(a, 'demo <circuit>');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(balanced(svg)).toBe(true);
    expect(svg).toContain('<title>demo &lt;circuit&gt;</title>');
    for (const w of a.width) {
      const counts = [...svg.matchAll(new RegExp(`data-depth="${w.depth}" data-count="(\\d+)"`, 'g'))].map((m) => Number(m[1]));
      expect(counts.reduce((s, c) => s + c, 0)).toBe(w.ciphertexts);
    }
    expect([...svg.matchAll(/<rect class="product"/g)]).toHaveLength(1);
    expect([...svg.matchAll(/data-op="(\w+)"/g)].map((m) => m[1])).toEqual(levelsConsumed(a));
    expect(svg).toContain('data-levels="3"');
  });

  const ticks = (svg: string, axis: 'x' | 'y'): number[] => {
    const group = svg.split(`<g class="axis" data-axis="${axis}">`)[1]!.split('</g>')[0]!;
    return [...group.matchAll(/data-tick="(\d+)"/g)].map((m) => Number(m[1]));
  };
  const legend = (svg: string): string[] => [...svg.split('<g class="legend">')[1]!.matchAll(/<text[^>]*>([^<]+)<\/text>/g)].map((m) => m[1]!);

  it('draws axes with ticks: every depth on x, round counts up to the widest bar on y', () => {
    const svg = toSvg(a);
    expect(ticks(svg, 'x')).toEqual(a.width.map((w) => w.depth));
    const y = ticks(svg, 'y');
    expect(y[0]).toBe(0);
    expect(y.at(-1)).toBeGreaterThanOrEqual(Math.max(...a.width.map((w) => w.ciphertexts)));
    expect(y.length).toBeGreaterThanOrEqual(2);
    expect(y.length).toBeLessThanOrEqual(7);
  });

  it('lists in its legends only the op classes and path symbols it shows', () => {
    expect(legend(toSvg(a))).toEqual(['ciphertext products', 'plaintext products', 'rotations', 'other ops']);
    const plain = analyze(<C>(ev: Evaluator<C>) => ev.rescale(ev.mulPlain(ev.encrypt([1, 2]), 3)), { ringDegree: 8192 });
    const svg = toSvg(plain);
    expect(legend(svg)).toEqual(['plaintext products', 'other ops']);
    expect(svg).toContain('critical path: the op that spent each level (p plain product)');
    expect(toSvg(a)).toContain('(² square, p plain product)');
  });

  it('draws two analyses on one scale when given the axes that fit both', () => {
    const small = analyze(<C>(ev: Evaluator<C>) => ev.rescale(ev.mulPlain(ev.encrypt([1, 2]), 3)), { ringDegree: 8192 });
    const axes = svgAxes([a, small]);
    expect(axes).toEqual({ depth: 3, count: Math.max(...a.width.map((w) => w.ciphertexts)) });
    const [big, little] = [toSvg(a, 'a', { axes }), toSvg(small, 'b', { axes })];
    const size = (svg: string) => svg.match(/width="(\d+)" height="(\d+)"/)!.slice(1);
    expect(size(little)).toEqual(size(big));
    expect(ticks(little, 'x')).toEqual(ticks(big, 'x'));
    expect(ticks(little, 'y')).toEqual(ticks(big, 'y'));
    // One unit of bar height on both: a bar of one ciphertext is as tall in each picture.
    const unit = (svg: string) => {
      const m = svg.match(/data-count="(\d+)" x="[\d.]+" y="[\d.]+" width="\d+" height="([\d.]+)"/)!;
      return Number(m[2]) / Number(m[1]);
    };
    expect(unit(little)).toBeCloseTo(unit(big), 2);
    expect(toSvg(a, 'a', { axes: { depth: 0, count: 1 } })).toBe(toSvg(a, 'a'));
  });
});
