/**
 * One line of a batch: parse and check the request, compress, and turn the outcome into the output line.
 * Pure apart from the injected `compress`, so it runs the same in a worker thread and in a test.
 * @module
 */
import { type CompressInput, type CompressionResult, isCtxpressError, type Span } from '@ctxpress/core';
import type { NodeCompressOptions } from '@ctxpress/node';
import { isRatio, isTokenCount } from './numbers.js';
import { parseKeepPattern } from './parse-keep.js';
import { compressStructured, INPUT_KINDS, resolveKind, type InputKind } from './structured.js';

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

interface ParsedRequest {
  readonly input: CompressInput;
  readonly options: NodeCompressOptions;
  /** `format` as given (default auto): chat, json, logs and code requests go to their own compressors. */
  readonly kind: InputKind;
}

/**
 * Handles one non-blank line.
 * @param line the raw line (without its newline)
 * @param lineNumber its 1-based number in the file, reported in error lines
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
    const parsed = parseRequest(value);
    // the line's "timeLimitMs" and --time-limit: the smaller applies; the library stops the request with TIME_LIMIT,
    // reported as this line's error
    const own = parsed.options.timeLimitMs;
    const limit = own === undefined ? limits.timeLimitMs : limits.timeLimitMs === undefined ? own : Math.min(own, limits.timeLimitMs);
    const request = limit === undefined || limit === own ? parsed : { ...parsed, options: { ...parsed.options, timeLimitMs: limit } };
    if (typeof request.input === 'string') {
      const named = [{ id: '-', text: request.input }];
      const structured = await resolveKind(request.kind, named);
      if (structured !== undefined) {
        const outcome = await compressStructured(structured, named, request.options);
        const chatMessages = structured === 'chat' ? (outcome.result as { messages: unknown[] }).messages : undefined;
        const line: BatchSuccessLine = {
          id,
          text: outcome.text,
          tokens: { original: outcome.tokens.original, compressed: outcome.tokens.compressed, budget: outcome.tokens.budget },
          ratio: Number.isFinite(outcome.ratio) ? outcome.ratio : null,
          kept: outcome.kept ?? [],
          ...(chatMessages === undefined ? {} : { messages: chatMessages }),
        };
        return { json: JSON.stringify(line), ok: true };
      }
    } else if (request.kind !== 'auto' && request.kind !== 'text' && request.kind !== 'markdown') {
      throw new RequestError(BatchErrorCode.invalidRequest, `"format": "${request.kind}" takes "text" (or "messages" for chat), not "documents"`);
    }
    const result = await compress(request.input, request.options);
    const output: BatchSuccessLine = {
      id,
      text: result.text,
      tokens: { original: result.tokens.original, compressed: result.tokens.compressed, budget: result.tokens.budget },
      ratio: Number.isFinite(result.ratio) ? result.ratio : null,
      kept: result.kept,
    };
    return { json: JSON.stringify(output), ok: true };
  } catch (error) {
    const output: BatchErrorLine = { id, line: lineNumber, error: describeError(error) };
    return { json: JSON.stringify(output), ok: false };
  }
}

/** Checks a request object and builds the library call. Throws `RequestError` with a message that says what to fix. */
function parseRequest(request: Record<string, unknown>): ParsedRequest {
  const { documents, query, tokens, ratio, tokenizer, keep, format, messages, system, timeLimitMs } = request;
  let text = request['text'];
  if (messages !== undefined) {
    if (text !== undefined || documents !== undefined) throw new RequestError(BatchErrorCode.invalidInput, 'give one of "text", "documents" or "messages"');
    if (!Array.isArray(messages)) throw new RequestError(BatchErrorCode.invalidInput, '"messages" must be an array of chat messages');
    if (format !== undefined && format !== 'chat' && format !== 'auto') throw new RequestError(BatchErrorCode.invalidRequest, '"messages" go with "format": "chat"');
    text = JSON.stringify(typeof system === 'string' ? { messages, system } : messages);
  }

  let input: CompressInput;
  if (text !== undefined && documents !== undefined) {
    throw new RequestError(BatchErrorCode.invalidInput, 'give either "text" or "documents", not both');
  } else if (typeof text === 'string') {
    input = text;
  } else if (Array.isArray(documents)) {
    // The library checks each document's shape and reports INVALID_INPUT with the index.
    input = documents as CompressInput;
  } else if (text !== undefined) {
    throw new RequestError(BatchErrorCode.invalidInput, '"text" must be a string');
  } else if (documents !== undefined) {
    throw new RequestError(BatchErrorCode.invalidInput, '"documents" must be an array of {id?, title?, text}');
  } else {
    throw new RequestError(BatchErrorCode.invalidInput, 'missing "text" (a string) or "documents" (an array of {id?, title?, text})');
  }

  let budget: NodeCompressOptions['budget'];
  if (tokens !== undefined && ratio !== undefined) {
    throw new RequestError(BatchErrorCode.invalidBudget, 'give either "tokens" or "ratio", not both');
  } else if (tokens !== undefined) {
    if (!isTokenCount(tokens)) throw new RequestError(BatchErrorCode.invalidBudget, `"tokens" must be a positive integer, got ${JSON.stringify(tokens)}`);
    budget = { tokens };
  } else if (ratio !== undefined) {
    if (!isRatio(ratio)) throw new RequestError(BatchErrorCode.invalidBudget, `"ratio" must be a number ≥ 1, got ${JSON.stringify(ratio)}`);
    budget = { ratio };
  } else {
    throw new RequestError(BatchErrorCode.invalidBudget, 'missing budget: give "tokens" (a positive integer) or "ratio" (a number ≥ 1)');
  }

  const options: { -readonly [K in keyof NodeCompressOptions]: NodeCompressOptions[K] } = { budget };
  if (query !== undefined) {
    if (typeof query !== 'string') throw new RequestError(BatchErrorCode.invalidRequest, '"query" must be a string');
    options.query = query;
  }
  if (tokenizer !== undefined) {
    if (typeof tokenizer !== 'string') throw new RequestError(BatchErrorCode.invalidRequest, '"tokenizer" must be a string such as "o200k_base"');
    options.tokenizer = tokenizer;
  }
  if (timeLimitMs !== undefined) {
    if (typeof timeLimitMs !== 'number' || !Number.isFinite(timeLimitMs) || timeLimitMs <= 0) {
      throw new RequestError(BatchErrorCode.invalidRequest, `"timeLimitMs" must be a positive number of milliseconds, got ${JSON.stringify(timeLimitMs)}`);
    }
    options.timeLimitMs = timeLimitMs;
  }
  let kind: InputKind = messages !== undefined ? 'chat' : 'auto';
  if (format !== undefined && messages === undefined) {
    if (typeof format !== 'string' || !(INPUT_KINDS as readonly string[]).includes(format)) {
      throw new RequestError(BatchErrorCode.invalidRequest, `"format" must be one of ${INPUT_KINDS.join(', ')}`);
    }
    kind = format as InputKind;
    if (kind === 'text' || kind === 'markdown' || kind === 'auto') options.format = kind;
  }
  if (keep !== undefined) {
    if (!Array.isArray(keep) || !keep.every((pattern) => typeof pattern === 'string')) {
      throw new RequestError(BatchErrorCode.invalidRequest, '"keep" must be an array of strings ("/re/flags" for a regular expression)');
    }
    try {
      options.keep = (keep as string[]).map(parseKeepPattern);
    } catch (error) {
      throw new RequestError(BatchErrorCode.invalidRequest, messageOf(error).replace(/^--keep /, '"keep": '));
    }
  }
  return { input, options, kind };
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
