/**
 * Tool-output compression: detects whether a tool result is JSON, a log, Markdown or plain text and dispatches to
 * `compressJson`, `compressLogs` or `compressSync`, with one result shape.
 * @module
 */
import type { Budget, CompressionResult, CompressionSummary, Tokenizer } from './types.js';
import { CtxpressError } from './errors.js';
import { compressSync } from './compress.js';
import { withDeadline, type LimitOptions } from './deadline.js';
import { detectFormat } from './sources.js';
import { compressJson } from './json/compress-json.js';
import type { JsonCompressionResult } from './json/compress-json.js';
import { compressLogs } from './logs/compress-logs.js';
import type { LogCompressionResult } from './logs/compress-logs.js';

export type ContentType = 'json' | 'logs' | 'markdown' | 'text';

const TIMESTAMP_START =
  /^\s*(?:\[\s*)?(?:\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}|\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} \d{2}:\d{2}|\d{2}:\d{2}:\d{2}|\d{10}(?:\.\d+)?\b|\d{1,2}\/[A-Z][a-z]{2}\/\d{4}:)/;
const LEVEL_START = /^\s*[[(<]?(?:TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|FATAL|CRITICAL|SEVERE|PANIC)\b|^[IWEF]\d{4} \d{2}:\d{2}|^\s*(?:level|lvl|time|ts)=/i;
const ACCESS_LOG_START = /^\d{1,3}(?:\.\d{1,3}){3} \S+ \S+ \[/;
const JSON_LOG_LINE = /^\{.*"(?:level|lvl|severity|time|timestamp|ts|@timestamp|msg|message)"\s*:/;

function looksLikeJson(text: string): boolean {
  const t = text.trim();
  const c = t.charCodeAt(0);
  if (c !== 123 /* { */ && c !== 91 /* [ */) return false;
  try {
    JSON.parse(t);
    return true;
  } catch {
    return false;
  }
}

function looksLikeLogs(text: string): boolean {
  let lines = 0;
  let hits = 0;
  let start = 0;
  while (start < text.length && lines < 400) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    // stack frames and continuation lines are neither evidence for nor against
    if (line.trim().length === 0 || /^\s/.test(line) || /^Caused by:|^Traceback|^[\w.$]+(?:Exception|Error)\b/.test(line)) continue;
    lines++;
    if (TIMESTAMP_START.test(line) || LEVEL_START.test(line) || ACCESS_LOG_START.test(line) || JSON_LOG_LINE.test(line)) hits++;
  }
  return hits >= 2 && hits >= lines * 0.6;
}

/**
 * The content type of a tool result: `json` (parses after trimming and starts with `{` or `[`), `logs` (most lines start
 * with a timestamp, a level token, an access-log client address or are JSON log records), `markdown` (`detectFormat`),
 * otherwise `text`.
 */
export function detectContentType(text: string): ContentType {
  if (typeof text !== 'string' || text.trim().length === 0) return 'text';
  if (looksLikeJson(text)) return 'json';
  if (looksLikeLogs(text)) return 'logs';
  return detectFormat(text) === 'markdown' ? 'markdown' : 'text';
}

/** `signal` and `timeLimitMs` (`LimitOptions`) cover the whole call, whichever compressor runs. */
export interface ToolOutputOptions extends LimitOptions {
  readonly budget: Budget;
  readonly tokenizer: Tokenizer;
  readonly query?: string;
  readonly keep?: readonly (string | RegExp)[];
  /** Default `auto` (`detectContentType`). */
  readonly contentType?: ContentType | 'auto';
}

export interface ToolOutputResult extends CompressionSummary {
  readonly text: string;
  readonly tokens: { readonly original: number; readonly compressed: number; readonly budget: number };
  readonly ratio: number;
  /** The type used (detected or given). */
  readonly contentType: ContentType;
  /** The full result of the compressor that ran. */
  readonly detail:
    | { readonly kind: 'json'; readonly result: JsonCompressionResult }
    | { readonly kind: 'logs'; readonly result: LogCompressionResult }
    | { readonly kind: 'text'; readonly result: CompressionResult };
}

/**
 * Compresses a tool result by its content type: JSON stays valid JSON, logs fold repeats and keep errors, Markdown and
 * text go through the text pipeline.
 *
 * @example
 * const r = compressToolOutput(toolResult, { budget: { tokens: 800 }, tokenizer, query: 'why did the deploy fail?' });
 * r.contentType; // 'json' | 'logs' | 'markdown' | 'text'
 */
export function compressToolOutput(text: string, options: ToolOutputOptions): ToolOutputResult {
  if (typeof text !== 'string') throw new CtxpressError('INVALID_INPUT', `compressToolOutput: the input must be a string, got ${typeof text}.`);
  if (typeof options !== 'object' || options === null) {
    throw new CtxpressError('INVALID_OPTION', 'options are required: { budget, tokenizer, query?, contentType? }.');
  }
  const requested = options.contentType ?? 'auto';
  if (!['auto', 'json', 'logs', 'markdown', 'text'].includes(requested)) {
    throw new CtxpressError('INVALID_OPTION', `options.contentType must be one of auto, json, logs, markdown, text; got ${JSON.stringify(requested)}.`);
  }
  return withDeadline(options, () => compressToolOutputAs(text, options, requested === 'auto' ? detectContentType(text) : requested));
}

function compressToolOutputAs(text: string, options: ToolOutputOptions, contentType: ContentType): ToolOutputResult {
  const common = {
    budget: options.budget,
    tokenizer: options.tokenizer,
    ...(options.query !== undefined ? { query: options.query } : {}),
    ...(options.keep !== undefined ? { keep: options.keep } : {}),
  };
  if (contentType === 'json') {
    const result = compressJson(text, common);
    return { text: result.text, tokens: result.tokens, ratio: result.ratio, contentType, detail: { kind: 'json', result } };
  }
  if (contentType === 'logs') {
    const result = compressLogs(text, common);
    return { text: result.text, tokens: result.tokens, ratio: result.ratio, contentType, detail: { kind: 'logs', result } };
  }
  const result = compressSync(text, { ...common, format: contentType });
  return { text: result.text, tokens: result.tokens, ratio: result.ratio, contentType, detail: { kind: 'text', result } };
}
