/**
 * The shape of `POST /v1/compress` responses, and their size limit.
 *
 * The library's result objects repeat a source's id (a document id, a code file's path) in every span and explain
 * unit: a 117 KB request with a 2 KB document id and 29k one-sentence units made a 64 MB response (203 MB with
 * alternating kept and dropped spans). The service's default, `shape: "compact"`, names each source once and writes
 * spans as `[sourceIndex, start, end]` arrays and explain's units as columns, so a response is bounded by a small
 * multiple of its request. `shape: "full"` returns the library's object as it is. Either way the response must fit the
 * limit (`maxResponseRatio` × the request's size, at least 1 MiB, at most `maxResponseBytes`), else 413
 * RESPONSE_TOO_LARGE — estimated before any JSON is built, then checked on the JSON itself.
 * @module
 */
import { CtxpressError, type ErrorCode, type ResolvedFormat } from '@ctxpress/core';

export const RESPONSE_SHAPES = ['compact', 'full'] as const;
export type ResponseShape = (typeof RESPONSE_SHAPES)[number];

/** The code of a response over its limit (a 413). */
export const RESPONSE_TOO_LARGE = 'RESPONSE_TOO_LARGE';

/** Never less than this, whatever the request's size. */
export const MIN_RESPONSE_LIMIT = 1024 * 1024;

/** The response limit of a request of `requestBytes`. */
export function responseLimit(requestBytes: number, ratio: number, maxBytes: number): number {
  return Math.min(maxBytes, Math.max(MIN_RESPONSE_LIMIT, ratio * requestBytes));
}

/** A response over its limit. A CtxpressError so that it crosses from a worker thread with its code. */
export function responseTooLarge(bytes: number, limit: number, estimated: boolean): CtxpressError {
  return new CtxpressError(
    RESPONSE_TOO_LARGE as ErrorCode,
    `the response would be ${estimated ? 'about ' : ''}${bytes} bytes, over this request's limit of ${Math.floor(limit)} bytes ` +
      `(maxResponseRatio × the request's size, at least 1 MiB, at most maxResponseBytes); ` +
      'ask for less (explain: false), use shorter document ids, or send the request in parts.',
  );
}

export function isResponseTooLarge(error: unknown): boolean {
  return error instanceof CtxpressError && (error.code as string) === RESPONSE_TOO_LARGE;
}

type Span = { readonly sourceId: string; readonly start: number; readonly end: number };
type Row = Record<string, unknown>;

/** Unit columns of the compact shape: `kind` and `decision` as indices into `kinds` / `decisions`. */
export interface CompactUnits {
  readonly count: number;
  readonly source: number[];
  readonly start: number[];
  readonly end: number[];
  readonly kinds: string[];
  readonly kind: number[];
  readonly tokens: number[];
  readonly score: number[];
  readonly groupValue: number[];
  readonly gain: number[];
  readonly decisions: string[];
  readonly decision: number[];
  /** Each scorer's raw score, by scorer name (null where a unit has none). Scores have 6 significant digits. */
  readonly scores: Record<string, (number | null)[]>;
}

/** Explain's scores in the compact shape: 6 significant digits (`0.176777`, not `0.17677669529663687`). */
function round(value: number): number {
  return Number.isFinite(value) && value !== 0 ? Number(value.toPrecision(6)) : value;
}

function indexer(): (value: string, table: string[]) => number {
  const maps = new Map<string[], Map<string, number>>();
  return (value, table) => {
    let map = maps.get(table);
    if (map === undefined) maps.set(table, (map = new Map(table.map((entry, index) => [entry, index]))));
    let index = map.get(value);
    if (index === undefined) {
      index = table.length;
      table.push(value);
      map.set(value, index);
    }
    return index;
  };
}

/** A span as `[sourceIndex, start, end]` (an unknown id gets -1: not produced by the library). */
function spanRow(span: Span, sourceIndex: ReadonlyMap<string, number>): [number, number, number] {
  return [sourceIndex.get(span.sourceId) ?? -1, span.start, span.end];
}

function compactUnits(units: readonly Row[], sourceIndex: ReadonlyMap<string, number>): CompactUnits {
  const index = indexer();
  const columns: CompactUnits = {
    count: units.length,
    source: [],
    start: [],
    end: [],
    kinds: [],
    kind: [],
    tokens: [],
    score: [],
    groupValue: [],
    gain: [],
    decisions: [],
    decision: [],
    scores: {},
  };
  units.forEach((unit, position) => {
    const span = unit['span'] as Span;
    columns.source.push(sourceIndex.get(span.sourceId) ?? -1);
    columns.start.push(span.start);
    columns.end.push(span.end);
    columns.kind.push(index(String(unit['kind']), columns.kinds));
    columns.tokens.push(unit['tokens'] as number);
    columns.score.push(round(unit['score'] as number));
    columns.groupValue.push(round(unit['groupValue'] as number));
    columns.gain.push(round(unit['gain'] as number));
    columns.decision.push(index(String(unit['decision']), columns.decisions));
    for (const [name, value] of Object.entries((unit['scores'] as Record<string, number> | undefined) ?? {})) {
      const column = (columns.scores[name] ??= new Array<number | null>(position).fill(null));
      column.push(round(value));
    }
    for (const column of Object.values(columns.scores)) if (column.length <= position) column.push(null);
  });
  return columns;
}

/**
 * The compact shape of a result: text, markdown and auto results get `kept` / `dropped` as `[sourceIndex, start, end]`
 * (the index into `sources`) and `units` as columns; code results get each file's `kept` / `skeleton` as
 * `[fileIndex, start, end]` and units with `file` (an index into `files`) instead of `path`; logs results get `kept` as
 * `[0, start, end]`; each of these says `shape: "compact"` first, so a client can tell the shapes apart. Chat and JSON
 * results have no per-span ids and are returned as they are.
 */
export function compactResult(format: ResolvedFormat, result: Row): Row {
  switch (format) {
    case 'text':
    case 'markdown':
    case 'auto': {
      const sources = (result['sources'] as readonly { id: string }[] | undefined) ?? [];
      const sourceIndex = new Map(sources.map((source, index) => [source.id, index]));
      const { units, ...rest } = result;
      return {
        shape: 'compact',
        ...rest,
        kept: ((result['kept'] as Span[] | undefined) ?? []).map((span) => spanRow(span, sourceIndex)),
        dropped: ((result['dropped'] as Span[] | undefined) ?? []).map((span) => spanRow(span, sourceIndex)),
        ...(Array.isArray(units) ? { units: compactUnits(units as Row[], sourceIndex) } : {}),
      };
    }
    case 'code': {
      const files = (result['files'] as Row[] | undefined) ?? [];
      const fileIndex = new Map(files.map((file, index) => [String(file['path']), index]));
      const { units, ...rest } = result;
      return {
        shape: 'compact',
        ...rest,
        files: files.map((file) => ({
          ...file,
          kept: ((file['kept'] as Span[] | undefined) ?? []).map((span) => spanRow(span, fileIndex)),
          skeleton: ((file['skeleton'] as Span[] | undefined) ?? []).map((span) => spanRow(span, fileIndex)),
        })),
        ...(Array.isArray(units)
          ? {
              units: (units as Row[]).map(({ path, ...unit }) => ({ file: fileIndex.get(String(path)) ?? -1, ...unit })),
            }
          : {}),
      };
    }
    case 'logs':
      return { shape: 'compact', ...result, kept: ((result['kept'] as Span[] | undefined) ?? []).map((span) => [0, span.start, span.end]) };
    case 'chat':
    case 'json':
      return result;
  }
}

/**
 * The JSON size of a value, estimated without building the JSON: exact for numbers, booleans, null and ASCII strings
 * without escapes, a little under for the rest (a string counts its UTF-16 length). A span's repeated id counts at
 * each occurrence, as JSON.stringify writes it. Stops counting once over `stopAbove`.
 */
export function estimateJsonBytes(value: unknown, stopAbove = Infinity): number {
  let total = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === 'string') total += item.length + 2;
    else if (typeof item === 'number') total += Number.isFinite(item) ? String(item).length : 4;
    else if (typeof item === 'boolean') total += item ? 4 : 5;
    else if (item === null || item === undefined) total += 4;
    else if (Array.isArray(item)) {
      total += 1 + Math.max(1, item.length);
      for (const entry of item) stack.push(entry);
    } else if (typeof item === 'object') {
      const entries = Object.entries(item as Row);
      total += 1 + Math.max(1, entries.length);
      for (const [key, entry] of entries) {
        total += key.length + 3;
        stack.push(entry);
      }
    }
    if (total > stopAbove) return total;
  }
  return total;
}

/** Converts a result to its shape and refuses it (413) when its estimated JSON size is over `limit`. */
export function shapeResult(format: ResolvedFormat, result: unknown, shape: ResponseShape, limit: number): unknown {
  const shaped = shape === 'compact' ? compactResult(format, result as Row) : result;
  const estimate = estimateJsonBytes(shaped, limit);
  if (estimate > limit) throw responseTooLarge(estimate, limit, true);
  return shaped;
}
