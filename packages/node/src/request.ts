/**
 * `compressRequest`: runs a `CompressRequest` (from `parseCompressRequest`) on the compressor its format resolves to.
 * The one dispatcher of the HTTP API and batch lines (ADR 0018).
 * @module
 */
import { resolveRequestFormat } from '@ctxpress/core';
import type {
  ChatCompressionResult,
  CodeCompressionResult,
  CompressInput,
  CompressionResult,
  CompressRequest,
  JsonCompressionResult,
  LogCompressionResult,
} from '@ctxpress/core';
import { compressWithCache, type CachedCompressOptions, type CacheEvent, type NodeCacheOption } from './cache/index.js';
import { compressChat, compressJson, compressLogs } from './structured.js';
import { compressCode } from './code/index.js';

/** What the caller adds to a request. */
export interface CompressRequestContext {
  /** Segment cache of the text pipeline and chat (as for `compress`); JSON, logs and code do not use one. */
  readonly cache?: NodeCacheOption | undefined;
  /** Every cache lookup (for metrics); never changes the result. */
  readonly onCacheEvent?: ((event: CacheEvent) => void) | undefined;
  /** The caller's time limit, ms: the smaller of it and the request's `timeLimitMs` applies. */
  readonly timeLimitMs?: number | undefined;
  /** Aborts the compression (`ABORTED`). */
  readonly signal?: AbortSignal | undefined;
  /** The text pipeline (default: `compress` of this package), e.g. a wrapper that records or routes its calls. */
  readonly compress?: ((input: CompressInput, options: CachedCompressOptions) => Promise<CompressionResult>) | undefined;
}

/** What `compressRequest` returns: the resolved format and that compressor's result. */
export type CompressRequestResult =
  | { readonly format: 'text' | 'markdown' | 'auto'; readonly result: CompressionResult }
  | { readonly format: 'chat'; readonly result: ChatCompressionResult }
  | { readonly format: 'json'; readonly result: JsonCompressionResult }
  | { readonly format: 'logs'; readonly result: LogCompressionResult }
  | { readonly format: 'code'; readonly result: CodeCompressionResult };

function smaller(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}

/**
 * Compresses a request with the compressor of its resolved format (`resolveRequestFormat`): prose goes to
 * `compress`, chat to `compressChat`, JSON to `compressJson`, logs to `compressLogs`, code to `compressCode`.
 *
 * @example
 * import { parseCompressRequest, compressRequest } from '@ctxpress/node';
 * const { format, result } = await compressRequest(parseCompressRequest(JSON.parse(body)));
 */
export async function compressRequest(request: CompressRequest, context: CompressRequestContext = {}): Promise<CompressRequestResult> {
  const format = resolveRequestFormat(request);
  const timeLimitMs = smaller(request.timeLimitMs, context.timeLimitMs);
  const common = {
    budget: request.budget,
    ...(request.query === undefined ? {} : { query: request.query }),
    ...(request.tokenizer === undefined ? {} : { tokenizer: request.tokenizer }),
    ...(timeLimitMs === undefined ? {} : { timeLimitMs }),
    ...(context.signal === undefined ? {} : { signal: context.signal }),
  };
  const withKeep = request.kind !== 'code' && request.keep !== undefined ? { ...common, keep: request.keep } : common;
  const cache =
    context.cache === undefined ? {} : { cache: context.cache, ...(context.onCacheEvent === undefined ? {} : { onCacheEvent: context.onCacheEvent }) };

  if (request.kind === 'code') {
    return { format: 'code', result: await compressCode(request.files, { ...common, ...(request.explain === undefined ? {} : { explain: request.explain }) }) };
  }
  if (request.kind === 'messages') {
    return {
      format: 'chat',
      result: await compressChat(request.messages, {
        ...withKeep,
        ...(request.system === undefined ? {} : { system: request.system }),
        ...(request.keepLastTurns === undefined ? {} : { keepLastTurns: request.keepLastTurns }),
        ...(request.prefixStable === undefined ? {} : { prefixStable: request.prefixStable }),
        ...cache,
      }),
    };
  }
  if (request.kind === 'json' || request.kind === 'logs' || (request.kind === 'text' && (format === 'json' || format === 'logs'))) {
    return format === 'json'
      ? { format: 'json', result: await compressJson(request.text, withKeep) }
      : { format: 'logs', result: await compressLogs(request.text, withKeep) };
  }
  const { explain, separator, documentSeparator, prune } = request;
  const options: CachedCompressOptions = {
    ...withKeep,
    ...(explain === undefined ? {} : { explain }),
    format: request.format,
    ...(separator === undefined ? {} : { separator }),
    ...(documentSeparator === undefined ? {} : { documentSeparator }),
    ...(prune === undefined ? {} : { prune }),
    ...cache,
  };
  const input: CompressInput = request.kind === 'text' ? request.text : request.documents;
  const result = await (context.compress ?? compressWithCache)(input, options);
  return { format: format as 'text' | 'markdown' | 'auto', result };
}
