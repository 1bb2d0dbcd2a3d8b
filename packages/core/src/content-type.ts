/**
 * Tool-output compression: a tool result goes to `compressJson`, `compressLogs` or `compressSync` by the request
 * model's format rule (`resolveRequestFormat`: `auto` detects JSON, logs, Markdown or plain text), with one result shape.
 * @module
 */
import type { Budget, CompressionResult, CompressionSummary, Tokenizer } from './types.js';
import { CtxpressError } from './errors.js';
import { compressSync } from './compress.js';
import { withDeadline, type LimitOptions } from './deadline.js';
import { detectContentType, type ContentType } from './detect-content-type.js';
import { resolveRequestFormat } from './request/resolve.js';
import type { CompressRequest } from './request/types.js';
import { compressJson } from './json/compress-json.js';
import type { JsonCompressionResult } from './json/compress-json.js';
import { compressLogs } from './logs/compress-logs.js';
import type { LogCompressionResult } from './logs/compress-logs.js';

export { detectContentType };
export type { ContentType };

/** `signal` and `timeLimitMs` (`LimitOptions`) cover the whole call, whichever compressor runs. */
export interface ToolOutputOptions extends LimitOptions {
  readonly budget: Budget;
  readonly tokenizer: Tokenizer;
  readonly query?: string;
  readonly keep?: readonly (string | RegExp)[];
  /** Default `auto`: `detectContentType`, as `format: "auto"` of a text request (`resolveRequestFormat`). */
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
  return withDeadline(options, () => compressToolOutputAs(text, options, contentTypeOf(text, requested, options.budget)));
}

/** The content type a tool result is compressed as: the request model's rule for a text of that format. */
function contentTypeOf(text: string, requested: ContentType | 'auto', budget: Budget): ContentType {
  const request: CompressRequest =
    requested === 'json' || requested === 'logs' ? { kind: requested, text, budget } : { kind: 'text', text, format: requested, budget };
  const format = resolveRequestFormat(request);
  if (format === 'json' || format === 'logs' || format === 'markdown' || format === 'text') return format;
  throw new Error(`unreachable: a text resolved to format ${format}`);
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
