/**
 * @ctxpress/node — `compress()` with real tokenizers by name, the async format compressors, source code with
 * tree-sitter, cache stores, and the request model's dispatcher; plus the parts of @ctxpress/core a Node user needs.
 *
 * Naming (ADR 0020): the compressors here are async and take the tokenizer by name (default o200k_base) or as an
 * object; @ctxpress/core's synchronous ones with a `Tokenizer` object end in `Sync` (`compressSync`, `compressCodeSync`,
 * `compressJsonSync`, …).
 * @module
 */
import { CtxpressError } from '@ctxpress/core';
import type { CompressInput, CompressionResult } from '@ctxpress/core';
import { compressWithCache } from './cache/index.js';
import type { CachedCompressOptions } from './cache/index.js';

// tokenizers
export { getTokenizer, resolveTokenizerName, tokenizerNames } from './tokenizers/registry.js';
export type { TokenizerName } from './tokenizers/registry.js';
export { openAiTokenizer } from './tokenizers/openai.js';
export { huggingFaceTokenizer } from './tokenizers/hugging-face.js';
export { resolveTokenizer } from './structured.js';

// errors, types and the pipeline from @ctxpress/core
export { CtxpressError, isCtxpressError } from '@ctxpress/core';
export type { ErrorCode, CompressInput, CompressionResult, CompressionSummary, DocumentInput, Span, Tokenizer, UnitReport, Pipeline, Budget } from '@ctxpress/core';
export {
  compressSync,
  defaultPipeline,
  detectFormat,
  structuredTextSegmenter,
  bm25Scorer,
  neighbourScorer,
  groupScorer,
  informationScorer,
  positionScorer,
  migAllocator,
  greedySelector,
  wordPruner,
} from '@ctxpress/core';

/**
 * `compress()` options: as in @ctxpress/core, but the tokenizer may be a name (default o200k_base), and `cache` may be
 * `'memory'`, `{ directory }` (an on-disk store), or any `CacheStore` (e.g. from `createCacheStore`).
 */
export type NodeCompressOptions = CachedCompressOptions;

/**
 * Compresses a text or a list of documents to a token budget in the target model's tokenizer.
 *
 * @example
 * import { compress } from '@ctxpress/node';
 * const result = await compress(longText, { query: 'What limits battery life?', budget: { ratio: 4 } });
 * console.log(result.text, result.tokens);
 */
export async function compress(input: CompressInput, options: NodeCompressOptions): Promise<CompressionResult> {
  if (typeof options !== 'object' || options === null) {
    throw new CtxpressError('INVALID_OPTION', 'options are required: { budget: { tokens } | { ratio }, query?, tokenizer? }.');
  }
  return compressWithCache(input, options);
}

// tool outputs (JSON, logs) and chat histories: async, tokenizer by name
export { compressToolOutput, compressJson, compressLogs, compressChat } from './structured.js';
export type { WithNamedTokenizer, NodeChatCompressOptions } from './structured.js';
// for framework integrations: one model call's chat input, with threshold, fail-open and statistics
export { compressChatForModel, checkModelChatOptions, modelTokenizerName } from './model-chat.js';
export type { ModelChatInput, ModelChatOptions, ModelChatOutcome, ModelChatStats } from './model-chat.js';
// for retriever integrations: retrieved texts compressed jointly, kept spans and scores per text
export { compressRetrieved } from './retrieved.js';
export type { RetrievedOptions, RetrievedText } from './retrieved.js';
export { detectContentType, detectChatFormat, countChatTokens } from '@ctxpress/core';
export type {
  ContentType,
  JsonCompressionOptions,
  JsonCompressionResult,
  LogCompressionOptions,
  LogCompressionResult,
  ToolOutputOptions,
  ToolOutputResult,
  ChatCompressOptions,
  ChatCompressionResult,
  ChatDecision,
  ChatFormat,
} from '@ctxpress/core';

// source code: tree-sitter outlines (optional peer dependencies), indentation otherwise
export { compressCode, loadCodeSegmenter, treeSitterSegmenter, hasParser, parseErrors } from './code/index.js';
export type { NodeCodeCompressOptions } from './code/index.js';
export { languageFromPath } from '@ctxpress/core';
export type { CodeCompressionResult, CodeFile } from '@ctxpress/core';

// cache stores (the caller owns and closes what createCacheStore returns)
export { createCacheStore, fileCacheStore, redisCacheStore, isRedisUrl, isValidRedisUrl, redactRedisUrl } from './cache/index.js';
export type {
  FileCacheStore,
  FileCacheStoreOptions,
  RedisCacheStore,
  RedisCacheStoreOptions,
  RedisCacheStoreUrlOptions,
  RedisCacheStoreClientOptions,
  CacheEvent,
  CachedCompressOptions,
  NodeCacheOption,
  CacheSpec,
  OwnedCacheStore,
} from './cache/index.js';
export { memoryCacheStore, tieredCacheStore } from '@ctxpress/core';
export type { CacheStore, SegmentCacheOptions, TieredCacheStoreOptions } from '@ctxpress/core';

// the request model (ADR 0018): parse the wire format, then run it on the compressor its format resolves to
export { compressRequest } from './request.js';
export type { CompressRequestContext, CompressRequestResult } from './request.js';
export { parseCompressRequest, defaultKeepPattern, parseRegExpLiteral, readBudget, resolveRequestFormat, REQUEST_FORMATS } from '@ctxpress/core';
export type { CompressRequest, ParseRequestOptions, RequestFormat, ResolvedFormat } from '@ctxpress/core';

// keep patterns in linear time (RE2), as the HTTP service runs them
export { linearRegExp, LinearRegExp } from './linear-regexp.js';
