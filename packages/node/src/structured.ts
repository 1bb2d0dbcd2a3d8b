/**
 * The structure-aware compressors of @ctxpress/core (JSON, logs, tool output, chat) as async functions that take the
 * tokenizer by name (default o200k_base) or as an object — the same shape as `compress()` next to `compressSync()`.
 * @module
 */
import * as core from '@ctxpress/core';
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
import { getTokenizer } from './tokenizers/registry.js';

/** Options of a core compressor, with the tokenizer given by name (default o200k_base) or as an object. */
export type WithNamedTokenizer<T> = Omit<T, 'tokenizer'> & { readonly tokenizer?: string | Tokenizer };

/** The tokenizer object for a name or object (default o200k_base). */
export async function resolveTokenizer(tokenizer: string | Tokenizer | undefined): Promise<Tokenizer> {
  return typeof tokenizer === 'object' && tokenizer !== null ? tokenizer : getTokenizer(tokenizer ?? 'o200k_base');
}

/** Compresses a tool result, detecting JSON, logs, Markdown or text unless `contentType` says. */
export async function compressToolOutput(text: string, options: WithNamedTokenizer<ToolOutputOptions>): Promise<ToolOutputResult> {
  return core.compressToolOutput(text, { ...options, tokenizer: await resolveTokenizer(options.tokenizer) });
}

/** Compresses JSON (text or a value) to valid JSON within the budget. */
export async function compressJson(input: unknown, options: WithNamedTokenizer<JsonCompressionOptions>): Promise<JsonCompressionResult> {
  return core.compressJson(input, { ...options, tokenizer: await resolveTokenizer(options.tokenizer) });
}

/** Compresses a log: folds repeated lines, keeps errors, warnings and stack traces. */
export async function compressLogs(text: string, options: WithNamedTokenizer<LogCompressionOptions>): Promise<LogCompressionResult> {
  return core.compressLogs(text, { ...options, tokenizer: await resolveTokenizer(options.tokenizer) });
}

/** Compresses a chat / agent history (OpenAI, Anthropic or AI SDK messages) into a valid request of the same format. */
export async function compressChat(messages: readonly unknown[], options: WithNamedTokenizer<ChatCompressOptions>): Promise<ChatCompressionResult> {
  return core.compressChat(messages as unknown[], { ...options, tokenizer: await resolveTokenizer(options.tokenizer) });
}
