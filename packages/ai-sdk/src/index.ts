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
import { checkModelChatOptions, compressChatForModel, type ModelChatOptions, type ModelChatStats } from '@ctxpress/node';
import type { LanguageModelMiddleware } from 'ai';

type TransformParams = NonNullable<LanguageModelMiddleware['transformParams']>;
/** The call options a middleware sees (`LanguageModelV3CallOptions`). */
export type CallOptions = Parameters<TransformParams>[0]['params'];
/** The provider-level prompt (`LanguageModelV3Prompt`). */
export type Prompt = CallOptions['prompt'];
/** A provider-level model (`LanguageModelV3`), what `wrapLanguageModel` takes: e.g. `openai('gpt-4o')`. */
export type LanguageModelV3 = Parameters<TransformParams>[0]['model'];
type Model = LanguageModelV3;

/**
 * What one call did: passed to `onCompressed` and put under `providerMetadata.ctxpress` of the result. Counts are
 * compressChat's (text + tool-call arguments + 4 per message + `mediaTokens` per file); `ms` is the time spent in the
 * middleware before the model call (tokenizer load, count, compression).
 */
export type CtxpressStats = ModelChatStats;

/**
 * `budget` (over the prompt's tokens), `tokenizer` (default: derived from the model id, `resolveTokenizerName(model.modelId)`,
 * else `o200k_base`), `query`, `whenOverTokens` (prompts of at most this many tokens pass through untouched: the same
 * params object), `keep`, `keepLastTurns`, `mediaTokens` (per file / image part), `failOpen` (default true: a failure
 * sends the original prompt, reported in the stats; false: the call rejects with the CtxpressError) — see
 * `ModelChatOptions` in @ctxpress/node.
 */
export interface CtxpressMiddlewareOptions extends ModelChatOptions {
  /** Called once per model call (each step of an agent loop) with the statistics, before the model is called. */
  readonly onCompressed?: (stats: CtxpressStats) => void;
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
  checkModelChatOptions(options, 'compressPrompt');
  return run(prompt, options, { modelId: options.modelId ?? '' } as Model);
}

async function run(prompt: Prompt, options: CtxpressMiddlewareOptions, model: Model): Promise<CompressedPrompt> {
  // the provider-level prompt is a subset of what compressChat reads as `ai-sdk` (said explicitly: a prompt without tool
  // parts would be detected as OpenAI messages); a prompt that already fits comes back as it came
  const { result, stats } = await compressChatForModel({ messages: prompt, format: 'ai-sdk', model: model.modelId }, options);
  const unchanged = result === undefined || result.tokens.compressed === result.tokens.original;
  return { prompt: unchanged ? prompt : (result.messages as Prompt), stats };
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
  checkModelChatOptions(options, 'ctxpressMiddleware');
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
