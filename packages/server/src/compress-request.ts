/**
 * `POST /v1/compress`: validates the JSON request and calls the matching compressor of @ctxpress/node.
 * @module
 */
import { CtxpressError } from '@ctxpress/core';
import { linearRegExp } from '@ctxpress/node';
import type { CacheEvent, NodeCacheOption } from '@ctxpress/node';
import { budgetOf, type BudgetSpec, type RegexKeepPolicy } from './config.js';
import { RESPONSE_SHAPES, shapeResult, type ResponseShape } from './response-shape.js';
import { unsafeRegexReason } from './safe-regex.js';

export const COMPRESS_FORMATS = ['text', 'markdown', 'auto', 'chat', 'json', 'logs', 'code'] as const;
export type CompressFormat = (typeof COMPRESS_FORMATS)[number];

const FIELDS = new Set([
  'text',
  'documents',
  'messages',
  'code',
  'system',
  'query',
  'budget',
  'tokenizer',
  'format',
  'keep',
  'explain',
  'separator',
  'documentSeparator',
  'prune',
  'keepLastTurns',
  'prefixStable',
  'shape',
]);

/** What the compressor returns: every result has these, plus its own fields. */
export interface AnyResult {
  readonly tokens: { readonly original: number; readonly compressed: number; readonly budget: number };
}

/** A validated request, ready to run. */
export interface CompressJob {
  readonly format: CompressFormat;
  run(): Promise<AnyResult>;
}

const REGEXP_FLAGS = /^[dgimsuyv]*$/;
/** `*`, `+` or `{n,}` anywhere in a source (escaped ones too: a false positive only means the linear engine). */
const UNBOUNDED_REPEAT = /[*+]|\{\d*,\}/;

export type { RegexKeepPolicy } from './config.js';

/**
 * `/body/flags` is a regular expression (as in the CLI and batch); anything else matches literally. Policy `safe` (the
 * default) runs patterns with an unbounded repeat, and those the check refuses, on the linear-time engine, refusing
 * what neither accepts; `none` refuses every regular expression, `any` takes all on the JavaScript engine.
 */
function keepPattern(pattern: string, index: number, policy: RegexKeepPolicy): RegExp | string {
  const lastSlash = pattern.lastIndexOf('/');
  if (!pattern.startsWith('/') || lastSlash < 2) return pattern;
  const flags = pattern.slice(lastSlash + 1);
  if (!REGEXP_FLAGS.test(flags)) return pattern;
  const source = pattern.slice(1, lastSlash);
  if (policy === 'none') {
    throw new CtxpressError(
      'INVALID_OPTION',
      `keep[${index}]: this server does not accept regular expressions in keep (regexKeep: none); send a plain string.`,
    );
  }
  const unsafe = policy === 'safe' ? unsafeRegexReason(source, flags) : undefined;
  if (policy === 'safe' && (unsafe !== undefined || UNBOUNDED_REPEAT.test(source))) {
    // Patterns the check refuses, and any with an unbounded repeat (`a+b` over a long run of `a` is quadratic on the
    // backtracking engine even when the check accepts it), run on RE2 in linear time. RE2 refuses backreferences and
    // lookarounds: such a pattern is refused when the check refused it, else it runs on the JavaScript engine.
    try {
      return linearRegExp(source, flags);
    } catch (error) {
      if (unsafe !== undefined) {
        throw new CtxpressError(
          'INVALID_OPTION',
          `keep[${index}]: regular expression refused, it could run for a very long time (${unsafe}) and the linear-time engine cannot run it (${error instanceof Error ? error.message : String(error)}); simplify it or send a plain string.`,
        );
      }
    }
  }
  try {
    return new RegExp(source, flags);
  } catch (error) {
    throw new CtxpressError('INVALID_OPTION', `keep[${index}]: invalid regular expression (${error instanceof Error ? error.message : String(error)}).`);
  }
}

function invalid(message: string): CtxpressError {
  return new CtxpressError('INVALID_INPUT', message);
}

function option(message: string): CtxpressError {
  return new CtxpressError('INVALID_OPTION', message);
}

/** What the service adds to a request: its segment cache (text, markdown, auto and chat) and its regex policy. */
export interface CompressContext {
  /** The cache to use, resolved when the compression runs; undefined: none. */
  readonly cache?: () => Promise<NodeCacheOption | undefined>;
  /** Every cache lookup (for the hit/miss metrics). */
  readonly onCacheEvent?: (event: CacheEvent) => void;
  /** Regular expressions in `keep` (default `safe`). */
  readonly regexKeep?: RegexKeepPolicy;
  /**
   * The library's cooperative time limit (`timeLimitMs`): in-thread compression stops with TIME_LIMIT instead of
   * holding the event loop. Default: none.
   */
  readonly timeLimitMs?: number;
  /** The largest response, JSON bytes (RESPONSE_TOO_LARGE above it, estimated before the JSON is built). Default: none. */
  readonly responseLimit?: number;
}

/**
 * Checks the request and returns the compression to run; throws CtxpressError (→ 400) for a bad request. The job's
 * result is in the response shape the request asked for (`shape`: `compact`, the default, or `full`; response-shape.ts).
 */
export function planCompress(body: unknown, context: CompressContext = {}): CompressJob {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('the request body must be a JSON object.');
  const request = body as Record<string, unknown>;
  const unknown = Object.keys(request).filter((key) => !FIELDS.has(key));
  if (unknown.length > 0) throw option(`unknown field(s) ${unknown.join(', ')}; known: ${[...FIELDS].join(', ')}.`);
  const shape = request['shape'] ?? 'compact';
  if (typeof shape !== 'string' || !(RESPONSE_SHAPES as readonly string[]).includes(shape)) {
    throw option(`shape must be one of ${RESPONSE_SHAPES.join(', ')}.`);
  }
  const job = planLibraryCall(request, context);
  const limit = context.responseLimit ?? Infinity;
  return { format: job.format, run: async () => shapeResult(job.format, await job.run(), shape as ResponseShape, limit) as AnyResult };
}

/** The library call of a request (its result as the library returns it). */
function planLibraryCall(request: Record<string, unknown>, context: CompressContext): CompressJob {
  const inputs = (['text', 'documents', 'messages', 'code'] as const).filter((key) => request[key] !== undefined);
  if (inputs.length !== 1) throw invalid(`give exactly one of text, documents, messages or code (got ${inputs.length === 0 ? 'none' : inputs.join(', ')}).`);
  const input = inputs[0]!;

  if (request['budget'] === undefined) throw new CtxpressError('INVALID_BUDGET', 'budget is required: { "tokens": N } or { "ratio": R }.');
  const budget: BudgetSpec | undefined = budgetOf(request['budget']);
  if (budget === undefined) throw new CtxpressError('INVALID_BUDGET', 'budget must be { "tokens": N } (integer ≥ 1) or { "ratio": R } (number ≥ 1).');

  const format = request['format'] ?? (input === 'messages' ? 'chat' : input === 'code' ? 'code' : 'auto');
  if (typeof format !== 'string' || !(COMPRESS_FORMATS as readonly string[]).includes(format)) {
    throw option(`format must be one of ${COMPRESS_FORMATS.join(', ')}.`);
  }
  const kind = format as CompressFormat;
  const needs: Record<CompressFormat, readonly string[]> = {
    text: ['text', 'documents'],
    markdown: ['text', 'documents'],
    auto: ['text', 'documents'],
    chat: ['messages'],
    json: ['text'],
    logs: ['text'],
    code: ['code'],
  };
  if (!needs[kind].includes(input)) throw invalid(`format ${kind} takes ${needs[kind].join(' or ')}, not ${input}.`);

  const { query, tokenizer, explain, keep } = request;
  if (query !== undefined && typeof query !== 'string') throw option('query must be a string.');
  if (tokenizer !== undefined && typeof tokenizer !== 'string') throw option('tokenizer must be a name such as o200k_base or gpt-4o.');
  if (explain !== undefined && typeof explain !== 'boolean') throw option('explain must be true or false.');
  let keepPatterns: (RegExp | string)[] | undefined;
  if (keep !== undefined) {
    if (!Array.isArray(keep) || !keep.every((pattern) => typeof pattern === 'string')) {
      throw option('keep must be an array of strings ("/re/flags" for a regular expression).');
    }
    keepPatterns = (keep as string[]).map((pattern, index) => keepPattern(pattern, index, context.regexKeep ?? 'safe'));
  }
  const common = {
    budget,
    ...(query === undefined ? {} : { query: query as string }),
    ...(tokenizer === undefined ? {} : { tokenizer: tokenizer as string }),
    ...(context.timeLimitMs === undefined ? {} : { timeLimitMs: context.timeLimitMs }),
  };
  const withKeep = keepPatterns === undefined ? common : { ...common, keep: keepPatterns };
  const withExplain = explain === undefined ? {} : { explain: explain as boolean };
  const onlyFor = (fields: readonly string[], what: string): void => {
    const misplaced = fields.filter((field) => request[field] !== undefined);
    if (misplaced.length > 0) throw option(`${misplaced.join(', ')} only apply to ${what}.`);
  };

  switch (kind) {
    case 'text':
    case 'markdown':
    case 'auto': {
      onlyFor(['system', 'keepLastTurns', 'prefixStable'], 'format chat');
      const value = request[input];
      if (input === 'text' && typeof value !== 'string') throw invalid('text must be a string.');
      if (input === 'documents' && !Array.isArray(value)) throw invalid('documents must be an array of { id?, title?, text }.');
      const { separator, documentSeparator, prune } = request;
      const options = {
        ...withKeep,
        ...withExplain,
        format: kind,
        ...(separator === undefined ? {} : { separator: separator as string }),
        ...(documentSeparator === undefined ? {} : { documentSeparator: documentSeparator as string }),
        ...(prune === undefined ? {} : { prune: prune as number | false }),
      };
      return {
        format: kind,
        run: async () => {
          const node = await import('@ctxpress/node');
          const cache = await context.cache?.();
          if (cache === undefined) return node.compress(value as string, options);
          return node.compress(value as string, {
            ...options,
            cache,
            ...(context.onCacheEvent === undefined ? {} : { onCacheEvent: context.onCacheEvent }),
          });
        },
      };
    }
    case 'json':
    case 'logs': {
      onlyFor(['system', 'keepLastTurns', 'prefixStable', 'explain', 'separator', 'documentSeparator', 'prune'], 'text, markdown and auto (explain) or chat');
      const text = request['text'];
      if (typeof text !== 'string') throw invalid('text must be a string.');
      return {
        format: kind,
        run: async () => {
          const node = await import('@ctxpress/node');
          return kind === 'json' ? node.compressJson(text, withKeep) : node.compressLogs(text, withKeep);
        },
      };
    }
    case 'chat': {
      onlyFor(['explain', 'separator', 'documentSeparator', 'prune'], 'text formats');
      const messages = request['messages'];
      if (!Array.isArray(messages)) throw invalid('messages must be an array of chat messages.');
      const { system, keepLastTurns, prefixStable } = request;
      if (system !== undefined && typeof system !== 'string') throw invalid('system must be a string (Anthropic top-level system prompt).');
      if (prefixStable !== undefined && typeof prefixStable !== 'boolean') throw option('prefixStable must be true or false.');
      const options = {
        ...withKeep,
        ...(system === undefined ? {} : { system: system as string }),
        ...(keepLastTurns === undefined ? {} : { keepLastTurns: keepLastTurns as number }),
        ...(prefixStable === undefined ? {} : { prefixStable: prefixStable as boolean }),
      };
      return {
        format: kind,
        run: async () => {
          const node = await import('@ctxpress/node');
          const cache = await context.cache?.();
          if (cache === undefined) return node.compressChat(messages, options);
          return node.compressChat(messages, { ...options, cache, ...(context.onCacheEvent === undefined ? {} : { onCacheEvent: context.onCacheEvent }) });
        },
      };
    }
    case 'code': {
      onlyFor(['keep', 'system', 'keepLastTurns', 'prefixStable', 'separator', 'documentSeparator', 'prune'], 'other formats');
      const files = request['code'];
      if (
        !Array.isArray(files) ||
        !files.every((file) => typeof file === 'object' && file !== null && typeof file.path === 'string' && typeof file.text === 'string')
      ) {
        throw invalid('code must be an array of { path, text } files.');
      }
      const code = (files as { path: string; text: string; language?: unknown }[]).map((file) => ({
        path: file.path,
        text: file.text,
        ...(typeof file.language === 'string' ? { language: file.language } : {}),
      }));
      return { format: kind, run: async () => (await import('@ctxpress/node')).compressCode(code, { ...common, ...withExplain }) };
    }
  }
}
