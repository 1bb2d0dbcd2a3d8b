/**
 * @ctxpress/node — `compress()` with real tokenizers by name, plus everything from @ctxpress/core.
 * @module
 */
import { CtxpressError } from '@ctxpress/core';
import type { CompressInput, CompressionResult } from '@ctxpress/core';
import { compressWithCache } from './cache/index.js';
import type { CachedCompressOptions } from './cache/index.js';

export { getTokenizer, resolveTokenizerName, tokenizerNames } from './tokenizers/registry.js';
export type { TokenizerName } from './tokenizers/registry.js';
export { openAiTokenizer } from './tokenizers/openai.js';
export { linearRegExp, LinearRegExp } from './linear-regexp.js';
export { huggingFaceTokenizer } from './tokenizers/hugging-face.js';
export {
  CtxpressError,
  isCtxpressError,
  compressSync,
  defaultPipeline,
  createSources,
  detectFormat,
  renderSelection,
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
export type { CompressInput, CompressionResult, DocumentInput, Span, Tokenizer, UnitReport, Pipeline, Budget } from '@ctxpress/core';

/**
 * `compress()` options: as in @ctxpress/core, but the tokenizer may be a name (default o200k_base), and `cache` may be
 * `'memory'`, `{ directory }` (an on-disk store), a `redis://` / `rediss://` URL (a shared Redis store) or any `CacheStore`.
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

export { detectContentType, detectChatFormat, countChatTokens } from '@ctxpress/core';
export type { ContentType, JsonCompressionResult, LogCompressionResult, ToolOutputResult, ChatCompressionResult, ChatDecision, ChatFormat } from '@ctxpress/core';
export { compressToolOutput, compressJson, compressLogs, compressChat, resolveTokenizer } from './structured.js';
export type { WithNamedTokenizer, NodeChatCompressOptions } from './structured.js';
export { compressCode, loadCodeSegmenter, treeSitterSegmenter, hasParser, parseErrors } from './code/index.js';
export type { NodeCodeCompressOptions } from './code/index.js';
export { languageFromPath } from '@ctxpress/core';
export type { CodeCompressionResult, CodeFile } from '@ctxpress/core';
export { createCacheStore, fileCacheStore, redisCacheStore, isRedisUrl, isValidRedisUrl, redactRedisUrl, compressWithCache, resolveCacheStore, sha256Hex } from './cache/index.js';
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
export { memoryCacheStore } from '@ctxpress/core';
export { tieredCacheStore } from '@ctxpress/core/cache';
export type { TieredCacheStoreOptions } from '@ctxpress/core/cache';
export type { CacheStore, SegmentCacheOptions } from '@ctxpress/core';

// the request model (ADR 0018): parse the wire format, then run it on the compressor its format resolves to
export { compressRequest } from './request.js';
export type { CompressRequestContext, CompressRequestResult } from './request.js';
export { parseCompressRequest, defaultKeepPattern, parseRegExpLiteral, resolveRequestFormat, REQUEST_FORMATS } from '@ctxpress/core';
export type { CompressRequest, CompressionSummary, ParseRequestOptions, RequestFormat, ResolvedFormat } from '@ctxpress/core';
