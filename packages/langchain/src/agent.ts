/**
 * `ctxpressMiddleware`: an agent middleware for `createAgent` (`langchain` 1.x) that compresses the message history to
 * a token budget before each model call (`wrapModelCall`: the agent's state keeps the full history; only what the
 * model receives is compressed). A separate entry point, `@ctxpress/langchain/agent`, so the rest of the package does
 * not need `langchain` installed.
 * @module
 */
import { createMiddleware } from 'langchain';
import type { AgentMiddleware } from 'langchain';
import { isCtxpressError } from '@ctxpress/core';
import type { CtxpressError } from '@ctxpress/core';
import { resolveTokenizerName } from '@ctxpress/node';
import { compressMessages } from './messages.js';
import type { MessageCompressionStats } from './messages.js';
import { checkBoolean, checkBudget, checkFunction, checkKeep, checkObject, checkString, checkTokenizer, checkWholeNumber } from './options.js';
import type { KeepOption, TokenizerOption } from './options.js';
import type { Budget } from '@ctxpress/core';

export type { MessageCompressionStats } from './messages.js';

export interface CtxpressMiddlewareOptions {
  /** Over what the model receives (system prompt included): `{ tokens: N }` or `{ ratio: R }`. */
  readonly budget: Budget;
  /** Default: from the model's name where known (gpt-4o → o200k_base, gpt-4 → cl100k_base, Llama 3, Qwen), else `o200k_base`. */
  readonly tokenizer?: TokenizerOption;
  /** What the history is scored against. Default: the latest human request plus the agent's calls since. */
  readonly query?: string;
  readonly keep?: KeepOption;
  /** The last N human turns are kept whole when they fit. Default 4. */
  readonly keepLastTurns?: number;
  /** Histories of at most this many tokens (system prompt included) go to the model untouched. */
  readonly whenOverTokens?: number;
  /**
   * Default `true`: when compression fails with a `CtxpressError` (BUDGET_UNSATISFIABLE: the system prompt and the last
   * human message alone exceed the budget; INVALID_INPUT: a message compressChat cannot read; TIME_LIMIT), the model
   * receives the history unchanged and `onError` is called. `false` throws the error out of the agent.
   */
  readonly failOpen?: boolean;
  /** Called after each compression with its token counts and per-message decisions. */
  readonly onCompressed?: (stats: MessageCompressionStats) => void;
  /** Called with the error when compression failed open. */
  readonly onError?: (error: CtxpressError) => void;
  /** Middleware name (unique per agent). Default `CtxpressMiddleware`. */
  readonly name?: string;
}

/** The tokenizer for a chat model: its `model` / `modelName` mapped by `resolveTokenizerName`, else `o200k_base`. */
export function tokenizerForModel(model: unknown): string {
  const record = typeof model === 'object' && model !== null ? (model as Record<string, unknown>) : {};
  const name = typeof model === 'string' ? model : typeof record['model'] === 'string' ? record['model'] : record['modelName'];
  if (typeof name !== 'string') return 'o200k_base';
  return resolveTokenizerName(name.slice(name.indexOf(':') + 1)) ?? 'o200k_base';
}

/**
 * An agent middleware that compresses the history each model call receives to `budget`: system prompt and the last
 * human message unchanged, tool calls with their tool messages (kept or dropped together), other messages kept, cut to
 * their relevant sentences, replaced by a one-line placeholder or dropped. Fails open by default (see `failOpen`).
 *
 * @example
 * const agent = createAgent({ model, tools, middleware: [ctxpressMiddleware({ budget: { tokens: 8000 }, whenOverTokens: 12000 })] });
 */
export function ctxpressMiddleware(options: CtxpressMiddlewareOptions): AgentMiddleware {
  checkObject(options, 'ctxpressMiddleware');
  const budget = checkBudget(options.budget);
  checkTokenizer(options.tokenizer);
  checkString(options.query, 'query');
  checkKeep(options.keep);
  checkWholeNumber(options.keepLastTurns, 'keepLastTurns', 0);
  checkWholeNumber(options.whenOverTokens, 'whenOverTokens', 0);
  checkBoolean(options.failOpen, 'failOpen');
  checkFunction(options.onCompressed, 'onCompressed');
  checkFunction(options.onError, 'onError');
  checkString(options.name, 'name');
  const failOpen = options.failOpen ?? true;
  return createMiddleware({
    name: options.name ?? 'CtxpressMiddleware',
    wrapModelCall: async (request, handler) => {
      let result;
      try {
        result = await compressMessages(request.messages, {
          budget,
          tokenizer: options.tokenizer ?? tokenizerForModel(request.model),
          system: request.systemMessage,
          ...(options.query !== undefined ? { query: options.query } : {}),
          ...(options.keep !== undefined ? { keep: options.keep } : {}),
          ...(options.keepLastTurns !== undefined ? { keepLastTurns: options.keepLastTurns } : {}),
          ...(options.whenOverTokens !== undefined ? { whenOverTokens: options.whenOverTokens } : {}),
        });
      } catch (error) {
        if (!failOpen || !isCtxpressError(error)) throw error;
        options.onError?.(error);
        return handler(request);
      }
      if (result.decisions.length === 0) return handler(request); // under the budget or the threshold: untouched
      options.onCompressed?.({ tokens: result.tokens, ratio: result.ratio, decisions: result.decisions });
      return handler({ ...request, messages: result.messages });
    },
  });
}
