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
  const dropped: Span[] = [];
  const parts: string[] = [];
  let cur: { source: number; start: number; end: number; unit: number } | undefined;
  let dropCur: { source: number; start: number; end: number; unit: number } | undefined;
  const flush = (): void => {
    if (cur === undefined) return;
    const src = sources[cur.source]!;
    kept.push({ sourceId: src.id, start: cur.start, end: cur.end });
    parts.push(src.text.slice(cur.start, cur.end));
    cur = undefined;
  };
  let lastSource = -1;
  let lastUnit = -1;
  const addDropped = (source: number, start: number, end: number, unit: number): void => {
    if (dropCur !== undefined && dropCur.source === source && dropCur.unit >= unit - 1) {
      dropCur.end = end;
      dropCur.unit = unit;
      return;
    }
    if (dropCur !== undefined) dropped.push({ sourceId: sources[dropCur.source]!.id, start: dropCur.start, end: dropCur.end });
    dropCur = { source, start, end, unit };
  };
  for (let u = 0; u < units.length; u++) {
    const unit = units[u]!;
    if (keep[u] !== 1) {
      addDropped(unit.source, unit.start, unit.end, u);
      continue;
    }
    const ranges = pieces?.get(u) ?? [[unit.start, unit.end] as const];
    for (let r = 0; r < ranges.length; r++) {
      const [s, e] = ranges[r]!;
      if (r > 0) addDropped(unit.source, ranges[r - 1]![1], s, u);
      const adjacent = cur !== undefined && cur.source === unit.source && r === 0 && lastUnit === u - 1 && cur.end === units[u - 1]!.end && s === unit.start;
      if (adjacent && cur !== undefined) {
        cur.end = e;
        cur.unit = u;
        continue;
      }
      const hadPrevious = cur !== undefined || kept.length > 0;
      flush();
      if (hadPrevious) parts.push(lastSource !== unit.source ? documentSeparator : r > 0 ? wordSeparator : separator);
      cur = { source: unit.source, start: s, end: e, unit: u };
      lastSource = unit.source;
    }
    lastUnit = u;
  }
  flush();
  if (dropCur !== undefined) dropped.push({ sourceId: sources[dropCur.source]!.id, start: dropCur.start, end: dropCur.end });
  return { text: parts.join(''), kept, dropped };
}
