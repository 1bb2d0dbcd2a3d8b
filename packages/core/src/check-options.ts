import { CtxpressError } from './errors.js';
import type { Tokenizer } from './types.js';

/**
 * The checks every compressor runs on its options: an options object, a `Tokenizer`, and a string query when one is
 * given. Returns the tokenizer.
 */
export function checkCommonOptions(options: unknown): Tokenizer {
  if (typeof options !== 'object' || options === null) {
    throw new CtxpressError('INVALID_OPTION', 'options are required: { budget, tokenizer, query? }.');
  }
  const { tokenizer, query } = options as { tokenizer?: unknown; query?: unknown };
  if (typeof tokenizer !== 'object' || tokenizer === null || typeof (tokenizer as Tokenizer).count !== 'function') {
    throw new CtxpressError('INVALID_OPTION', 'options.tokenizer must be a Tokenizer { name, count(text) } (in @ctxpress/node a name such as "o200k_base" also works).');
  }
  if (query !== undefined && typeof query !== 'string') {
    throw new CtxpressError('INVALID_OPTION', `options.query must be a string, got ${typeof query}.`);
  }
  return tokenizer as Tokenizer;
}
