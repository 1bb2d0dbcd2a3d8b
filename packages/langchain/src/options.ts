/**
 * Option checks shared by the compressor, the middleware and the trim function: bad options throw `CtxpressError` with
 * a code (INVALID_OPTION, INVALID_BUDGET, UNKNOWN_TOKENIZER) when the object is built, not on the first call.
 * @module
 */
import { CtxpressError, resolveBudget } from '@ctxpress/core';
import type { Budget, Tokenizer } from '@ctxpress/core';
import { resolveTokenizerName, tokenizerNames } from '@ctxpress/node';

/** A tokenizer name (`o200k_base`, `cl100k_base`, `llama3`, `qwen3` or a model name such as `gpt-4o`) or a `Tokenizer`. */
export type TokenizerOption = string | Tokenizer;

/** Text that must survive compression: every match (strings literally) is kept whole. */
export type KeepOption = readonly (string | RegExp)[];

export function checkObject(options: unknown, what: string): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new CtxpressError('INVALID_OPTION', `${what}: options are required: { budget: { tokens } | { ratio }, tokenizer?, … }.`);
  }
}

export function checkBudget(budget: unknown): Budget {
  resolveBudget(budget as Budget, 1); // throws INVALID_BUDGET for a missing or malformed budget
  return budget as Budget;
}

export function checkTokenizer(tokenizer: unknown): void {
  if (tokenizer === undefined) return;
  if (typeof tokenizer === 'string') {
    if (resolveTokenizerName(tokenizer) === undefined) {
      throw new CtxpressError('UNKNOWN_TOKENIZER', `Unknown tokenizer "${tokenizer}". Use one of ${tokenizerNames.join(', ')}, or a model name such as gpt-4o.`);
    }
    return;
  }
  if (typeof tokenizer !== 'object' || tokenizer === null || typeof (tokenizer as Tokenizer).count !== 'function') {
    throw new CtxpressError('INVALID_OPTION', 'options.tokenizer must be a tokenizer name (o200k_base, cl100k_base, llama3, qwen3, a model name) or a Tokenizer.');
  }
}

export function checkKeep(keep: unknown): void {
  if (keep === undefined) return;
  if (!Array.isArray(keep) || !keep.every((k) => typeof k === 'string' || k instanceof RegExp)) {
    throw new CtxpressError('INVALID_OPTION', 'options.keep must be an array of strings and regular expressions.');
  }
}

export function checkString(value: unknown, name: string): void {
  if (value !== undefined && typeof value !== 'string') throw new CtxpressError('INVALID_OPTION', `options.${name} must be a string.`);
}

export function checkBoolean(value: unknown, name: string): void {
  if (value !== undefined && typeof value !== 'boolean') throw new CtxpressError('INVALID_OPTION', `options.${name} must be true or false.`);
}

export function checkFunction(value: unknown, name: string): void {
  if (value !== undefined && typeof value !== 'function') throw new CtxpressError('INVALID_OPTION', `options.${name} must be a function.`);
}

export function checkWholeNumber(value: unknown, name: string, min: number): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new CtxpressError('INVALID_OPTION', `options.${name} must be a whole number ≥ ${min}, got ${JSON.stringify(value)}.`);
  }
}
