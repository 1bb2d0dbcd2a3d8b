/**
 * `ctxpressTrimMessages`: `trimMessages` (`@langchain/core/messages`) in shape, compression in effect — instead of
 * dropping whole messages from one end, the history is compressed to the budget by relevance to the latest request.
 * @module
 */
import { RunnableLambda } from '@langchain/core/runnables';
import type { Runnable } from '@langchain/core/runnables';
import { coerceMessageLikeToMessage, isBaseMessage } from '@langchain/core/messages';
import type { BaseMessage, BaseMessageLike } from '@langchain/core/messages';
import { CtxpressError, isCtxpressError } from '@ctxpress/core';
import type { Budget } from '@ctxpress/core';
import { compressMessages } from './messages.js';
import type { MessageCompressionOptions } from './messages.js';
import { checkBoolean, checkBudget, checkKeep, checkObject, checkString, checkTokenizer, checkWholeNumber } from './options.js';
import type { KeepOption, TokenizerOption } from './options.js';

/** Options of `ctxpressTrimMessages`: the budget as `budget`, or as `maxTokens` (as for `trimMessages`), not both. */
export interface CtxpressTrimMessagesOptions {
  /** `{ tokens: N }` or `{ ratio: R }` over the whole list (system messages included). */
  readonly budget?: Budget;
  /** Shorthand for `budget: { tokens: maxTokens }`. */
  readonly maxTokens?: number;
  /** The target model's tokenizer: a name (default `o200k_base`) or a `Tokenizer`. */
  readonly tokenizer?: TokenizerOption;
  readonly query?: string;
  readonly keep?: KeepOption;
  /** The last N human turns are kept whole when they fit. Default 4. */
  readonly keepLastTurns?: number;
  /** Lists of at most this many tokens are returned untouched. */
  readonly whenOverTokens?: number;
  /**
   * When compression fails with a `CtxpressError` (BUDGET_UNSATISFIABLE: the system messages and the last human
   * message alone exceed the budget; INVALID_INPUT: a message type compressChat cannot read), `true` returns the
   * messages unchanged. Default `false`: the error is thrown.
   */
  readonly failOpen?: boolean;
}

type CheckedTrimOptions = MessageCompressionOptions & { readonly whenOverTokens?: number; readonly failOpen: boolean };

/** Checks the options; the compression options they amount to. */
export function checkTrimOptions(options: CtxpressTrimMessagesOptions): CheckedTrimOptions {
  checkObject(options, 'ctxpressTrimMessages');
  if ((options.budget === undefined) === (options.maxTokens === undefined)) {
    throw new CtxpressError('INVALID_BUDGET', 'ctxpressTrimMessages needs exactly one of budget ({ tokens } | { ratio }) or maxTokens.');
  }
  checkWholeNumber(options.maxTokens, 'maxTokens', 1);
  const budget = checkBudget(options.budget ?? { tokens: options.maxTokens });
  checkTokenizer(options.tokenizer);
  checkString(options.query, 'query');
  checkKeep(options.keep);
  checkWholeNumber(options.keepLastTurns, 'keepLastTurns', 0);
  checkWholeNumber(options.whenOverTokens, 'whenOverTokens', 0);
  checkBoolean(options.failOpen, 'failOpen');
  const checked: CheckedTrimOptions = {
    budget,
    failOpen: options.failOpen ?? false,
    ...(options.tokenizer !== undefined ? { tokenizer: options.tokenizer } : {}),
    ...(options.query !== undefined ? { query: options.query } : {}),
    ...(options.keep !== undefined ? { keep: options.keep } : {}),
    ...(options.keepLastTurns !== undefined ? { keepLastTurns: options.keepLastTurns } : {}),
    ...(options.whenOverTokens !== undefined ? { whenOverTokens: options.whenOverTokens } : {}),
  };
  return checked;
}

async function trim(input: unknown, options: CheckedTrimOptions): Promise<BaseMessage[]> {
  const list: unknown = typeof (input as { toChatMessages?: unknown })?.toChatMessages === 'function' ? (input as { toChatMessages(): BaseMessage[] }).toChatMessages() : input;
  if (!Array.isArray(list)) throw new CtxpressError('INVALID_INPUT', 'ctxpressTrimMessages needs an array of messages.');
  const messages = list.map((m: unknown) => (isBaseMessage(m) ? m : coerceMessageLikeToMessage(m as BaseMessageLike)));
  try {
    return (await compressMessages(messages, options)).messages;
  } catch (error) {
    if (options.failOpen && isCtxpressError(error)) return messages;
    throw error;
  }
}

/**
 * Compresses a message list to a token budget, with the shape of `trimMessages`: with messages, a promise of the
 * compressed list; with options only, a `Runnable` for LCEL chains (`ctxpressTrimMessages({ maxTokens: 2000 }).pipe(model)`).
 * System messages and the last human message come back unchanged, tool calls keep their tool messages, other messages
 * are kept, cut to their relevant sentences, replaced by a one-line placeholder or dropped.
 * @throws CtxpressError INVALID_OPTION / INVALID_BUDGET / UNKNOWN_TOKENIZER for bad options (at once in the Runnable
 *   form); BUDGET_UNSATISFIABLE and INVALID_INPUT unless `failOpen`.
 */
export function ctxpressTrimMessages(options: CtxpressTrimMessagesOptions): Runnable<BaseMessage[], BaseMessage[]>;
export function ctxpressTrimMessages(messages: BaseMessage[], options: CtxpressTrimMessagesOptions): Promise<BaseMessage[]>;
export function ctxpressTrimMessages(
  messagesOrOptions: BaseMessage[] | CtxpressTrimMessagesOptions,
  options?: CtxpressTrimMessagesOptions,
): Runnable<BaseMessage[], BaseMessage[]> | Promise<BaseMessage[]> {
  if (Array.isArray(messagesOrOptions)) {
    try {
      const checked = checkTrimOptions(options as CtxpressTrimMessagesOptions);
      return trim(messagesOrOptions, checked);
    } catch (error) {
      return Promise.reject(error);
    }
  }
  const checked = checkTrimOptions(messagesOrOptions);
  return RunnableLambda.from((input: BaseMessage[]) => trim(input, checked)).withConfig({ runName: 'ctxpress_trim_messages' });
}
