/**
 * The request model: one typed description of "compress this, to that budget" shared by every front door (the HTTP
 * API, batch lines, the CLI, and next MCP tool arguments). `parseCompressRequest` builds it from the wire format;
 * `@ctxpress/node`'s `compressRequest` runs it. See docs/decisions/0018-one-request-model.md.
 * @module
 */
import type { Budget, DocumentInput } from '../types.js';
import type { CodeFile } from '../code/compress-code.js';

/** The wire format's `format` values. `auto` (the default for `text` and `documents`) decides from the content. */
export const REQUEST_FORMATS = ['text', 'markdown', 'auto', 'chat', 'json', 'logs', 'code'] as const;
export type RequestFormat = (typeof REQUEST_FORMATS)[number];

/**
 * The compressor a request goes to, with `auto` resolved (`resolveRequestFormat`): `text` / `markdown` for prose (the
 * text pipeline), `chat`, `json`, `logs`, `code`. `auto` remains only for documents: each document is detected on its
 * own by the text pipeline.
 */
export type ResolvedFormat = 'text' | 'markdown' | 'auto' | 'chat' | 'json' | 'logs' | 'code';

/** Fields of every request. */
export interface RequestCommon {
  readonly budget: Budget;
  /** What the compressed context is for: relevant parts are kept first. */
  readonly query?: string;
  /** Tokenizer name (default o200k_base), e.g. `cl100k_base` or a model name such as `gpt-4o`. */
  readonly tokenizer?: string;
  /** The request's own time limit, ms (the smaller of it and the caller's applies). */
  readonly timeLimitMs?: number;
}

/** Literal strings and regular expressions whose matches are always kept. */
export interface WithKeep {
  readonly keep?: readonly (string | RegExp)[];
}

/** Options of the text pipeline (prose). */
export interface ProseOptions {
  /** Adds per-unit scores and decisions to the result. */
  readonly explain?: boolean;
  /** Between non-adjacent kept spans. */
  readonly separator?: string;
  /** Between documents. */
  readonly documentSeparator?: string;
  /** Fraction of words to prune inside kept sentences, or false. */
  readonly prune?: number | false;
}

/**
 * One text. `auto` detects JSON and logs (`detectContentType`) and sends them to their compressors; anything else is
 * prose, Markdown or plain text. The prose options apply only when it resolves to prose.
 */
export interface TextRequest extends RequestCommon, WithKeep, ProseOptions {
  readonly kind: 'text';
  readonly text: string;
  readonly format: 'auto' | 'text' | 'markdown';
}

/** A list of documents: always prose (`auto` detects Markdown per document). */
export interface DocumentsRequest extends RequestCommon, WithKeep, ProseOptions {
  readonly kind: 'documents';
  readonly documents: readonly DocumentInput[];
  readonly format: 'auto' | 'text' | 'markdown';
}

/** A chat / agent history (OpenAI, Anthropic or AI SDK messages). */
export interface MessagesRequest extends RequestCommon, WithKeep {
  readonly kind: 'messages';
  readonly messages: readonly unknown[];
  /** Anthropic's top-level system prompt. */
  readonly system?: string;
  /** The last N user turns are never compressed. */
  readonly keepLastTurns?: number;
  /** Compress so that provider prompt caches keep hitting. */
  readonly prefixStable?: boolean;
}

/** Source files. */
export interface CodeRequest extends RequestCommon {
  readonly kind: 'code';
  readonly files: readonly CodeFile[];
  readonly explain?: boolean;
}

/** A JSON text: compressed to valid JSON. */
export interface JsonRequest extends RequestCommon, WithKeep {
  readonly kind: 'json';
  readonly text: string;
}

/** A log: repeats folded, errors and warnings kept. */
export interface LogsRequest extends RequestCommon, WithKeep {
  readonly kind: 'logs';
  readonly text: string;
}

/** A validated request, ready to run. */
export type CompressRequest = TextRequest | DocumentsRequest | MessagesRequest | CodeRequest | JsonRequest | LogsRequest;

/** How `parseCompressRequest` reads the edge's wire format. */
export interface ParseRequestOptions {
  /**
   * Turns a `keep` string into what the compressor matches. Default (`defaultKeepPattern`): `/body/flags` is a native
   * RegExp (INVALID_OPTION when it does not compile), anything else a literal string. The HTTP service passes its own
   * policy (RE2 for risky patterns, or none at all).
   */
  readonly keepPattern?: (pattern: string, index: number) => string | RegExp;
  /** Transport fields the edge reads itself (`shape` for HTTP, `id` for batch lines): not reported as unknown. */
  readonly extraFields?: readonly string[];
  /** Batch lines only (deprecated): top-level `tokens` / `ratio` instead of `budget`. */
  readonly legacyBudget?: boolean;
}
