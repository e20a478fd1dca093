/** Small helpers shared by the SVG pictures hekit draws (the level timeline, the CLI's accuracy curve). */

/** Text escaped for SVG element content and attribute values. */
export const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A tick step of 1, 2 or 5 times a power of ten, at least `smallest`, giving at most `most` intervals over `span`. */
export function tickStep(span: number, most: number, smallest = 1): number {
  for (let p = smallest; ; p *= 10) for (const m of [1, 2, 5]) if (span / (m * p) <= most) return m * p;
}
