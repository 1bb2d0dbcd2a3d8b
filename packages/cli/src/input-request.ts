/**
 * The CLI's inputs onto the request model (ADR 0018): `compress` turns its files or stdin into a `CompressRequest`
 * (text, documents, messages, code, JSON or logs) and runs it with `compressRequest`. The CLI-only conveniences live
 * here, as the step that builds the request: file extensions mean code, and a JSON text holding chat messages means
 * messages. Batch lines use `chatMessagesOf` and `summarize` too.
 * @module
 */
import {
  CtxpressError,
  type CompressionSummary,
  type CompressRequest,
  type DocumentInput,
  languageFromPath,
  type ProseOptions,
  type RequestCommon,
  resolveRequestFormat,
  type Span,
  type WithKeep,
} from '@ctxpress/core';
import type { CompressRequestResult } from '@ctxpress/node';

/** What the input is (`--input-format`). `text`, `markdown` and `auto` that resolves to prose use the text pipeline. */
export const INPUT_KINDS = ['auto', 'text', 'markdown', 'chat', 'json', 'logs', 'code'] as const;
export type InputKind = (typeof INPUT_KINDS)[number];

/** What the CLI prints of a result: the compressed text (chat: the messages as JSON), counts and kept spans. */
export interface ResultSummary extends CompressionSummary {
  /** Kept spans where the compressor reports them (text, logs, code). */
  readonly kept: readonly Span[] | undefined;
}

/** The request's fields other than its input, from the flags. The prose options apply only to text and documents. */
export type RequestFields = RequestCommon & WithKeep & ProseOptions;

/** An input text with its name (a file path, or "-" for stdin). */
export interface NamedText {
  readonly id: string;
  readonly text: string;
}

/** The inputs of `compress`: stdin, FILE arguments (`-` among them is stdin), or the `--documents` list as read. */
export type CommandInputs =
  | { readonly kind: 'stdin'; readonly text: string }
  | { readonly kind: 'files'; readonly files: readonly NamedText[] }
  | { readonly kind: 'documents'; readonly documents: readonly unknown[] };

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

/**
 * The request of `compress`'s inputs. With `auto`: code when every file has a source-code extension; messages when the
 * one input is JSON holding chat messages; otherwise the request model's own rule (`resolveRequestFormat`: JSON, logs,
 * or prose). Several files that are not all code are documents; `--documents` is always documents.
 * @throws {CtxpressError} INVALID_INPUT for `--input-format chat|json|logs` with more than one input, or chat input
 *   that is not chat JSON
 */
export function commandRequest(kind: InputKind, inputs: CommandInputs, fields: RequestFields): CompressRequest {
  const { budget, query, tokenizer, timeLimitMs, keep, explain, separator, documentSeparator, prune } = fields;
  const common: RequestCommon = {
    budget,
    ...(query === undefined ? {} : { query }),
    ...(tokenizer === undefined ? {} : { tokenizer }),
    ...(timeLimitMs === undefined ? {} : { timeLimitMs }),
  };
  const withKeep = keep === undefined ? common : { ...common, keep };
  const prose: ProseOptions = {
    ...(explain === undefined ? {} : { explain }),
    ...(separator === undefined ? {} : { separator }),
    ...(documentSeparator === undefined ? {} : { documentSeparator }),
    ...(prune === undefined ? {} : { prune }),
  };
  const proseFormat = kind === 'text' || kind === 'markdown' ? kind : 'auto';
  if (inputs.kind === 'documents') return { kind: 'documents', documents: inputs.documents as DocumentInput[], format: proseFormat, ...withKeep, ...prose };

  const texts: readonly NamedText[] = inputs.kind === 'stdin' ? [{ id: '-', text: inputs.text }] : inputs.files;
  const isCode = kind === 'code' || (kind === 'auto' && texts.length > 0 && texts.every((input) => input.id !== '-' && languageFromPath(input.id) !== undefined));
  if (isCode) return { kind: 'code', files: texts.map((input) => ({ path: input.id === '-' ? 'stdin' : input.id, text: input.text })), ...common };
  const chat = kind === 'chat' || (kind === 'auto' && texts.length === 1) ? chatMessagesOf(parseJson(texts[0]?.text ?? '')) : undefined;
  if (kind === 'chat' || kind === 'json' || kind === 'logs' || chat !== undefined) {
    if (texts.length !== 1) throw new CtxpressError('INVALID_INPUT', `--input-format ${kind} takes one input (a file or stdin), got ${texts.length}.`);
    if (kind === 'json' || kind === 'logs') return { kind, text: texts[0]!.text, ...withKeep };
    if (chat === undefined) throw new CtxpressError('INVALID_INPUT', 'chat input must be JSON: an array of messages with a "role", or { "messages": [...], "system"? }.');
    return { kind: 'messages', messages: chat.messages, ...(chat.system === undefined ? {} : { system: chat.system }), ...withKeep };
  }
  // prose, or (auto) a JSON or log text: stdin is one text, FILE arguments are documents unless the one file is JSON or logs
  if (inputs.kind === 'stdin') return { kind: 'text', text: inputs.text, format: proseFormat, ...withKeep, ...prose };
  if (texts.length === 1 && proseFormat === 'auto') {
    const format = resolveRequestFormat({ kind: 'text', text: texts[0]!.text, format: 'auto', budget });
    if (format === 'json' || format === 'logs') return { kind: format, text: texts[0]!.text, ...withKeep };
  }
  return { kind: 'documents', documents: texts.map((input) => ({ id: input.id, text: input.text })), format: proseFormat, ...withKeep, ...prose };
}
