/**
 * Grapheme-safe cut positions: `Intl.Segmenter` where the runtime has it, code points otherwise.
 * @module
 */

const graphemes: Intl.Segmenter | undefined =
  typeof Intl === 'object' && typeof Intl.Segmenter === 'function' ? new Intl.Segmenter(undefined, { granularity: 'grapheme' }) : undefined;

/** The greatest grapheme boundary (at least a code-point boundary) of `text` in (`start`, `p`], or `start`. */
export function graphemeBoundaryAtOrBefore(text: string, start: number, p: number): number {
  if (p <= start) return start;
  if (p >= text.length) return text.length;
  const c = text.charCodeAt(p);
  if (c >= 0xdc00 && c <= 0xdfff && p - 1 >= start) {
    const h = text.charCodeAt(p - 1);
    if (h >= 0xd800 && h <= 0xdbff) p--;
  }
  if (graphemes === undefined || p <= start) return p;
  // from the start when near (regional-indicator pairs and ZWJ sequences look back), else from a little before p
  const from = p - start <= 4096 ? start : p - 64;
  let best = -1;
  for (const g of graphemes.segment(text.slice(from, Math.min(text.length, p + 64)))) {
    const at = from + g.index;
    if (at > p) break;
    if (at > from || from === start) best = at;
  }
  return best > start ? best : p;
}
