/**
 * Structure-aware inputs for `compress` and `batch`: chat histories, JSON, logs and source code go to their own
 * compressors; plain text and Markdown go to `compress()`. `auto` decides from the content (and file extensions).
 * @module
 */
import type { CompressionSummary, CompressRequest, Span, Tokenizer } from '@ctxpress/core';
import type { CompressRequestResult } from '@ctxpress/node';

/** What the input is. `text`, `markdown` and `auto` that resolves to prose use `compress()`. */
export const INPUT_KINDS = ['auto', 'text', 'markdown', 'chat', 'json', 'logs', 'code'] as const;
export type InputKind = (typeof INPUT_KINDS)[number];
export type StructuredKind = 'chat' | 'json' | 'logs' | 'code';

/** What the CLI prints of a result: the compressed text (chat: the messages as JSON), counts and kept spans. */
export interface ResultSummary extends CompressionSummary {
  /** Kept spans where the compressor reports them (text, logs, code). */
  readonly kept: readonly Span[] | undefined;
}

/** A structured compressor's outcome, for `compress`. */
export interface StructuredOutcome extends ResultSummary {
  readonly kind: StructuredKind;
  /** The compressor's whole result, for `--format json`. */
  readonly result: unknown;
}

export interface StructuredOptions {
  readonly budget: { readonly tokens: number } | { readonly ratio: number };
  readonly query?: string;
  readonly tokenizer?: string | Tokenizer;
  readonly keep?: readonly (string | RegExp)[];
  /** `--time-limit`: the compressor's `timeLimitMs`. */
  readonly timeLimitMs?: number | undefined;
}

/** An input text with its name (a file path, or "-" for stdin). */
export interface NamedText {
  readonly id: string;
  readonly text: string;
}

/** The messages of an array of objects that carry a chat `role`, or of `{ messages: [...], system? }` of them. */
export function chatMessagesOf(value: unknown): { messages: unknown[]; system?: string } | undefined {
  const isMessages = (list: unknown): list is unknown[] =>
    Array.isArray(list) && list.length > 0 && list.every((m) => typeof m === 'object' && m !== null && typeof (m as { role?: unknown }).role === 'string');
  if (isMessages(value)) return { messages: value };
  if (typeof value === 'object' && value !== null) {
    const { messages, system } = value as { messages?: unknown; system?: unknown };
    if (isMessages(messages)) return typeof system === 'string' ? { messages, system } : { messages };
  }
  return undefined;
}

/** `JSON.parse`, or undefined for a text that is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Which structured compressor an input needs, or undefined for prose (`compress()`). With `auto`: code when every file has
 * a source-code extension; chat when the text is JSON holding chat messages; JSON, logs by content.
 */
export async function resolveKind(kind: InputKind, inputs: readonly NamedText[]): Promise<StructuredKind | undefined> {
  if (kind === 'chat' || kind === 'json' || kind === 'logs' || kind === 'code') return kind;
  if (kind !== 'auto' || inputs.length === 0) return undefined;
  const { languageFromPath, detectContentType } = await import('@ctxpress/core');
  if (inputs.every((input) => input.id !== '-' && languageFromPath(input.id) !== undefined)) return 'code';
  if (inputs.length !== 1) return undefined;
  const text = inputs[0]!.text;
  const type = detectContentType(text);
  if (type === 'json') return chatMessagesOf(parseJson(text)) !== undefined ? 'chat' : 'json';
  if (type === 'logs') return 'logs';
  return undefined;
}

/** The summary of any result of `compressRequest`. */
export function summarize(outcome: CompressRequestResult): ResultSummary {
  const { tokens, ratio } = outcome.result;
  switch (outcome.format) {
    case 'chat':
      return { text: JSON.stringify(outcome.result.messages, null, 2), tokens, ratio, kept: undefined };
    case 'code':
      return { text: outcome.result.text, tokens, ratio, kept: outcome.result.files.flatMap((file) => file.kept) };
    case 'json':
      return { text: outcome.result.text, tokens, ratio, kept: undefined };
    default:
      return { text: outcome.result.text, tokens, ratio, kept: outcome.result.kept };
  }
}

/** The request of a structured input (one text, except code which takes several files). */
function structuredRequest(kind: StructuredKind, inputs: readonly NamedText[], options: StructuredOptions, error: (code: 'INVALID_INPUT' | 'INVALID_OPTION', message: string) => Error): CompressRequest {
  if (options.tokenizer !== undefined && typeof options.tokenizer !== 'string') throw error('INVALID_OPTION', 'a structured input takes the tokenizer by name.');
  const common = {
    budget: options.budget,
    ...(options.query === undefined ? {} : { query: options.query }),
    ...(options.tokenizer === undefined ? {} : { tokenizer: options.tokenizer }),
    ...(options.timeLimitMs === undefined ? {} : { timeLimitMs: options.timeLimitMs }),
  };
  const withKeep = options.keep === undefined ? common : { ...common, keep: options.keep };
  if (kind === 'code') return { kind, files: inputs.map((input) => ({ path: input.id === '-' ? 'stdin' : input.id, text: input.text })), ...common };
  if (inputs.length !== 1) throw error('INVALID_INPUT', `--input-format ${kind} takes one input (a file or stdin), got ${inputs.length}.`);
  const text = inputs[0]!.text;
  if (kind === 'json' || kind === 'logs') return { kind, text, ...withKeep };
  const chat = chatMessagesOf(parseJson(text));
  if (chat === undefined) throw error('INVALID_INPUT', 'chat input must be JSON: an array of messages with a "role", or { "messages": [...], "system"? }.');
  return { kind: 'messages', messages: chat.messages, ...(chat.system === undefined ? {} : { system: chat.system }), ...withKeep };
}

/** Runs the compressor for `kind` on the inputs (one text, except code which takes several files), with `compressRequest`. */
export async function compressStructured(kind: StructuredKind, inputs: readonly NamedText[], options: StructuredOptions): Promise<StructuredOutcome> {
  const node = await import('@ctxpress/node');
  const request = structuredRequest(kind, inputs, options, (code, message) => new node.CtxpressError(code, message));
  const outcome = await node.compressRequest(request);
  return { kind, ...summarize(outcome), result: outcome.result };
}
