import type { Segmentation, Span } from './types.js';

export interface RenderOptions {
  /** Between non-adjacent kept spans of one source. Default "\n". */
  readonly separator?: string;
  /** Between kept content of different sources. Default "\n\n". */
  readonly documentSeparator?: string;
  /** Between the pieces of one pruned unit. Default " ". */
  readonly wordSeparator?: string;
}

export interface Rendered {
  readonly text: string;
  readonly kept: Span[];
  readonly dropped: Span[];
}

/**
 * Renders kept units in source order. Adjacent kept units of a source become one span (the original white space between
 * them included); other spans are joined by the separator (same source), the document separator (different sources) or the
 * word separator (pieces of one pruned unit). `pieces[u]`, when given, replaces unit u's full range with sub-ranges.
 */
export function renderSelection(
  segmentation: Segmentation,
  keep: Uint8Array,
  options: RenderOptions = {},
  pieces?: ReadonlyMap<number, ReadonlyArray<readonly [number, number]>>,
): Rendered {
  const separator = options.separator ?? '\n';
  const documentSeparator = options.documentSeparator ?? '\n\n';
  const wordSeparator = options.wordSeparator ?? ' ';
  const { units, sources } = segmentation;
  const kept: Span[] = [];
  const parts: string[] = [];
  // the open kept span (curSource -1: none); plain locals rather than an object or closures, as this runs per unit
  let curSource = -1;
  let curStart = 0;
  let curEnd = 0;
  let lastSource = -1;
  let lastUnit = -1;
  for (let u = 0; u < units.length; u++) {
    if (keep[u] !== 1) continue;
    const unit = units[u]!;
    const ranges = pieces?.get(u);
    const count = ranges === undefined ? 1 : ranges.length;
    for (let r = 0; r < count; r++) {
      const s = ranges === undefined ? unit.start : ranges[r]![0];
      const e = ranges === undefined ? unit.end : ranges[r]![1];
      const adjacent = curSource !== -1 && curSource === unit.source && r === 0 && lastUnit === u - 1 && curEnd === units[u - 1]!.end && s === unit.start;
      if (adjacent) {
        curEnd = e;
        continue;
      }
      const hadPrevious = curSource !== -1 || kept.length > 0;
      if (curSource !== -1) {
        const src = sources[curSource]!;
        kept.push({ sourceId: src.id, start: curStart, end: curEnd });
        parts.push(src.text.slice(curStart, curEnd));
      }
      if (hadPrevious) parts.push(lastSource !== unit.source ? documentSeparator : r > 0 ? wordSeparator : separator);
      curSource = unit.source;
      curStart = s;
      curEnd = e;
      lastSource = unit.source;
    }
    lastUnit = u;
  }
  if (curSource !== -1) {
    const src = sources[curSource]!;
    kept.push({ sourceId: src.id, start: curStart, end: curEnd });
    parts.push(src.text.slice(curStart, curEnd));
  }
  return { text: parts.join(''), kept, dropped: droppedSpans(segmentation, keep, pieces) };
}

/**
 * What was left out, in source order: dropped units and the gaps between the pieces of pruned units, merged while they
 * are consecutive (same source, this unit or the one after the previous dropped range).
 */
function droppedSpans(segmentation: Segmentation, keep: Uint8Array, pieces: ReadonlyMap<number, ReadonlyArray<readonly [number, number]>> | undefined): Span[] {
  const { units, sources } = segmentation;
  const dropped: Span[] = [];
  let source = -1;
  let start = 0;
  let end = 0;
  let last = 0;
  for (let u = 0; u < units.length; u++) {
    const unit = units[u]!;
    const ranges = keep[u] === 1 ? pieces?.get(u) : undefined;
    if (keep[u] === 1 && ranges === undefined) continue;
    // a dropped unit is one range; a pruned unit contributes the gaps between its pieces
    const count = ranges === undefined ? 1 : ranges.length - 1;
    for (let r = 0; r < count; r++) {
      const s = ranges === undefined ? unit.start : ranges[r]![1];
      const e = ranges === undefined ? unit.end : ranges[r + 1]![0];
      if (source !== -1 && source === unit.source && last >= u - 1) {
        end = e;
        last = u;
        continue;
      }
      if (source !== -1) dropped.push({ sourceId: sources[source]!.id, start, end });
      source = unit.source;
      start = s;
      end = e;
      last = u;
    }
  }
  if (source !== -1) dropped.push({ sourceId: sources[source]!.id, start, end });
  return dropped;
}
