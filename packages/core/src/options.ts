import type { Allocator, Budget, Pruner, Scorer, Segmenter, Selector, SourceFormat, Tokenizer } from './types.js';
import type { SegmentCacheOptions } from './cache/segment-cache.js';
import type { LimitOptions } from './deadline.js';

export type { Segmenter } from './types.js';

/** A scorer and its weight in the combined score. */
export interface WeightedScorer {
  readonly scorer: Scorer;
  readonly weight: number;
}

/**
 * The stages of the pipeline, each a value. `compress()` fills in defaults for the ones left out; see `defaultPipeline()`.
 * `queryScorers` are used when a query is given, `agnosticScorers` when it is not.
 */
export interface Pipeline {
  readonly segmenter: Segmenter;
  readonly queryScorers: readonly WeightedScorer[];
  readonly agnosticScorers: readonly WeightedScorer[];
  readonly allocator: Allocator | undefined;
  readonly selector: Selector;
  /** The selector without a query (defaults to `selector`). */
  readonly agnosticSelector?: Selector | undefined;
  readonly pruner: Pruner | undefined;
}

/** `signal` and `timeLimitMs` (see `LimitOptions`) are opt-in limits: results are unchanged when they are not reached. */
export interface CompressOptions extends LimitOptions {
  readonly budget: Budget;
  readonly tokenizer: Tokenizer;
  /** With a query, relevance to it leads; without, informative non-redundant content is kept. */
  readonly query?: string;
  /** Applies to a string input and to documents without their own format. Default `auto`. */
  readonly format?: SourceFormat | 'auto';
  /** Text that must survive: every match of these patterns (strings match literally) is kept whole. */
  readonly keep?: readonly (RegExp | string)[];
  /** Placed between two kept spans of one source that are not adjacent. Default `"\n"`. */
  readonly separator?: string;
  /** Placed between kept content of different sources. Default `"\n\n"`. */
  readonly documentSeparator?: string;
  /**
   * Word-level pruning inside kept sentences (LLMLingua-2 style). `false` (default) keeps whole sentences;
   * a number in (0, 1) is the largest fraction of a sentence's words that may be deleted.
   */
  readonly prune?: false | number;
  /** Adds `units` with every unit's scores and decision to the result. */
  readonly explain?: boolean;
  /** Replace any stage. */
  readonly pipeline?: Partial<Pipeline>;
  /**
   * Reuse per-document work (segmentation, token counts, term lists) across calls, keyed by content hash: a synchronous
   * store such as `memoryCacheStore()`. Outputs are identical with and without it (docs/decisions/0010-segment-cache.md).
   */
  readonly cache?: SegmentCacheOptions | undefined;
}
