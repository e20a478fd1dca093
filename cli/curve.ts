/**
 * `hekit train --curve FILE.svg`: held-out accuracy against minibatches trained, as an SVG line
 * chart written by hand (no chart library): the float64 twin after every minibatch, the
 * encrypted model at every refresh (the end of each round, when the client decrypts it).
 * Deterministic: the same run draws the same bytes (no times in the picture).
 */
import type { logreg } from '../algorithms/index.js';
import { escapeXml, tickStep } from '../core/analysis/svg.js';

/** What the chart says about the run, above the plot. */
export interface CurveCaption {
  /** The data set, e.g. "iris" or "data.csv". */
  readonly data: string;
  /** Lines of facts under the title: classes and rows, circuit and ring. */
  readonly detail: readonly string[];
}

const COLORS = { twin: '#00798c', encrypted: '#d1495b' } as const;
const fixed = (v: number): string => v.toFixed(2);

/** The SVG chart of `curve` (accuracies in [0, 1]); the y axis is in percent, spanning the points with a margin. */
export function curveSvg(curve: logreg.ModelReport['curve'], caption: CurveCaption): string {
  const points = [...curve.twin, ...curve.encrypted];
  const last = Math.max(1, ...points.map((p) => p.minibatch));
  const accs = points.map((p) => 100 * p.accuracy);
  const [minAcc, maxAcc] = [Math.min(...accs), Math.max(...accs)];
  const yStep = tickStep(Math.max(maxAcc - minAcc, 1) * 1.25, 6, 1e-3);
  const yLo = Math.max(0, Math.floor((minAcc - yStep / 2) / yStep) * yStep);
  const yHi = Math.min(100, Math.ceil((maxAcc + yStep / 2) / yStep) * yStep);
  const [left, top, plotW, plotH] = [64, 48 + 16 * caption.detail.length, 560, 240];
  const width = left + plotW + 24, height = top + plotH + 84;
  const x = (m: number): number => left + (m / last) * plotW;
  const y = (acc: number): number => top + plotH - ((100 * acc - yLo) / (yHi - yLo)) * plotH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`,
    `<title>${escapeXml(`held-out accuracy: ${caption.data}`)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${left}" y="22" font-size="15" font-weight="bold">${escapeXml(`held-out accuracy: ${caption.data}`)}</text>`,
    ...caption.detail.map((line, i) => `<text x="${left}" y="${40 + 15 * i}">${escapeXml(line)}</text>`),
  ];
  out.push('<g class="axis" data-axis="y">');
  for (let v = yLo; v <= yHi + 1e-9; v += yStep) {
    const yy = fixed(y(v / 100));
    const label = Number(v.toFixed(3)).toString();
    out.push(`<line x1="${left - 4}" y1="${yy}" x2="${left + plotW}" y2="${yy}" stroke="${Math.abs(v - yLo) < 1e-9 ? '#30343f' : '#e3e5e8'}"/>` +
      `<text x="${left - 7}" y="${fixed(y(v / 100) + 4)}" text-anchor="end" data-tick="${label}">${label}%</text>`);
  }
  out.push(`<text x="16" y="${top + plotH / 2}" text-anchor="middle" transform="rotate(-90 16 ${top + plotH / 2})">held-out accuracy</text>`, '</g>');
  const xStep = Math.max(1, Math.round(tickStep(last, 16, 1e-3)));
  out.push('<g class="axis" data-axis="x">');
  for (let m = 0; m <= last; m += xStep) {
    out.push(`<line x1="${fixed(x(m))}" y1="${top + plotH}" x2="${fixed(x(m))}" y2="${top + plotH + 4}" stroke="#30343f"/>` +
      `<text x="${fixed(x(m))}" y="${top + plotH + 16}" text-anchor="middle" data-tick="${m}">${m}</text>`);
  }
  out.push(`<text x="${left + plotW / 2}" y="${top + plotH + 34}" text-anchor="middle">minibatches trained</text>`, '</g>');
  const series = (name: keyof typeof COLORS, pts: readonly logreg.CurvePoint[], dashed: boolean, marker: (px: number, py: number) => string): void => {
    out.push(`<g class="series" data-series="${name}">`);
    if (pts.length > 1) {
      out.push(`<polyline fill="none" stroke="${COLORS[name]}" stroke-width="2"${dashed ? ' stroke-dasharray="6 4"' : ''} ` +
        `points="${pts.map((p) => `${fixed(x(p.minibatch))},${fixed(y(p.accuracy))}`).join(' ')}"/>`);
    }
    for (const p of pts) {
      out.push(`<g data-minibatch="${p.minibatch}" data-accuracy="${p.accuracy}">${marker(x(p.minibatch), y(p.accuracy))}` +
        `<title>${escapeXml(`${name === 'twin' ? 'float64 twin' : 'encrypted'}: ${(100 * p.accuracy).toFixed(2)}% after ${p.minibatch} minibatch${p.minibatch === 1 ? '' : 'es'}`)}</title></g>`);
    }
    out.push('</g>');
  };
  series('twin', curve.twin, false, (px, py) => `<circle cx="${fixed(px)}" cy="${fixed(py)}" r="3.5" fill="${COLORS.twin}"/>`);
  series('encrypted', curve.encrypted, true, (px, py) => `<rect x="${fixed(px - 5)}" y="${fixed(py - 5)}" width="10" height="10" fill="none" stroke="${COLORS.encrypted}" stroke-width="2"/>`);
  const ly = top + plotH + 56;
  out.push('<g class="legend">',
    `<line x1="${left}" y1="${ly}" x2="${left + 24}" y2="${ly}" stroke="${COLORS.twin}" stroke-width="2"/><circle cx="${left + 12}" cy="${ly}" r="3.5" fill="${COLORS.twin}"/>` +
      `<text x="${left + 30}" y="${ly + 4}">float64 twin, after every minibatch</text>`,
    `<line x1="${left + 260}" y1="${ly}" x2="${left + 284}" y2="${ly}" stroke="${COLORS.encrypted}" stroke-width="2" stroke-dasharray="6 4"/>` +
      `<rect x="${left + 267}" y="${ly - 5}" width="10" height="10" fill="#ffffff" stroke="${COLORS.encrypted}" stroke-width="2"/>` +
      `<text x="${left + 290}" y="${ly + 4}">encrypted model, at every refresh (round end)</text>`,
    '</g>', '</svg>');
  return `${out.join('\n')}\n`;
}
