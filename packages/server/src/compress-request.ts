/**
 * `POST /v1/compress`: the transport edge. The body is the shared wire format (`parseCompressRequest` of
 * @ctxpress/core, ADR 0018) plus `shape`; the service adds its regex policy, cache and time limit, and runs the request
 * with `compressRequest` of @ctxpress/node.
 * @module
 */
import { CtxpressError, defaultKeepPattern, parseCompressRequest, parseRegExpLiteral, REQUEST_FORMATS } from '@ctxpress/core';
import type { CompressionSummary, CompressRequest, RequestFormat, ResolvedFormat } from '@ctxpress/core';
import { linearRegExp } from '@ctxpress/node';
import type { CacheEvent, NodeCacheOption } from '@ctxpress/node';
import type { RegexKeepPolicy } from './config.js';
import { RESPONSE_SHAPES, shapeResult, type ResponseShape } from './response-shape.js';
import { unsafeRegexReason } from './safe-regex.js';

/** The `format` values of a request. */
export const COMPRESS_FORMATS = REQUEST_FORMATS;
export type CompressFormat = RequestFormat;

/** A validated request, ready to run. */
export interface CompressJob {
  readonly request: CompressRequest;
  run(): Promise<CompressionSummary>;
  /** The compressor `run` used (`format: auto` resolved), once it ran; undefined before. */
  readonly format: ResolvedFormat | undefined;
}

/** `*`, `+` or `{n,}` anywhere in a source (escaped ones too: a false positive only means the linear engine). */
const UNBOUNDED_REPEAT = /[*+]|\{\d*,\}/;

export type { RegexKeepPolicy } from './config.js';

/**
 * `/body/flags` is a regular expression (as in the CLI and batch); anything else matches literally. Policy `safe` (the
 * default) runs patterns with an unbounded repeat, and those the check refuses, on the linear-time engine, refusing
 * what neither accepts; `none` refuses every regular expression, `any` takes all on the JavaScript engine.
 */
function keepPattern(pattern: string, index: number, policy: RegexKeepPolicy): RegExp | string {
  const literal = parseRegExpLiteral(pattern);
  if (literal === undefined) return pattern;
  const { source, flags } = literal;
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
  return defaultKeepPattern(pattern, index);
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
   * holding the event loop. It caps the request's own `timeLimitMs` (the smaller applies). Default: none (a worker
   * thread is terminated at the service's timeout instead).
   */
  readonly timeLimitMs?: number;
  /** The largest response, JSON bytes (RESPONSE_TOO_LARGE above it, estimated before the JSON is built). Default: none. */
  readonly responseLimit?: number;
}

/**
 * Checks the request and returns the compression to run; throws CtxpressError (→ 400) for a bad request. The job's
 * result is in the response shape the request asked for (`shape`: `compact`, the default, or `full`; response-shape.ts).
 * The request's own `timeLimitMs` applies, capped by the service's (`context.timeLimitMs`).
 */
export function planCompress(body: unknown, context: CompressContext = {}): CompressJob {
  const policy = context.regexKeep ?? 'safe';
  const request = parseCompressRequest(body, { keepPattern: (pattern, index) => keepPattern(pattern, index, policy), extraFields: ['shape'] });
  const shape = (body as Record<string, unknown>)['shape'] ?? 'compact';
  if (typeof shape !== 'string' || !(RESPONSE_SHAPES as readonly string[]).includes(shape)) {
    throw new CtxpressError('INVALID_OPTION', `shape must be one of ${RESPONSE_SHAPES.join(', ')}.`);
  }
  const limit = context.responseLimit ?? Infinity;
  let resolved: ResolvedFormat | undefined;
  return {
    request,
    get format() {
      return resolved;
    },
    run: async () => {
      const node = await import('@ctxpress/node');
      const cache = await context.cache?.();
      const { format, result } = await node.compressRequest(request, {
        ...(cache === undefined ? {} : { cache, ...(context.onCacheEvent === undefined ? {} : { onCacheEvent: context.onCacheEvent }) }),
        ...(context.timeLimitMs === undefined ? {} : { timeLimitMs: context.timeLimitMs }),
      });
      resolved = format;
      return shapeResult(format, result, shape as ResponseShape, limit) as CompressionSummary;
    },
  };
}
