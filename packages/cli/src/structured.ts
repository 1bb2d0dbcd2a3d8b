/**
 * Structure-aware inputs for `compress` and `batch`: chat histories, JSON, logs and source code go to their own
 * compressors; plain text and Markdown go to `compress()`. `auto` decides from the content (and file extensions).
 * @module
 */
import type { Span, Tokenizer } from '@ctxpress/core';

/** What the input is. `text`, `markdown` and `auto` that resolves to prose use `compress()`. */
export const INPUT_KINDS = ['auto', 'text', 'markdown', 'chat', 'json', 'logs', 'code'] as const;
export type InputKind = (typeof INPUT_KINDS)[number];
export type StructuredKind = 'chat' | 'json' | 'logs' | 'code';

/** The common part of every compressor's result that the CLI prints. */
export interface StructuredOutcome {
  readonly kind: StructuredKind;
  /** The compressed input as text: messages as JSON for chat, JSON text, log text, code. */
  readonly text: string;
  readonly tokens: { readonly original: number; readonly compressed: number; readonly budget: number };
  readonly ratio: number;
  /** Kept spans where the compressor reports them (logs, code). */
  readonly kept: readonly Span[] | undefined;
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

/** True for an array of objects that carry a chat `role`, or `{ messages: [...] }` of them. */
function chatMessagesOf(value: unknown): { messages: unknown[]; system?: string } | undefined {
  const isMessages = (list: unknown): list is unknown[] =>
    Array.isArray(list) && list.length > 0 && list.every((m) => typeof m === 'object' && m !== null && typeof (m as { role?: unknown }).role === 'string');
  if (isMessages(value)) return { messages: value };
  if (typeof value === 'object' && value !== null) {
    const { messages, system } = value as { messages?: unknown; system?: unknown };
    if (isMessages(messages)) return typeof system === 'string' ? { messages, system } : { messages };
  }
  return undefined;
}

function parseJson(text: string): unknown {
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

/** Runs the compressor for `kind` on the inputs (one text, except code which takes several files). */
export async function compressStructured(kind: StructuredKind, inputs: readonly NamedText[], options: StructuredOptions): Promise<StructuredOutcome> {
  const node = await import('@ctxpress/node');
  const common = {
    budget: options.budget,
    ...(options.query === undefined ? {} : { query: options.query }),
    ...(options.tokenizer === undefined ? {} : { tokenizer: options.tokenizer }),
    ...(options.keep === undefined ? {} : { keep: options.keep }),
    ...(options.timeLimitMs === undefined ? {} : { timeLimitMs: options.timeLimitMs }),
  };
  if (kind === 'code') {
    const files = inputs.map((input) => ({ path: input.id === '-' ? 'stdin' : input.id, text: input.text }));
    const result = await node.compressCode(files, common);
    return { kind, text: result.text, tokens: result.tokens, ratio: result.ratio, kept: result.files.flatMap((file) => file.kept), result };
  }
  if (inputs.length !== 1) {
    throw new node.CtxpressError('INVALID_INPUT', `--input-format ${kind} takes one input (a file or stdin), got ${inputs.length}.`);
  }
  const text = inputs[0]!.text;
  if (kind === 'json') {
    const result = await node.compressJson(text, common);
    return { kind, text: result.text, tokens: result.tokens, ratio: result.ratio, kept: undefined, result };
  }
  if (kind === 'logs') {
    const result = await node.compressLogs(text, common);
    return { kind, text: result.text, tokens: result.tokens, ratio: result.ratio, kept: result.kept, result };
  }
  const chat = chatMessagesOf(parseJson(text));
  if (chat === undefined) {
    throw new node.CtxpressError('INVALID_INPUT', 'chat input must be JSON: an array of messages with a "role", or { "messages": [...], "system"? }.');
  }
  const result = await node.compressChat(chat.messages, { ...common, ...(chat.system === undefined ? {} : { system: chat.system }) });
  return { kind, text: `${JSON.stringify(result.messages, null, 2)}`, tokens: result.tokens, ratio: result.ratio, kept: undefined, result };
}
