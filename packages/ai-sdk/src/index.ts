/**
 * `@ctxpress/ai-sdk`: a Vercel AI SDK language-model middleware that compresses the prompt to a token budget before the
 * model sees it.
 *
 * ```ts
 * const model = wrapLanguageModel({ model: openai('gpt-4o'), middleware: ctxpressMiddleware({ budget: { tokens: 4000 } }) });
 * ```
 *
 * There is no compression logic here: the provider-level prompt (`LanguageModelV3Prompt`: system / user / assistant /
 * tool messages) is already in the shape `compressChat` reads as its `ai-sdk` format, so it goes to `compressChat` of
 * `@ctxpress/node` as it is and comes back in the same shape (see `compressPrompt`).
 * @module
 */
import { CtxpressError, isCtxpressError, resolveBudget } from '@ctxpress/core';
import type { Budget, ChatCompressionResult, Tokenizer } from '@ctxpress/core';
import { compressChat, countChatTokens, getTokenizer, resolveTokenizerName } from '@ctxpress/node';
import type { LanguageModelMiddleware } from 'ai';

type TransformParams = NonNullable<LanguageModelMiddleware['transformParams']>;
/** The call options a middleware sees (`LanguageModelV3CallOptions`). */
export type CallOptions = Parameters<TransformParams>[0]['params'];
/** The provider-level prompt (`LanguageModelV3Prompt`). */
export type Prompt = CallOptions['prompt'];
/** A provider-level model (`LanguageModelV3`), what `wrapLanguageModel` takes: e.g. `openai('gpt-4o')`. */
export type LanguageModelV3 = Parameters<TransformParams>[0]['model'];
type Model = LanguageModelV3;

/** What one call did: passed to `onCompressed` and put under `providerMetadata.ctxpress` of the result. */
export interface CtxpressStats {
  /**
   * `relevance` (compressChat ran; when the prompt already fitted the budget it is sent unchanged), `skipped` (at or
   * under `whenOverTokens`: sent untouched), `fail-open` (compression failed: the original prompt was sent, see `error`).
   */
  readonly mode: ChatCompressionResult['mode'] | 'skipped' | 'fail-open';
  /** Canonical tokenizer name the counts are in (`o200k_base`, `cl100k_base`, `llama3`, `qwen3`, or a custom tokenizer's name). */
  readonly tokenizer: string;
  /** Prompt tokens as compressChat counts them (text + tool-call arguments + 4 per message + `mediaTokens` per file); null only when the prompt could not be read. */
  readonly originalTokens: number | null;
  /** Tokens of the prompt that was sent (the original's on `skipped` / `fail-open`). */
  readonly compressedTokens: number | null;
  /** The budget in tokens (absent when nothing was compressed). */
  readonly budget?: number;
  /** originalTokens / compressedTokens (1 when nothing was cut). */
  readonly ratio: number;
  /** Milliseconds spent in the middleware before the model call (tokenizer load, count, compression). */
  readonly ms: number;
  /** Why compression failed (mode `fail-open`): a CtxpressError code (BUDGET_UNSATISFIABLE, INVALID_INPUT, …) or `UNEXPECTED`. */
  readonly error?: { readonly code: string; readonly message: string };
}

export interface CtxpressMiddlewareOptions {
  /** Over the prompt's tokens: `{ tokens: N }` (N ≥ 1) or `{ ratio: R }` (R ≥ 1, 4 = a quarter). */
  readonly budget: Budget;
  /**
   * A tokenizer or model name (`o200k_base`, `cl100k_base`, `llama3`, `qwen3`, `gpt-4o`, …) or a Tokenizer object.
   * Default: derived from the model id (`resolveTokenizerName(model.modelId)`), else `o200k_base`.
   */
  readonly tokenizer?: string | Tokenizer;
  /** What the prompt is scored against. Default: compressChat's (the latest user request, its question part when long). */
  readonly query?: string;
  /** Prompts of at most this many tokens are passed through untouched (the same params object). Default: none (every prompt over the budget is compressed). */
  readonly whenOverTokens?: number;
  /** Text that must survive: every match (strings literally) is kept whole. */
  readonly keep?: readonly (string | RegExp)[];
  /** The last N user turns are kept whole when they fit (compressChat's `keepLastTurns`, default 4). */
  readonly keepLastTurns?: number;
  /** Fixed token cost of each file / image part (passed through untouched). Default 1000. */
  readonly mediaTokens?: number;
  /**
   * Default true: when compression fails (e.g. BUDGET_UNSATISFIABLE because the system prompt and the question alone are
   * over the budget), the original prompt is sent and the failure is reported in the stats (`mode: 'fail-open'`,
   * `error`). false: the call rejects with the CtxpressError instead.
   */
  readonly failOpen?: boolean;
  /** Called once per model call (each step of an agent loop) with the statistics, before the model is called. */
  readonly onCompressed?: (stats: CtxpressStats) => void;
}

function option(message: string): CtxpressError {
  return new CtxpressError('INVALID_OPTION', message);
}

/** Validates the options (CtxpressError with a code) and returns the fixed tokenizer name, if any. */
function checkOptions(options: CtxpressMiddlewareOptions): void {
  if (typeof options !== 'object' || options === null) throw option('ctxpressMiddleware needs options: { budget: { tokens } | { ratio }, … }.');
  resolveBudget(options.budget, 1); // INVALID_BUDGET for a missing or bad budget
  const { tokenizer, query, whenOverTokens, keep, keepLastTurns, mediaTokens, failOpen, onCompressed } = options;
  if (typeof tokenizer === 'string') {
    if (resolveTokenizerName(tokenizer) === undefined) {
      throw new CtxpressError('UNKNOWN_TOKENIZER', `Unknown tokenizer "${tokenizer}". Use o200k_base, cl100k_base, llama3, qwen3, a model name such as gpt-4o, or a Tokenizer object.`);
    }
  } else if (tokenizer !== undefined && (typeof tokenizer !== 'object' || tokenizer === null || typeof tokenizer.count !== 'function')) {
    throw option('options.tokenizer must be a tokenizer or model name, or a Tokenizer { name, count(text) }.');
  }
  if (query !== undefined && typeof query !== 'string') throw option('options.query must be a string.');
  if (whenOverTokens !== undefined && (typeof whenOverTokens !== 'number' || !Number.isInteger(whenOverTokens) || whenOverTokens < 0)) {
    throw option(`options.whenOverTokens must be a whole number ≥ 0, got ${JSON.stringify(whenOverTokens)}.`);
  }
  if (keep !== undefined && (!Array.isArray(keep) || !keep.every((k) => typeof k === 'string' || k instanceof RegExp))) {
    throw option('options.keep must be an array of strings or regular expressions.');
  }
  if (keepLastTurns !== undefined && (typeof keepLastTurns !== 'number' || !Number.isInteger(keepLastTurns) || keepLastTurns < 0)) {
    throw option(`options.keepLastTurns must be a whole number ≥ 0, got ${JSON.stringify(keepLastTurns)}.`);
  }
  if (mediaTokens !== undefined && (typeof mediaTokens !== 'number' || !Number.isInteger(mediaTokens) || mediaTokens < 0)) {
    throw option(`options.mediaTokens must be a whole number ≥ 0, got ${JSON.stringify(mediaTokens)}.`);
  }
  if (failOpen !== undefined && typeof failOpen !== 'boolean') throw option('options.failOpen must be a boolean.');
  if (onCompressed !== undefined && typeof onCompressed !== 'function') throw option('options.onCompressed must be a function.');
}

/** The tokenizer for a call: the option, else the model id's, else o200k_base. */
function tokenizerFor(options: CtxpressMiddlewareOptions, model: Model): Promise<Tokenizer> {
  const { tokenizer } = options;
  if (typeof tokenizer === 'object') return Promise.resolve(tokenizer);
  return getTokenizer(tokenizer ?? resolveTokenizerName(model.modelId) ?? 'o200k_base');
}

/** The result of compressing one prompt: the prompt to send (the same array when nothing changed) and the statistics. */
export interface CompressedPrompt {
  readonly prompt: Prompt;
  readonly stats: CtxpressStats;
}

/**
 * Compresses a provider-level prompt (`LanguageModelV3Prompt`) with compressChat's `ai-sdk` format and returns it in the
 * same shape: the system prompt kept; text parts and tool results cut or replaced by a placeholder by relevance;
 * tool-call parts never changed and never separated from their results; file, reasoning and approval parts (the input's
 * own objects) and every `providerOptions` kept. The input is not mutated: a message that was cut is a copy, the others
 * are the input's objects; a prompt that fits the budget comes back as the same array. What the middleware runs;
 * exported for use without `wrapLanguageModel`. Fails open like the middleware (unless `failOpen: false`).
 */
export async function compressPrompt(prompt: Prompt, options: CtxpressMiddlewareOptions & { readonly modelId?: string }): Promise<CompressedPrompt> {
  checkOptions(options);
  return run(prompt, options, { modelId: options.modelId ?? '' } as Model);
}

async function run(prompt: Prompt, options: CtxpressMiddlewareOptions, model: Model): Promise<CompressedPrompt> {
  const start = performance.now();
  const ms = (): number => Math.round((performance.now() - start) * 100) / 100;
  let tokenizerName = typeof options.tokenizer === 'object' ? options.tokenizer.name : (resolveTokenizerName(options.tokenizer ?? model.modelId) ?? 'o200k_base');
  let original: number | null = null;
  let count: (() => number) | undefined;
  try {
    const tokenizer = await tokenizerFor(options, model);
    tokenizerName = tokenizer.name;
    const common = { tokenizer, format: 'ai-sdk' as const, ...(options.mediaTokens !== undefined ? { mediaTokens: options.mediaTokens } : {}) };
    count = () => countChatTokens(prompt, common);
    // counted up front only for the threshold (compressChat counts again)
    if (options.whenOverTokens !== undefined) {
      original = count();
      if (original <= options.whenOverTokens) {
        return { prompt, stats: { mode: 'skipped', tokenizer: tokenizerName, originalTokens: original, compressedTokens: original, ratio: 1, ms: ms() } };
      }
    }
    const result = await compressChat(prompt, {
      ...common,
      budget: options.budget,
      ...(options.query !== undefined ? { query: options.query } : {}),
      ...(options.keep !== undefined ? { keep: options.keep } : {}),
      ...(options.keepLastTurns !== undefined ? { keepLastTurns: options.keepLastTurns } : {}),
    });
    const { compressed, budget } = result.tokens;
    const unchanged = compressed === result.tokens.original;
    return {
      // a prompt that already fits is sent as it came (compressChat returns the same message objects then)
      prompt: unchanged ? prompt : withOriginalParts(prompt, result),
      stats: {
        mode: result.mode,
        tokenizer: tokenizerName,
        originalTokens: result.tokens.original,
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
        // a prompt compressChat cannot read cannot be counted either: the counts stay null
      }
    }
    const code = isCtxpressError(error) ? error.code : 'UNEXPECTED';
    const message = error instanceof Error ? error.message : String(error);
    return {
      prompt,
      stats: { mode: 'fail-open', tokenizer: tokenizerName, originalTokens: original, compressedTokens: original, ratio: 1, ms: ms(), error: { code, message } },
    };
  }
}

/** Content parts compressChat may change: text parts and (in tool messages) tool results. */
const CUT_PARTS = new Set(['text', 'tool-result']);

/**
 * compressChat's messages with every part it does not change (files, reasoning, tool calls, approvals) put back as the
 * input's own objects. compressChat copies a message it cuts with `structuredClone`, which turns a file part's `data: URL`
 * into `{}` on Node 20 and copies `Uint8Array` data; those parts are never changed, never removed and keep their order,
 * so the n-th such part of a copied message is the n-th of its source. Output messages are the sources whose decision is
 * not `dropped`, in order.
 */
function withOriginalParts(prompt: Prompt, result: ChatCompressionResult): Prompt {
  const sources = result.decisions.filter((d) => d.fidelity !== 'dropped').map((d) => prompt[d.index]!);
  const out = result.messages as Prompt;
  if (sources.length !== out.length) return out; // not expected: compressChat returns one message per kept decision
  return out.map((message, k) => {
    const source = sources[k]!;
    if (message === source || typeof message.content === 'string' || typeof source.content === 'string') return message;
    const originals: readonly { type: string }[] = source.content.filter((p) => !CUT_PARTS.has(p.type));
    let next = 0;
    const content = message.content.map((part) => {
      if (CUT_PARTS.has(part.type)) return part;
      const original = originals[next++];
      return original !== undefined && original.type === part.type ? original : part;
    });
    return { ...message, content } as Prompt[number];
  });
}

/** The stats as provider metadata (JSON values only). */
function metadata(stats: CtxpressStats): Record<string, NonNullable<unknown>> {
  return JSON.parse(JSON.stringify(stats)) as Record<string, NonNullable<unknown>>;
}

/**
 * A language-model middleware (`specificationVersion: 'v3'`, for `wrapLanguageModel({ model, middleware })`) whose
 * `transformParams` compresses `params.prompt` to the budget before every model call (each step of `generateText`,
 * `streamText` and agents), and whose `wrapGenerate` / `wrapStream` put the statistics under
 * `providerMetadata.ctxpress` of the result (for streams, of the `finish` part).
 * @throws CtxpressError INVALID_OPTION / INVALID_BUDGET / UNKNOWN_TOKENIZER for bad options, at once.
 */
export function ctxpressMiddleware(options: CtxpressMiddlewareOptions): LanguageModelMiddleware {
  checkOptions(options);
  // the stats of a call, by the params object transformParams returned (wrapLanguageModel hands that object to wrapGenerate / wrapStream)
  const statsOf = new WeakMap<object, CtxpressStats>();
  const take = (params: CallOptions): CtxpressStats | undefined => {
    const stats = statsOf.get(params);
    statsOf.delete(params);
    return stats;
  };
  return {
    specificationVersion: 'v3',
    async transformParams({ params, model }) {
      const { prompt, stats } = await run(params.prompt, options, model);
      const out = prompt === params.prompt ? params : { ...params, prompt };
      statsOf.set(out, stats);
      options.onCompressed?.(stats);
      return out;
    },
    async wrapGenerate({ doGenerate, params }) {
      const stats = take(params);
      const result = await doGenerate();
      if (stats === undefined) return result;
      return { ...result, providerMetadata: { ...result.providerMetadata, ctxpress: metadata(stats) } } as typeof result;
    },
    async wrapStream({ doStream, params }) {
      const stats = take(params);
      const result = await doStream();
      if (stats === undefined) return result;
      type Part = typeof result.stream extends ReadableStream<infer P> ? P : never;
      const stream = result.stream.pipeThrough(
        new TransformStream<Part, Part>({
          transform(part, controller) {
            if (part.type === 'finish') {
              controller.enqueue({ ...part, providerMetadata: { ...part.providerMetadata, ctxpress: metadata(stats) } } as Part);
            } else controller.enqueue(part);
          },
        }),
      );
      return { ...result, stream };
    },
  };
}

export { CtxpressError, isCtxpressError } from '@ctxpress/core';
