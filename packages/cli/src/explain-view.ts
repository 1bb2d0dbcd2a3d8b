/**
 * The `--explain` terminal view: every source in order, kept text as is, dropped text dimmed and struck through
 * (or wrapped in `[-…-]` without colour), then one summary line. A pure function of the result and the source texts.
 * @module
 */
import type { CompressionResult, Span } from '@ctxpress/core';

/** The parts of a result the view reads. */
export type ExplainResult = Pick<CompressionResult, 'tokens' | 'ratio' | 'sources' | 'kept' | 'dropped' | 'timings'>;

export interface ExplainViewOptions {
  /** ANSI dim + strike-through for dropped text; `false` prints `[-dropped-]` markers instead. */
  readonly color: boolean;
  /** Milliseconds to report; defaults to `timings.total`, else the sum of the stage timings. */
  readonly timeMs?: number;
}

const DIM_STRIKE = '\x1b[2m\x1b[9m';
const BOLD = '\x1b[1m';
const RESET = '\x1b[0m';

type SegmentClass = 'kept' | 'dropped' | 'space';
interface Segment {
  cls: SegmentClass;
  text: string;
}

/**
 * Renders the explain view.
 *
 * @param result a compression result (only spans, sources, tokens, ratio and timings are read)
 * @param sourceTexts the text of each source, aligned with `result.sources` (for a titled document: `title + "\n" + text`)
 */
export function renderExplainView(result: ExplainResult, sourceTexts: readonly string[], options: ExplainViewOptions): string {
  const parts: string[] = [];
  const many = result.sources.length > 1;
  result.sources.forEach((source, index) => {
    const text = sourceTexts[index] ?? '';
    if (many) {
      if (index > 0) parts.push(parts[parts.length - 1]?.endsWith('\n') ? '\n' : '\n\n');
      parts.push(options.color ? `${BOLD}── ${source.id} ──${RESET}\n` : `── ${source.id} ──\n`);
    }
    if (text.length !== source.length) {
      parts.push(`(note: ${source.id} has ${text.length} characters here but ${source.length} in the result; highlighting may be off)\n`);
    }
    const segments = mergeDroppedRuns(segmentSource(text, source.id, result.kept, result.dropped));
    parts.push(segments.map((segment) => styleSegment(segment, options.color)).join(''));
  });
  let body = parts.join('');
  if (body.length > 0 && !body.endsWith('\n')) body += '\n';
  return `${body}\n${summaryLine(result, options)}\n`;
}

/** The closing line: tokens before → after, budget, ratio, span counts, time. */
export function summaryLine(result: ExplainResult, options: Pick<ExplainViewOptions, 'timeMs'> = {}): string {
  const { original, compressed, budget } = result.tokens;
  const timeMs = options.timeMs ?? totalTime(result.timings);
  return (
    `tokens ${original} → ${compressed} (budget ${budget}) · ratio ${formatRatio(result.ratio)} · ` +
    `kept ${result.kept.length} ${result.kept.length === 1 ? 'span' : 'spans'}, dropped ${result.dropped.length} · ${timeMs.toFixed(1)} ms`
  );
}

function totalTime(timings: Readonly<Record<string, number>>): number {
  const total = timings['total'];
  if (total !== undefined) return total;
  return Object.values(timings).reduce((sum, value) => sum + value, 0);
}

function formatRatio(ratio: number): string {
  if (ratio === Infinity) return '∞';
  if (!Number.isFinite(ratio)) return '–';
  return `${ratio.toFixed(2)}x`;
}

/** Cuts one source into kept, dropped and in-between segments, in source order. */
function segmentSource(text: string, sourceId: string, kept: readonly Span[], dropped: readonly Span[]): Segment[] {
  const spans = [
    ...kept.filter((span) => span.sourceId === sourceId).map((span) => ({ span, cls: 'kept' as const })),
    ...dropped.filter((span) => span.sourceId === sourceId).map((span) => ({ span, cls: 'dropped' as const })),
  ].sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end);

  const segments: Segment[] = [];
  let cursor = 0;
  let previous: SegmentClass | undefined;
  for (const { span, cls } of spans) {
    const start = Math.max(cursor, Math.min(span.start, text.length));
    const end = Math.min(Math.max(span.end, start), text.length);
    if (start > cursor) segments.push(...gapSegments(text.slice(cursor, start), previous, cls));
    if (end > start) segments.push({ cls, text: text.slice(start, end) });
    cursor = Math.max(cursor, end);
    previous = cls;
  }
  if (cursor < text.length) segments.push(...gapSegments(text.slice(cursor), previous, undefined));
  return segments;
}

/**
 * Text between units. Whitespace is layout; other text is in the output only when it sits between two kept spans
 * (the renderer copies the original text between adjacent kept units), otherwise it was left out.
 */
function gapSegments(text: string, before: SegmentClass | undefined, after: SegmentClass | undefined): Segment[] {
  const core = text.trim();
  if (core === '') return [{ cls: 'space', text }];
  if (before === 'kept' && after === 'kept') return [{ cls: 'kept', text }];
  const leading = text.slice(0, text.indexOf(core));
  const trailing = text.slice(leading.length + core.length);
  return [
    ...(leading ? [{ cls: 'space' as const, text: leading }] : []),
    { cls: 'dropped', text: core },
    ...(trailing ? [{ cls: 'space' as const, text: trailing }] : []),
  ];
}

/**
 * Joins neighbouring segments of one class, and dropped runs separated only by spaces on the same line, so a run of
 * dropped sentences reads as one `[-…-]` instead of many.
 */
function mergeDroppedRuns(segments: readonly Segment[]): Segment[] {
  const merged: Segment[] = [];
  for (let index = 0; index < segments.length; index++) {
    const segment = segments[index]!;
    const last = merged[merged.length - 1];
    const next = segments[index + 1];
    if (last && last.cls === segment.cls) {
      last.text += segment.text;
    } else if (last?.cls === 'dropped' && segment.cls === 'space' && !segment.text.includes('\n') && next?.cls === 'dropped') {
      last.text += segment.text;
    } else {
      merged.push({ ...segment });
    }
  }
  return merged;
}

function styleSegment(segment: Segment, color: boolean): string {
  if (segment.cls !== 'dropped') return segment.text;
  if (!color) return `[-${segment.text}-]`;
  // Styled line by line: pagers such as `less -R` reset attributes at each newline.
  return segment.text
    .split('\n')
    .map((line) => (line === '' ? line : `${DIM_STRIKE}${line}${RESET}`))
    .join('\n');
}
