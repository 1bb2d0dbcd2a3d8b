/**
 * `@ctxpress/core/internal`: building blocks the ctxpress packages share with each other (@ctxpress/node, the server,
 * the bench) that are not part of the public API. Anything here may change or go away in any release; if you need one
 * of these, open an issue so it can be made public with a name and a contract (ADR 0020).
 * @module
 */

// options and limits
export { checkLimitOptions } from './deadline.js';
export { parseDecimal } from './text/decimal.js';

// the text pipeline's parts below the stage interfaces
export { createSources } from './sources.js';
export { buildScoringContext, idf } from './scoring-context.js';
export { renderSelection } from './render.js';
export type { RenderOptions, Rendered } from './render.js';
export { combineScores } from './scorers/combine.js';
export { waterFill } from './allocators/mig-allocator.js';
export { forEachSentence } from './text/sentences.js';
export { forEachTerm, terms, stem, isStopWord } from './text/terms.js';

// code: outlines, costs and the knapsack behind compressCodeSync
export {
  knapsack,
  KNAPSACK_EXACT_LIMIT,
  indentationItems,
  childrenOf,
  elisionSyntax,
  isDefinition,
  outlineLeaves,
  outlineSegmentation,
  normalizeCodeFiles,
  normalizeLanguage,
} from './code/index.js';
export type { ElisionSyntax, OutlineLeaf } from './code/index.js';

// JSON, logs and chat helpers
export { detectJsonIndent, jsonErrorOffset } from './json/index.js';
export { logTemplate, isErrorLine } from './logs/index.js';
export { chatCacheKeys, MESSAGE_OVERHEAD, COMPACT_FACTOR } from './chat/index.js';

// segment and count cache keys (the stores themselves are public)
export { hash128 } from './cache/hash.js';
export { SEGMENT_CACHE_SCHEMA, segmentCacheKeys, segmenterCacheId } from './cache/segment-cache.js';
export type { SegmentCacheKeys } from './cache/segment-cache.js';
export { segmentCacheKeysFor } from './cache/keys.js';
export { cachedCounter, countCacheKey, countCacheKeys, COUNT_CACHE_MIN_CHARS } from './cache/count-cache.js';
