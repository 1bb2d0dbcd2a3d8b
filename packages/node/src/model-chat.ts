/**
 * `compressChatForModel`: what every framework integration does before a model call (AI SDK middleware, OpenAI Agents
 * input filter, and the like): pick the tokenizer (the option, else the model's name, else o200k_base), pass small
 * inputs through under a threshold, run `compressChat`, and on a compression failure either send the original (fail
 * open, reported) or throw — with one statistics record per call. The integration only maps its own message shapes
 * onto a format `compressChat` reads and the result back.
 * @module
 */
import { CtxpressError, isCtxpressError, resolveBudget } from '@ctxpress/core';
import type { Budget, ChatCompressionResult, ChatFormat, Tokenizer } from '@ctxpress/core';
import { countChatTokens } from '@ctxpress/core';
import { compressChat } from './structured.js';
import { getTokenizer, resolveTokenizerName } from './tokenizers/registry.js';

/** The options an integration takes from its user (all but `budget` optional). */
export interface ModelChatOptions {
  /** Over the input's tokens: `{ tokens: N }` (N ≥ 1) or `{ ratio: R }` (R ≥ 1, 4 = a quarter). */
  readonly budget: Budget;
  /** A tokenizer or model name, or a Tokenizer object. Default: the model's name when known, else `o200k_base`. */
  readonly tokenizer?: string | Tokenizer;
  /** What the input is scored against. Default: compressChat's (the latest user request, its question part when long). */
  readonly query?: string;
  /** Inputs of at most this many tokens are passed through untouched. Default: none. */
  readonly whenOverTokens?: number;
  /** Text that must survive: every match (strings literally) is kept whole. */
  readonly keep?: readonly (string | RegExp)[];
  /** The last N user turns are kept whole when they fit (compressChat's `keepLastTurns`, default 4). */
  readonly keepLastTurns?: number;
  /** Fixed token cost of each image, file or audio part (passed through untouched). Default 1000. */
  readonly mediaTokens?: number;
  /** Default true: a compression failure sends the original input and is reported (`mode: 'fail-open'`); false: it throws. */
  readonly failOpen?: boolean;
}

/** What one call did. */
export interface ModelChatStats {
  /**
   * `relevance` / `prefix-stable` (compressChat ran; an input that already fitted is sent unchanged), `skipped` (at or
   * under `whenOverTokens`: sent untouched), `fail-open` (compression failed: the original input was sent, see `error`).
   */
  readonly mode: ChatCompressionResult['mode'] | 'skipped' | 'fail-open';
  /** Canonical tokenizer name the counts are in. */
  readonly tokenizer: string;
  /** Input tokens as compressChat counts them; null only when the input could not be read. */
  readonly originalTokens: number | null;
  /** Tokens of the input that was sent (the original's on `skipped` / `fail-open`). */
  readonly compressedTokens: number | null;
  /** The budget in tokens (absent when nothing was compressed). */
  readonly budget?: number;
  /** originalTokens / compressedTokens (1 when nothing was cut). */
  readonly ratio: number;
  /** Milliseconds spent (tokenizer load, count, compression). */
  readonly ms: number;
  /** Why compression failed (mode `fail-open`): a CtxpressError code or `UNEXPECTED`. */
  readonly error?: { readonly code: string; readonly message: string };
}

/** The call's input as compressChat reads it. */
export interface ModelChatInput {
  /** Messages (or items) in `format`. */
  readonly messages: readonly unknown[];
  readonly format: ChatFormat;
  /** A system prompt outside the messages (Anthropic `system`, Responses `instructions`): counted, never changed. */
  readonly system?: string;
  /** The model's name or id, for the default tokenizer. */
  readonly model?: string;
}

/** `result` is undefined when the input is to be sent as it came (`skipped`, `fail-open`). */
export interface ModelChatOutcome {
  readonly result: ChatCompressionResult | undefined;
  readonly stats: ModelChatStats;
}

function option(message: string): CtxpressError {
  return new CtxpressError('INVALID_OPTION', message);
}

const wholeNumber = (value: unknown): boolean => typeof value === 'number' && Number.isInteger(value) && value >= 0;

/**
 * Checks an integration's options at construction time (`ModelChatOptions`, and an `onCompressed` callback if given):
 * CtxpressError INVALID_BUDGET, UNKNOWN_TOKENIZER or INVALID_OPTION (`what` names the factory, e.g. `ctxpressMiddleware`).
 */
export function checkModelChatOptions(options: unknown, what: string): void {
  if (typeof options !== 'object' || options === null) throw option(`${what} needs options: { budget: { tokens } | { ratio }, … }.`);
  const { budget, tokenizer, query, whenOverTokens, keep, keepLastTurns, mediaTokens, failOpen, onCompressed } = options as Record<string, unknown>;
  resolveBudget(budget as Budget, 1); // INVALID_BUDGET for a missing or bad budget
  if (typeof tokenizer === 'string') {
    if (resolveTokenizerName(tokenizer) === undefined) {
      throw new CtxpressError(
        'UNKNOWN_TOKENIZER',
        `Unknown tokenizer "${tokenizer}". Use o200k_base, cl100k_base, llama3, qwen3, a model name such as gpt-4o, or a Tokenizer object.`,
      );
    }
  } else if (tokenizer !== undefined && (typeof tokenizer !== 'object' || tokenizer === null || typeof (tokenizer as Tokenizer).count !== 'function')) {
    throw option('options.tokenizer must be a tokenizer or model name, or a Tokenizer { name, count(text) }.');
  }
  if (query !== undefined && typeof query !== 'string') throw option('options.query must be a string.');
  for (const [name, value] of [
    ['whenOverTokens', whenOverTokens],
    ['keepLastTurns', keepLastTurns],
    ['mediaTokens', mediaTokens],
  ] as const) {
    if (value !== undefined && !wholeNumber(value)) throw option(`options.${name} must be a whole number ≥ 0, got ${JSON.stringify(value)}.`);
  }
  if (keep !== undefined && (!Array.isArray(keep) || !keep.every((k) => typeof k === 'string' || k instanceof RegExp))) {
    throw option('options.keep must be an array of strings or regular expressions.');
  }
  if (failOpen !== undefined && typeof failOpen !== 'boolean') throw option('options.failOpen must be a boolean.');
  if (onCompressed !== undefined && typeof onCompressed !== 'function') throw option('options.onCompressed must be a function.');
}

/** The tokenizer name for a call: the option, else the model's name when known, else o200k_base. */
export function modelTokenizerName(tokenizer: string | Tokenizer | undefined, model: string | undefined): string {
  if (typeof tokenizer === 'object') return tokenizer.name;
  if (tokenizer !== undefined) return resolveTokenizerName(tokenizer) ?? 'o200k_base';
  return (model !== undefined && model !== '' ? resolveTokenizerName(model) : undefined) ?? 'o200k_base';
}

/**
 * Compresses one model call's input (see the module comment). Never throws for a compression failure unless
 * `failOpen: false`; the options must have passed `checkModelChatOptions`.
 */
export async function compressChatForModel(input: ModelChatInput, options: ModelChatOptions): Promise<ModelChatOutcome> {
  const start = performance.now();
  const ms = (): number => Math.round((performance.now() - start) * 100) / 100;
  let tokenizerName = modelTokenizerName(options.tokenizer, input.model);
  let original: number | null = null;
  let count: (() => number) | undefined;
  try {
    const tokenizer = typeof options.tokenizer === 'object' ? options.tokenizer : await getTokenizer(tokenizerName);
    tokenizerName = tokenizer.name;
    const common = {
      tokenizer,
      format: input.format,
      ...(input.system !== undefined ? { system: input.system } : {}),
      ...(options.mediaTokens !== undefined ? { mediaTokens: options.mediaTokens } : {}),
    };
    count = () => countChatTokens(input.messages, common);
    // counted up front only for the threshold (compressChat counts again)
    if (options.whenOverTokens !== undefined) {
      original = count();
      if (original <= options.whenOverTokens) {
        return { result: undefined, stats: { mode: 'skipped', tokenizer: tokenizerName, originalTokens: original, compressedTokens: original, ratio: 1, ms: ms() } };
      }
    }
    const result = await compressChat(input.messages, {
      ...common,
      budget: options.budget,
      ...(options.query !== undefined ? { query: options.query } : {}),
      ...(options.keep !== undefined ? { keep: options.keep } : {}),
      ...(options.keepLastTurns !== undefined ? { keepLastTurns: options.keepLastTurns } : {}),
    });
    const { original: before, compressed, budget } = result.tokens;
    return {
      result,
      stats: {
        mode: result.mode,
        tokenizer: tokenizerName,
        originalTokens: before,
        compressedTokens: compressed,
        budget,
        ratio: Number.isFinite(result.ratio) ? result.ratio : 0,
        ms: ms(),
      },
    };
  } catch (error) {
    if (options.failOpen === false) throw error;
    if (original === null && count !== undefined) {
      try {
        original = count();
      } catch {
        // an input compressChat cannot read cannot be counted either: the counts stay null
      }
    }
    const code = isCtxpressError(error) ? error.code : 'UNEXPECTED';
    const message = error instanceof Error ? error.message : String(error);
    return {
      result: undefined,
      stats: { mode: 'fail-open', tokenizer: tokenizerName, originalTokens: original, compressedTokens: original, ratio: 1, ms: ms(), error: { code, message } },
    };
  }
}
