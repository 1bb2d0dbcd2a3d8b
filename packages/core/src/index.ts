/**
 * @ctxpress/core — the compression pipeline with no runtime dependencies:
 * segment → score → allocate → select → prune → render → verify.
 * @module
 */
export type {
  AllocationGroup,
  AllocationInput,
  AllocationResult,
  Allocator,
  Budget,
  CompressInput,
  CompressionResult,
  CompressionSummary,
  DocumentInput,
  Group,
  PruneContext,
  Pruner,
  Scorer,
  ScoringContext,
  Segmentation,
  SelectionInput,
  SelectionResult,
  Selector,
  Source,
  SourceFormat,
  SourceReport,
  Span,
  Tokenizer,
  Unit,
  UnitDecision,
  UnitKind,
  UnitReport,
} from './types.js';
export type { CompressOptions, Pipeline, Segmenter, WeightedScorer } from './options.js';
export { CtxpressError, isCtxpressError } from './errors.js';
export type { ErrorCode } from './errors.js';
export { checkLimitOptions } from './deadline.js';
export type { LimitOptions } from './deadline.js';
export { compressSync, prepareCompression, defaultPipeline, resolveBudget } from './compress.js';
export type { PreparedCompression } from './compress.js';
export { createSources, detectFormat } from './sources.js';
export { buildScoringContext, idf } from './scoring-context.js';
export { renderSelection } from './render.js';
export type { RenderOptions, Rendered } from './render.js';
export { structuredTextSegmenter } from './segmenters/structured-text-segmenter.js';
export type { StructuredTextSegmenterOptions } from './segmenters/structured-text-segmenter.js';
export { bm25Scorer } from './scorers/bm25-scorer.js';
export type { Bm25ScorerOptions } from './scorers/bm25-scorer.js';
export { neighbourScorer } from './scorers/neighbour-scorer.js';
export type { NeighbourScorerOptions } from './scorers/neighbour-scorer.js';
export { groupScorer } from './scorers/group-scorer.js';
export { referenceScorer } from './scorers/reference-scorer.js';
export type { ReferenceScorerOptions } from './scorers/reference-scorer.js';
export type { GroupScorerOptions } from './scorers/group-scorer.js';
export { informationScorer } from './scorers/information-scorer.js';
export { positionScorer } from './scorers/position-scorer.js';
export type { PositionScorerOptions } from './scorers/position-scorer.js';
export { combineScores } from './scorers/combine.js';
export { migAllocator, waterFill } from './allocators/mig-allocator.js';
export type { MigAllocatorOptions } from './allocators/mig-allocator.js';
export { greedySelector } from './selectors/greedy-selector.js';
export type { GreedySelectorOptions } from './selectors/greedy-selector.js';
export { wordPruner } from './pruners/word-pruner.js';
export { forEachSentence } from './text/sentences.js';
export { forEachTerm, terms, stem, isStopWord } from './text/terms.js';

import { structuredTextSegmenter } from './segmenters/structured-text-segmenter.js';
import type { Segmenter } from './options.js';
/** The segmenter `compress()` uses unless told otherwise. */
export function defaultSegmenter(): Segmenter {
  return structuredTextSegmenter();
}

// code-aware compression (language-independent parts; tree-sitter lives in @ctxpress/node)
export {
  knapsack,
  KNAPSACK_EXACT_LIMIT,
  indentationSegmenter,
  indentationItems,
  childrenOf,
  elisionSyntax,
  isDefinition,
  outlineLeaves,
  outlineSegmentation,
  compressCodeSync,
  normalizeCodeFiles,
  languageFromPath,
  normalizeLanguage,
  PARSED_LANGUAGES,
} from './code/index.js';
export type {
  CodeItem,
  CodeItemKind,
  CodeOutline,
  CodeSegmenter,
  ElisionSyntax,
  OutlineLeaf,
  CodeCompressOptions,
  CodeCompressionResult,
  CodeDecision,
  CodeFile,
  CodeFileReport,
  CodeUnitReport,
  ParsedLanguage,
} from './code/index.js';

// tool outputs: JSON, logs, content-type detection and dispatch
export { compressJson, detectJsonIndent, jsonErrorOffset } from './json/index.js';
export type { JsonCompressionOptions, JsonCompressionResult, JsonFold, JsonTruncation } from './json/index.js';
export { compressLogs, logTemplate, isErrorLine } from './logs/index.js';
export type { LogCompressionOptions, LogCompressionResult, LogGroup } from './logs/index.js';
export { compressToolOutput, detectContentType } from './content-type.js';
export type { ContentType, ToolOutputOptions, ToolOutputResult } from './content-type.js';

// chat / agent-history compression
export { compressChat, chatCacheKeys, countChatTokens, detectChatFormat, MESSAGE_OVERHEAD, COMPACT_FACTOR } from './chat/index.js';
export type { ChatCompressOptions, ChatCompressionResult, ChatDecision, ChatFidelity, ChatFormat } from './chat/index.js';

// segment cache
export { memoryCacheStore, hash128, SEGMENT_CACHE_SCHEMA, segmentCacheKeysFor, segmentCacheKeys, segmenterCacheId } from './cache/index.js';
export type { CacheStore, MemoryCacheStore, MemoryCacheStoreOptions, SegmentCacheOptions, SegmentCacheKeys } from './cache/index.js';

// the request model: one wire format and one typed request for every front door (ADR 0018)
export { parseCompressRequest, parseRegExpLiteral, defaultKeepPattern, readBudget, resolveRequestFormat, REQUEST_FIELDS, REQUEST_FORMATS } from './request/index.js';
export type {
  CompressRequest,
  TextRequest,
  DocumentsRequest,
  MessagesRequest,
  CodeRequest,
  JsonRequest,
  LogsRequest,
  RequestCommon,
  ProseOptions,
  WithKeep,
  RequestFormat,
  ResolvedFormat,
  ParseRequestOptions,
} from './request/index.js';
