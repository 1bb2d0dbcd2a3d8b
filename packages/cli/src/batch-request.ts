/**
 * One line of a batch: the shared wire format of `/v1/compress` (`parseCompressRequest`, ADR 0018) plus `id` and the
 * deprecated top-level `tokens` / `ratio`; run with `compressRequest`, and turned into the output line.
 * Pure apart from the injected `compress`, so it runs the same in a worker thread and in a test.
 * @module
 */
import { type CompressInput, type CompressionResult, type CompressRequest, detectContentType, isCtxpressError, parseCompressRequest, type Span } from '@ctxpress/core';
import type { NodeCompressOptions } from '@ctxpress/node';
import { chatMessagesOf, parseJson, summarize } from './input-request.js';

/** The library call, injected. */
export type CompressFunction = (input: CompressInput, options: NodeCompressOptions) => Promise<CompressionResult>;

/** A request's id as given (string or number), `null` when absent or not readable. */
export type RequestId = string | number | null;

export interface BatchSuccessLine {
  readonly id: RequestId;
  readonly text: string;
  readonly tokens: { readonly original: number; readonly compressed: number; readonly budget: number };
  /** `null` when the text compressed to nothing (the ratio is infinite). */
  readonly ratio: number | null;
  readonly kept: readonly Span[];
  /** Chat requests: the compressed messages, in the request's format. */
  readonly messages?: readonly unknown[];
}

export interface BatchErrorLine {
  readonly id: RequestId;
  /** 1-based line number in the input file. */
  readonly line: number;
  readonly error: { readonly code: string; readonly message: string };
}

/** A finished line: the JSON to write, and whether it succeeded. */
export interface LineOutcome {
  readonly json: string;
  readonly ok: boolean;
}

/** Codes for request problems found before the library is called (library errors keep the library's code). */
export const BatchErrorCode = {
  invalidJson: 'INVALID_JSON',
  invalidRequest: 'INVALID_REQUEST',
  invalidInput: 'INVALID_INPUT',
  invalidBudget: 'INVALID_BUDGET',
  internal: 'INTERNAL_ERROR',
} as const;

class RequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Batch lines' conveniences on `text` (not part of the wire format): a JSON text holding chat messages (with `format`
 * chat, or auto) is sent as `messages` (+ `system`); with `format: "code"` it is one source file, `stdin`.
 */
export function expandTextInput(request: Record<string, unknown>): Record<string, unknown> {
  const { text, format, ...rest } = request;
  if (typeof text !== 'string') return request;
  if (format === 'code') return { ...rest, format, code: [{ path: 'stdin', text }] };
  if (format !== 'chat' && format !== undefined && format !== 'auto') return request;
  if (format !== 'chat' && detectContentType(text) !== 'json') return request;
  const chat = chatMessagesOf(parseJson(text));
  if (chat === undefined) {
    if (format !== 'chat') return request;
    throw new RequestError(BatchErrorCode.invalidInput, 'chat input must be JSON: an array of messages with a "role", or { "messages": [...], "system"? }.');
  }
  return { ...rest, format: 'chat', messages: chat.messages, ...(chat.system === undefined ? {} : { system: chat.system }) };
}

/** Checks a line's request. Option errors keep batch lines' code INVALID_REQUEST. */
function parseLine(value: Record<string, unknown>): CompressRequest {
  try {
    return parseCompressRequest(expandTextInput(value), { extraFields: ['id'], legacyBudget: true });
  } catch (error) {
    if (isCtxpressError(error) && error.code === 'INVALID_OPTION') throw new RequestError(BatchErrorCode.invalidRequest, error.message);
    throw error;
  }
}

/**
 * Handles one non-blank line.
 * @param line the raw line (without its newline)
 * @param lineNumber its 1-based number in the file, reported in error lines
 * @param compress the text pipeline (structured formats go to their @ctxpress/node compressors)
 * @param limits `--time-limit`: the smaller of it and the line's own `timeLimitMs` applies
 */
export async function handleBatchLine(
  line: string,
  lineNumber: number,
  compress: CompressFunction,
  limits: { readonly timeLimitMs?: number } = {},
): Promise<LineOutcome> {
  let id: RequestId = null;
  try {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new RequestError(BatchErrorCode.invalidJson, `not valid JSON: ${messageOf(error)}`);
    }
    if (!isRecord(value)) throw new RequestError(BatchErrorCode.invalidRequest, 'each line must be a JSON object');
    id = readId(value['id']);
    const request = parseLine(value);
    const node = await import('@ctxpress/node');
    // a TIME_LIMIT (the line's or --time-limit's) is reported as this line's error
    const outcome = await node.compressRequest(request, { compress, ...(limits.timeLimitMs === undefined ? {} : { timeLimitMs: limits.timeLimitMs }) });
    const summary = summarize(outcome);
    const output: BatchSuccessLine = {
      id,
      text: summary.text,
      tokens: { original: summary.tokens.original, compressed: summary.tokens.compressed, budget: summary.tokens.budget },
      ratio: Number.isFinite(summary.ratio) ? summary.ratio : null,
      kept: summary.kept ?? [],
      ...(outcome.format === 'chat' ? { messages: outcome.result.messages } : {}),
    };
    return { json: JSON.stringify(output), ok: true };
  } catch (error) {
    const output: BatchErrorLine = { id, line: lineNumber, error: describeError(error) };
    return { json: JSON.stringify(output), ok: false };
  }
}

function readId(value: unknown): RequestId {
  return typeof value === 'string' || typeof value === 'number' ? value : null;
}

function describeError(error: unknown): { code: string; message: string } {
  if (error instanceof RequestError) return { code: error.code, message: error.message };
  if (isCtxpressError(error)) return { code: error.code, message: error.message };
  return { code: BatchErrorCode.internal, message: messageOf(error) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The output line for a line that failed outside `handleBatchLine` (for example a crashed worker). */
export function errorOutcome(id: RequestId, lineNumber: number, code: string, message: string): LineOutcome {
  const output: BatchErrorLine = { id, line: lineNumber, error: { code, message } };
  return { json: JSON.stringify(output), ok: false };
}
