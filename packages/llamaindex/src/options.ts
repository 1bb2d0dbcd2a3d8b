/**
 * Option checks for `CtxpressNodePostprocessor`: bad options throw a coded `CtxpressError` (INVALID_OPTION,
 * INVALID_BUDGET, UNKNOWN_TOKENIZER) when the postprocessor is built, not on the first query.
 * @module
 */
import { CtxpressError, resolveBudget } from '@ctxpress/core';
import type { Budget, Tokenizer } from '@ctxpress/core';
import { resolveTokenizerName, tokenizerNames } from '@ctxpress/node';

/** A tokenizer name (`o200k_base`, `cl100k_base`, `llama3`, `qwen3` or a model name such as `gpt-4o`) or a `Tokenizer`. */
export type TokenizerOption = string | Tokenizer;

/** Text that must survive compression: every match (strings literally) is kept whole. */
export type KeepOption = readonly (string | RegExp)[];

/** `source`: the retriever's order. `relevance`: by each node's best kept passage score (ties: the retriever's order). */
export type NodeOrder = 'source' | 'relevance';

const ORDERS: readonly string[] = ['source', 'relevance'];

const invalid = (message: string): CtxpressError => new CtxpressError('INVALID_OPTION', message);

/** Throws a coded `CtxpressError` for the first bad option. */
export function checkOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalid('CtxpressNodePostprocessor: options are required: { budget: { tokens } | { ratio }, tokenizer?, keep?, order?, failOpen? }.');
  }
  const { budget, tokenizer, keep, order, separator, failOpen } = options as Record<string, unknown>;
  resolveBudget(budget as Budget, 1); // INVALID_BUDGET for a missing or malformed budget
  if (typeof tokenizer === 'string') {
    if (resolveTokenizerName(tokenizer) === undefined) {
      throw new CtxpressError('UNKNOWN_TOKENIZER', `Unknown tokenizer "${tokenizer}". Use one of ${tokenizerNames.join(', ')}, or a model name such as gpt-4o.`);
    }
  } else if (tokenizer !== undefined && (typeof tokenizer !== 'object' || tokenizer === null || typeof (tokenizer as Tokenizer).count !== 'function')) {
    throw invalid('options.tokenizer must be a tokenizer name (o200k_base, cl100k_base, llama3, qwen3, a model name) or a Tokenizer.');
  }
  if (keep !== undefined && (!Array.isArray(keep) || !keep.every((k) => typeof k === 'string' || k instanceof RegExp))) {
    throw invalid('options.keep must be an array of strings and regular expressions.');
  }
  if (order !== undefined && (typeof order !== 'string' || !ORDERS.includes(order))) {
    throw invalid(`options.order must be "source" or "relevance", got ${JSON.stringify(order)}.`);
  }
  if (separator !== undefined && typeof separator !== 'string') throw invalid('options.separator must be a string.');
  if (failOpen !== undefined && typeof failOpen !== 'boolean') throw invalid('options.failOpen must be true or false.');
}
