/**
 * @ctxpress/core — the compression pipeline with no runtime dependencies:
 * segment → score → allocate → select → prune → render → verify.
 *
 * Naming (ADR 0020): a compressor that @ctxpress/node also exports is `<name>Sync` here — synchronous, with a
 * `Tokenizer` object — and `<name>` in @ctxpress/node — async, with a tokenizer name. Building blocks the packages
 * share but users do not need are in `@ctxpress/core/internal`; test helpers and contract suites in
 * `@ctxpress/core/testing`.
 * @module
 */
import { compressJson as compressJsonSync } from './json/index.js';
import { compressLogs as compressLogsSync } from './logs/index.js';
import { compressChat as compressChatSync } from './chat/index.js';
import { compressToolOutput as compressToolOutputSync } from './content-type.js';
import { structuredTextSegmenter } from './segmenters/structured-text-segmenter.js';
import type { Segmenter } from './options.js';

// types: inputs, results and the stage interfaces
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
export type { LimitOptions } from './deadline.js';

// errors
export { CtxpressError, isCtxpressError } from './errors.js';
export type { ErrorCode } from './errors.js';

// the text pipeline
export { compressSync, prepareCompression, defaultPipeline, resolveBudget } from './compress.js';
export type { PreparedCompression } from './compress.js';
export { detectFormat } from './sources.js';

/** The segmenter `compress()` uses unless told otherwise. */
export function defaultSegmenter(): Segmenter {
  return structuredTextSegmenter();
}

// pipeline stages (factories returning the interfaces above)
export { structuredTextSegmenter } from './segmenters/structured-text-segmenter.js';
export type { StructuredTextSegmenterOptions } from './segmenters/structured-text-segmenter.js';
export { bm25Scorer } from './scorers/bm25-scorer.js';
export type { Bm25ScorerOptions } from './scorers/bm25-scorer.js';
export { neighbourScorer } from './scorers/neighbour-scorer.js';
export type { NeighbourScorerOptions } from './scorers/neighbour-scorer.js';
export { groupScorer } from './scorers/group-scorer.js';
export type { GroupScorerOptions } from './scorers/group-scorer.js';
export { referenceScorer } from './scorers/reference-scorer.js';
export type { ReferenceScorerOptions } from './scorers/reference-scorer.js';
export { informationScorer } from './scorers/information-scorer.js';
export { positionScorer } from './scorers/position-scorer.js';
export type { PositionScorerOptions } from './scorers/position-scorer.js';
export { migAllocator } from './allocators/mig-allocator.js';
export type { MigAllocatorOptions } from './allocators/mig-allocator.js';
export { greedySelector } from './selectors/greedy-selector.js';
export type { GreedySelectorOptions } from './selectors/greedy-selector.js';
export { wordPruner } from './pruners/word-pruner.js';

// source code (language-independent parts; tree-sitter lives in @ctxpress/node)
export { compressCodeSync, indentationSegmenter, languageFromPath, PARSED_LANGUAGES } from './code/index.js';
export type {
  CodeItem,
  CodeItemKind,
  CodeOutline,
  CodeSegmenter,
  CodeCompressOptions,
  CodeCompressionResult,
  CodeDecision,
  CodeFile,
  CodeFileReport,
  CodeUnitReport,
  ParsedLanguage,
} from './code/index.js';

// tool outputs (JSON, logs, content-type detection) and chat histories
export { compressJsonSync, compressLogsSync, compressToolOutputSync, compressChatSync };
export { detectContentType } from './content-type.js';
export { countChatTokens, detectChatFormat } from './chat/index.js';
export type { JsonCompressionOptions, JsonCompressionResult, JsonFold, JsonTruncation } from './json/index.js';
export type { LogCompressionOptions, LogCompressionResult, LogGroup } from './logs/index.js';
export type { ContentType, ToolOutputOptions, ToolOutputResult } from './content-type.js';
export type { ChatCompressOptions, ChatCompressionResult, ChatDecision, ChatFidelity, ChatFormat } from './chat/index.js';

/** @deprecated Renamed `compressJsonSync` (ADR 0020); `compressJson` of @ctxpress/node is the async one that takes a tokenizer name. */
export const compressJson: typeof compressJsonSync = compressJsonSync;
/** @deprecated Renamed `compressLogsSync` (ADR 0020); `compressLogs` of @ctxpress/node is the async one that takes a tokenizer name. */
export const compressLogs: typeof compressLogsSync = compressLogsSync;
/** @deprecated Renamed `compressChatSync` (ADR 0020); `compressChat` of @ctxpress/node is the async one that takes a tokenizer name. */
export const compressChat: typeof compressChatSync = compressChatSync;
/** @deprecated Renamed `compressToolOutputSync` (ADR 0020); `compressToolOutput` of @ctxpress/node is the async one that takes a tokenizer name. */
export const compressToolOutput: typeof compressToolOutputSync = compressToolOutputSync;

// segment cache stores (the keys behind them are internal)
export { memoryCacheStore, tieredCacheStore } from './cache/index.js';
export type { CacheStore, MemoryCacheStore, MemoryCacheStoreOptions, SegmentCacheOptions, TieredCacheStore, TieredCacheStoreOptions } from './cache/index.js';

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
