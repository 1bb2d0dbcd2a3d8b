/**
 * The structure-aware compressors of @ctxpress/core (JSON, logs, tool output, chat) as async functions that take the
 * tokenizer by name (default o200k_base) or as an object — the same shape as `compress()` next to `compressSync()`.
 * `signal` / `timeLimitMs` are checked before any await (an aborted signal rejects at once) and again by the core.
 * @module
 */
import * as core from '@ctxpress/core';
import { chatCacheKeys, checkLimitOptions } from '@ctxpress/core/internal';
import type {
  ChatCompressOptions,
  ChatCompressionResult,
  JsonCompressionOptions,
  JsonCompressionResult,
  LogCompressionOptions,
  LogCompressionResult,
  Tokenizer,
  ToolOutputOptions,
  ToolOutputResult,
} from '@ctxpress/core';
import { resolveTokenizer } from './resolve-tokenizer.js';
import { resolveCacheStore, sha256Hex, type NodeCacheOption } from './cache/compress.js';
import { memoHash, prefetch, type CacheEvent } from './cache/prefetch.js';

/** Options of a core compressor, with the tokenizer given by name (default o200k_base) or as an object. */
export type WithNamedTokenizer<T> = Omit<T, 'tokenizer'> & { readonly tokenizer?: string | Tokenizer };

export { resolveTokenizer } from './resolve-tokenizer.js';

/** Compresses a tool result, detecting JSON, logs, Markdown or text unless `contentType` says. */
export async function compressToolOutput(text: string, options: WithNamedTokenizer<ToolOutputOptions>): Promise<ToolOutputResult> {
  checkLimitOptions(options);
  return core.compressToolOutputSync(text, { ...options, tokenizer: await resolveTokenizer(options.tokenizer) });
}

/** Compresses JSON (text or a value) to valid JSON within the budget. */
export async function compressJson(input: unknown, options: WithNamedTokenizer<JsonCompressionOptions>): Promise<JsonCompressionResult> {
  checkLimitOptions(options);
  return core.compressJsonSync(input, { ...options, tokenizer: await resolveTokenizer(options.tokenizer) });
}

/** Compresses a log: folds repeated lines, keeps errors, warnings and stack traces. */
export async function compressLogs(text: string, options: WithNamedTokenizer<LogCompressionOptions>): Promise<LogCompressionResult> {
  checkLimitOptions(options);
  return core.compressLogsSync(text, { ...options, tokenizer: await resolveTokenizer(options.tokenizer) });
}

/** `compressChat`'s options in @ctxpress/node: the tokenizer by name, and any cache store (as for `compress`). */
export type NodeChatCompressOptions = Omit<WithNamedTokenizer<ChatCompressOptions>, 'cache'> & {
  /** `'memory'`, `{ directory }` or a store (`createCacheStore`): message counts and per-message work are reused across calls. */
  readonly cache?: NodeCacheOption | undefined;
  /** Called for every cache lookup (for metrics); never changes the result. */
  readonly onCacheEvent?: ((event: CacheEvent) => void) | undefined;
};

/**
 * Compresses a chat / agent history (OpenAI, Anthropic or AI SDK messages) into a valid request of the same format.
 * With `cache`, a conversation that grew by a turn reuses the counts and cut messages of the previous call; outputs are
 * identical with and without it.
 */
export async function compressChat(messages: readonly unknown[], options: NodeChatCompressOptions): Promise<ChatCompressionResult> {
  checkLimitOptions(options);
  const { cache, onCacheEvent, ...rest } = options;
  const base: ChatCompressOptions = { ...rest, tokenizer: await resolveTokenizer(options.tokenizer) };
  if (cache === undefined) return core.compressChatSync(messages as unknown[], base);
  const store = resolveCacheStore(cache);
  const hash = memoHash(sha256Hex);
  let keys: string[];
  try {
    keys = chatCacheKeys(messages, base, hash);
  } catch {
    return core.compressChatSync(messages as unknown[], base); // invalid input: the core reports it
  }
  const { view, flush } = await prefetch(store, keys, onCacheEvent);
  const result = core.compressChatSync(messages as unknown[], { ...base, cache: { store: view, hash } });
  await flush();
  return result;
}
