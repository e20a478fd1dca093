/**
 * Pictures of an analysed circuit, as plain strings (no native dependencies): the graph in
 * Graphviz DOT, and an SVG level timeline (width per depth, the levels the critical path
 * consumes and the op that consumed each).
 */
import { fmtScale } from '../errors.js';
import type { CircuitAnalysis } from './analyze.js';
import type { GraphNode, GraphOp } from './graph.js';
import { escapeXml, tickStep } from './svg.js';

type OpClass = 'product' | 'plainProduct' | 'rotation' | 'other';

const classOf = (op: GraphOp): OpClass =>
  op === 'mul' || op === 'square' ? 'product' : op === 'mulPlain' ? 'plainProduct' : op === 'rotate' ? 'rotation' : 'other';

const COLORS: Readonly<Record<OpClass, string>> = {
  product: '#d1495b', plainProduct: '#edae49', rotation: '#00798c', other: '#c9cdd2',
};
const LABELS: Readonly<Record<OpClass, string>> = {
  product: 'ciphertext products', plainProduct: 'plaintext products', rotation: 'rotations', other: 'other ops',
};

/** The recorded graph in Graphviz DOT: one rank per depth, the critical path drawn bold, outputs double-framed. */
export function toDot(analysis: CircuitAnalysis, name = 'circuit'): string {
  const onPath = new Set(analysis.criticalPath);
  const outputs = new Set(analysis.outputs.map((o) => o.id));
  const depthOf = (n: GraphNode): number => analysis.maxLevel - n.level;
  const ranks = new Map<number, number[]>();
  const lines = [
    `digraph ${JSON.stringify(name)} {`,
    '  rankdir=TB;',
    '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];',
  ];
  for (const n of analysis.nodes) {
    const attrs = [
      `label=${JSON.stringify(`#${n.id} ${n.op}${n.step === undefined ? '' : ` ${n.step}`}\nlevel ${n.level} · ${fmtScale(n.scale)}`)}`,
      `fillcolor="${COLORS[classOf(n.op)]}"`,
    ];
    if (onPath.has(n.id)) attrs.push('penwidth=2.5');
    if (outputs.has(n.id)) attrs.push('peripheries=2');
    lines.push(`  n${n.id} [${attrs.join(', ')}];`);
    const d = depthOf(n);
    const rank = ranks.get(d);
    if (rank === undefined) ranks.set(d, [n.id]);
    else rank.push(n.id);
  }
  for (const n of analysis.nodes) {
    for (const i of n.inputs) lines.push(`  n${i} -> n${n.id}${onPath.has(i) && onPath.has(n.id) ? ' [penwidth=2.5]' : ''};`);
  }
  for (const [d, ids] of [...ranks].sort((a, b) => a[0] - b[0])) {
    lines.push(`  { rank=same; /* depth ${d} */ ${ids.map((id) => `n${id};`).join(' ')} }`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** For each level the critical path consumes (index d: depth d -> d + 1), the op that consumed it. */
export function levelsConsumed(analysis: CircuitAnalysis): GraphOp[] {
  const byId = analysis.nodes;
  const consumed: GraphOp[] = [];
  const path = analysis.criticalPath.map((id) => byId[id] as GraphNode);
  let product: GraphOp | undefined;
  for (let i = 1; i < path.length; i++) {
    const [prev, cur] = [path[i - 1] as GraphNode, path[i] as GraphNode];
    if (prev.op === 'mul' || prev.op === 'square' || prev.op === 'mulPlain') product = prev.op;
    // A rescale spends the level of the product before it (relinearize and additions may sit between).
    for (let l = prev.level; l > cur.level; l--) consumed.push(cur.op === 'rescale' ? product ?? 'rescale' : cur.op);
    if (cur.op === 'rescale') product = undefined;
  }
  return consumed;
}

const SYMBOLS: Partial<Record<GraphOp, string>> = { mul: '×', square: '²', mulPlain: 'p', dropLevelTo: '↓' };
const SYMBOL_NAMES: Partial<Record<GraphOp, string>> = { mul: 'product', square: 'square', mulPlain: 'plain product', dropLevelTo: 'level drop' };
const SYMBOL_ORDER: readonly GraphOp[] = ['mul', 'square', 'mulPlain', 'dropLevelTo'];

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** The extents of an SVG timeline's axes: depths 0..depth on x, ciphertext counts 0..count on y. */
export interface SvgAxes {
  readonly depth: number;
  readonly count: number;
}

/** Options of `toSvg`. */
export interface SvgOptions {
  /**
   * Axis extents (default: what `analysis` needs). Give pictures shown side by side the same
   * extents (`svgAxes([a, b])`) and they share one scale: columns of one width, bars of one unit.
   * Extents smaller than the analysis needs are widened to fit it.
   */
  readonly axes?: SvgAxes;
}

/** Axis extents that fit every analysis in `analyses`: the deepest depth and the widest count. */
export function svgAxes(analyses: readonly CircuitAnalysis[]): SvgAxes {
  return {
    depth: Math.max(0, ...analyses.map((a) => a.width.length - 1)),
    count: Math.max(1, ...analyses.map((a) => Math.max(0, ...a.width.map((w) => w.ciphertexts)))),
  };
}

/**
 * An SVG level timeline: one column per depth with a stacked bar of the ops done there
 * (`class` = product, plainProduct, rotation, other; `data-depth`, `data-count`), and above
 * it the critical path: one cell per level consumed, marked with the op that consumed it
 * (`data-op`). Axes with ticks: depth on x, ciphertexts produced on y (`class="axis"`). The
 * legends list only the op classes and symbols the picture shows.
 */
export function toSvg(analysis: CircuitAnalysis, title = 'circuit', options: SvgOptions = {}): string {
  const axes = svgAxes([analysis]);
  const depthMax = Math.max(axes.depth, options.axes?.depth ?? 0);
  const countMax = Math.max(axes.count, options.axes?.count ?? 0);
  const columns = depthMax + 1;
  const colWidth = Math.max(24, Math.min(64, Math.floor(720 / Math.max(columns, 1))));
  const [left, top, barTop, barBottom] = [56, 72, 110, 290];
  const width = left + columns * colWidth + 24;
  const height = barBottom + 86;
  const step = tickStep(countMax, 6);
  const yMax = Math.ceil(countMax / step) * step;
  const unit = (barBottom - barTop) / yMax;
  const consumed = levelsConsumed(analysis);
  const totalOps = Object.values(analysis.ops).reduce((a, b) => a + b, 0);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${left}" y="22" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="${left}" y="40">${escapeXml(`depth ${analysis.depth} · ${totalOps} ops · ${analysis.ops.mul + analysis.ops.square} ct×ct · ` +
      `${analysis.ops.mulPlain} ct×pt · ${analysis.ops.rotate} rotations (${analysis.rotations.length} keys) · ` +
      `peak ${analysis.peak.ciphertexts} ciphertexts, ${mib(analysis.peak.bytes)} at N = ${analysis.ringDegree}`)}</text>`,
  ];
  // y axis: gridlines and counts at each tick.
  out.push('<g class="axis" data-axis="y">');
  for (let c = 0; c <= yMax; c += step) {
    const y = (barBottom - c * unit).toFixed(2);
    out.push(`<line x1="${left - 4}" y1="${y}" x2="${left + columns * colWidth}" y2="${y}" stroke="${c === 0 ? '#30343f' : '#e3e5e8'}"/>` +
      `<text x="${left - 7}" y="${(barBottom - c * unit + 4).toFixed(2)}" text-anchor="end" data-tick="${c}">${c}</text>`);
  }
  out.push(`<text x="14" y="${(barTop + barBottom) / 2}" text-anchor="middle" transform="rotate(-90 14 ${(barTop + barBottom) / 2})">ciphertexts produced</text>`);
  out.push('</g>');

  // Critical path: in the column of each depth it reaches, a cell coloured and marked by the op that spent the level.
  out.push(`<g class="critical-path" data-levels="${consumed.length}">`);
  consumed.forEach((op, d) => {
    const x = left + (d + 1) * colWidth + 2;
    out.push(`<rect x="${x}" y="${top}" width="${colWidth - 4}" height="22" rx="3" fill="${COLORS[classOf(op)]}" data-op="${op}">` +
      `<title>${escapeXml(`level ${analysis.maxLevel - d} -> ${analysis.maxLevel - d - 1}: ${op}`)}</title></rect>`);
    out.push(`<text x="${x + (colWidth - 4) / 2}" y="${top + 15}" text-anchor="middle" fill="#ffffff" font-weight="bold">${escapeXml(SYMBOLS[op] ?? op)}</text>`);
  });
  out.push('</g>');
  const marks = [...new Set(consumed)].sort((a, b) => SYMBOL_ORDER.indexOf(a) - SYMBOL_ORDER.indexOf(b)).map((op) => `${SYMBOLS[op] ?? op} ${SYMBOL_NAMES[op] ?? op}`);
  out.push(`<text x="${left}" y="${top - 6}" fill="#30343f">${escapeXml(consumed.length === 0
    ? 'critical path: no level spent'
    : `critical path: the op that spent each level (${marks.join(', ')})`)}</text>`);

  const present = new Set<OpClass>(consumed.map(classOf));
  for (const w of analysis.width) {
    const x = left + w.depth * colWidth + 2;
    const parts: Array<[OpClass, number]> = [
      ['product', w.products], ['plainProduct', w.plainProducts], ['rotation', w.rotations],
      ['other', w.ciphertexts - w.products - w.plainProducts - w.rotations],
    ];
    let y = barBottom;
    for (const [cls, count] of parts) {
      if (count === 0) continue;
      present.add(cls);
      const h = count * unit;
      y -= h;
      out.push(`<rect class="${cls}" data-depth="${w.depth}" data-count="${count}" x="${x}" y="${y.toFixed(2)}" width="${colWidth - 4}" height="${h.toFixed(2)}" fill="${COLORS[cls]}">` +
        `<title>${escapeXml(`depth ${w.depth} (level ${w.level}): ${count} ${LABELS[cls]}`)}</title></rect>`);
    }
  }
  // x axis: a tick and a label per depth (every few depths when columns are many).
  const xStep = columns <= 40 ? 1 : tickStep(depthMax, 20);
  out.push('<g class="axis" data-axis="x">');
  for (let d = 0; d <= depthMax; d += xStep) {
    const x = left + d * colWidth + colWidth / 2;
    out.push(`<line x1="${x}" y1="${barBottom}" x2="${x}" y2="${barBottom + 4}" stroke="#30343f"/>` +
      `<text x="${x}" y="${barBottom + 16}" text-anchor="middle" data-tick="${d}">${d}</text>`);
  }
  out.push(`<text x="${left}" y="${barBottom + 32}">depth (levels consumed) →</text>`);
  out.push('</g>');
  const legend = (Object.keys(COLORS) as OpClass[]).filter((cls) => present.has(cls)).map((cls, i) => {
    const x = left + i * 150;
    return `<rect x="${x}" y="${barBottom + 46}" width="12" height="12" fill="${COLORS[cls]}"/><text x="${x + 17}" y="${barBottom + 56}">${LABELS[cls]}</text>`;
  });
  out.push(`<g class="legend">`, ...legend, '</g>');
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
