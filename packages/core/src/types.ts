/**
 * Data types shared by every stage of the pipeline. Data only: no behaviour lives here.
 *
 * Offsets are half-open `[start, end)` ranges in UTF-16 code units of a source's `text`.
 * @module
 */

/** How a source's text is to be read. */
export type SourceFormat = 'text' | 'markdown';

/** One document as the caller gives it. */
export interface DocumentInput {
  readonly id?: string;
  /** Rendered as the document's first line (`title\ntext`); offsets then count from the title's first character. */
  readonly title?: string;
  readonly text: string;
  /** `auto` (default) detects Markdown from headings, fences, lists and tables. */
  readonly format?: SourceFormat | 'auto';
}

/** What `compress()` accepts: one text, or a list of documents. */
export type CompressInput = string | readonly DocumentInput[];

/** A source after normalisation: `text` is exactly what offsets point into. */
export interface Source {
  readonly id: string;
  readonly index: number;
  readonly text: string;
  readonly format: SourceFormat;
  /** Length of the title prefix (`title\n`), 0 when the document has no title. */
  readonly titleLength: number;
}

/** A `[start, end)` range of one source. */
export interface Span {
  readonly sourceId: string;
  readonly start: number;
  readonly end: number;
}

/** What a unit is, structurally. Later segmenters (code, chat, JSON) add kinds here. */
export type UnitKind =
  | 'title'
  | 'heading'
  | 'sentence'
  | 'line'
  | 'list-item'
  | 'table-row'
  | 'code-block'
  | 'message'
  | 'code-symbol'
  | 'json-node';

/**
 * The smallest piece the selector keeps or drops whole. Units never overlap, and within a source they are in order.
 * `block` is the paragraph-level container (a paragraph, list, table, code fence); `section` is the heading-delimited
 * region around it. Together with `source` they form the tree document > section > block > unit.
 */
export interface Unit {
  readonly index: number;
  readonly source: number;
  readonly section: number;
  readonly block: number;
  readonly start: number;
  readonly end: number;
  readonly kind: UnitKind;
  /** Position of the unit inside its block (0 = first). */
  readonly positionInBlock: number;
  /** A unit this one needs to make sense (a table's header row, a block's header line), or -1. Kept along with it. */
  readonly anchor: number;
}

/** A container of consecutive units (a block, a section or a whole source). */
export interface Group {
  readonly index: number;
  readonly source: number;
  readonly start: number;
  readonly end: number;
  /** Units `[unitStart, unitEnd)` belong to this group. */
  readonly unitStart: number;
  readonly unitEnd: number;
}

/** The segmented input: flat arrays so hot loops index typed data instead of walking objects. */
export interface Segmentation {
  readonly sources: readonly Source[];
  readonly units: readonly Unit[];
  readonly blocks: readonly Group[];
  readonly sections: readonly Group[];
}

/** Token budget: an exact count, or a compression ratio (target = floor(original / ratio)). */
export type Budget = { readonly tokens: number } | { readonly ratio: number };

/** Counts tokens in the target model's tokenizer. */
export interface Tokenizer {
  readonly name: string;
  /** Number of tokens of `text`. Special-token text (`<|endoftext|>`) counts as plain text; never throws on content. */
  count(text: string): number;
  /**
   * Optional fast path: tokenises `text` once and returns its exact token count plus, for each sorted, non-overlapping
   * range `[starts[i], ends[i])`, the tokens that begin inside it (a token is placed by its first non-space character;
   * tokens of white space between ranges belong to none). Lets the pipeline count the input and every unit in one pass.
   */
  countRanges?(text: string, starts: Uint32Array, ends: Uint32Array): { readonly total: number; readonly counts: Uint32Array };
}

/**
 * Per-unit data every scorer may read. Built once per call: every unit is tokenised (target tokenizer) once and its terms
 * extracted once, into flat typed arrays (CSR layout: the terms of unit `i` are `termIds[termOffsets[i] .. termOffsets[i+1])`).
 */
export interface ScoringContext {
  readonly segmentation: Segmentation;
  /** Unit texts, `units[i]` ↔ `texts[i]`. */
  readonly texts: readonly string[];
  /** Token count of each unit in the target tokenizer. */
  readonly tokens: Uint32Array;
  readonly termOffsets: Uint32Array;
  readonly termIds: Uint32Array;
  /** Term string → id. */
  readonly vocabulary: ReadonlyMap<string, number>;
  /** Number of units each term occurs in. */
  readonly documentFrequency: Uint32Array;
  /** Distinct query term ids (empty without a query) and how often each occurs in the query. */
  readonly queryTermIds: Uint32Array;
  readonly queryTermCounts: Uint32Array;
  /** The query's terms that do not occur in the input (they still count for pruning protection). */
  readonly queryTermsMissing: readonly string[];
  readonly query: string | undefined;
}

/** Scores every unit on its own; higher means more worth keeping. Pure: same input, same output. */
export interface Scorer {
  readonly name: string;
  score(context: ScoringContext): Float64Array;
}

/** A coarse group that receives a share of the budget. */
export interface AllocationGroup {
  /** Units `[unitStart, unitEnd)`. */
  readonly unitStart: number;
  readonly unitEnd: number;
}

/** Splits the budget across groups. Returns one token cap per group (sum ≤ budget, cap ≤ group size). */
export interface Allocator {
  readonly name: string;
  allocate(input: AllocationInput): AllocationResult;
}

export interface AllocationInput {
  readonly context: ScoringContext;
  readonly unitScores: Float64Array;
  readonly budget: number;
  /** Units that must be kept; their tokens are already taken from `budget`. */
  readonly pinned: Uint8Array;
}

export interface AllocationResult {
  readonly groups: readonly AllocationGroup[];
  /** Token cap per group. */
  readonly caps: Float64Array;
  /** The value the allocator gave each group (relevance minus redundancy), for explain mode. */
  readonly values: Float64Array;
  /** Group of each unit. */
  readonly groupOfUnit: Uint32Array;
}

/** Chooses units under the budget. Returns a 0/1 mask over units. Pinned units are always kept. */
export interface Selector {
  readonly name: string;
  select(input: SelectionInput): SelectionResult;
}

export interface SelectionInput {
  readonly context: ScoringContext;
  readonly unitScores: Float64Array;
  readonly allocation: AllocationResult | undefined;
  readonly pinned: Uint8Array;
  /** Token budget for the units, separators already estimated in. */
  readonly budget: number;
  /** Estimated token cost of the separator between two non-adjacent kept units. */
  readonly separatorTokens: number;
}

export interface SelectionResult {
  readonly keep: Uint8Array;
  /** Marginal gain at the time each unit was picked (NaN when never picked), for explain mode. */
  readonly gains: Float64Array;
}

/** Deletes low-information words inside kept units. Returns kept sub-ranges of the unit, in order. */
export interface Pruner {
  readonly name: string;
  /**
   * @param unit the unit to prune
   * @param ratio fraction of the unit's words it may delete (0..1)
   * @returns kept `[start, end)` ranges in source offsets, covering every protected span
   */
  prune(unit: Unit, context: PruneContext, ratio: number): Array<readonly [number, number]>;
}

export interface PruneContext {
  readonly source: Source;
  readonly queryTerms: ReadonlySet<string>;
  readonly keep: readonly RegExp[];
  /** Self-information estimate of a lower-cased word (higher = more informative). */
  readonly information: (word: string) => number;
}

/** Why a unit was kept or dropped, in explain mode. */
export type UnitDecision = 'kept' | 'pinned' | 'dropped' | 'trimmed';

export interface UnitReport {
  readonly span: Span;
  readonly kind: UnitKind;
  readonly tokens: number;
  /** Each scorer's raw score, by scorer name. */
  readonly scores: Readonly<Record<string, number>>;
  /** Combined score used by the selector. */
  readonly score: number;
  readonly groupValue: number;
  readonly gain: number;
  readonly decision: UnitDecision;
}

/** Per-source facts of the result. */
export interface SourceReport {
  readonly id: string;
  readonly titleLength: number;
  readonly length: number;
}

/** What every compressor's result has: the compressed text, token counts and ratio. */
export interface CompressionSummary {
  /** The compressed input as text. */
  readonly text: string;
  readonly tokens: { readonly original: number; readonly compressed: number; readonly budget: number };
  /** original / compressed tokens (Infinity when compressed is 0 and original is not). */
  readonly ratio: number;
}

export interface CompressionResult extends CompressionSummary {
  /** The compressed context: kept spans in source order, joined by the original text between adjacent spans or the separator. */
  readonly text: string;
  readonly tokens: { readonly original: number; readonly compressed: number; readonly budget: number };
  /** original / compressed tokens (Infinity when compressed is 0 and original is not). */
  readonly ratio: number;
  readonly sources: readonly SourceReport[];
  /** Kept spans, source order. The rendered text is exactly these spans joined as described for `text`. */
  readonly kept: readonly Span[];
  /** Dropped spans (the complement of `kept` among units), source order. */
  readonly dropped: readonly Span[];
  /** Milliseconds per stage. */
  readonly timings: Readonly<Record<string, number>>;
  /** Explain mode only. */
  readonly units?: readonly UnitReport[];
}

/** Turns sources into units. (Here rather than in options.ts so that the cache, which options.ts names, can use it.) */
export interface Segmenter {
  readonly name: string;
  segment(sources: readonly Source[]): Segmentation;
}
