/**
 * The exact token count of a text by the fastest route a tokenizer offers: `countRanges` with no ranges (its total is
 * exact by contract, and the gpt-tokenizer one is about 4× faster than gpt-tokenizer's own count), else `count`.
 * Used where long texts are counted on every call: the recount of the rendered output and whole chat messages.
 * @module
 */
import type { Tokenizer } from './types.js';

const NO_RANGES = new Uint32Array(0);

export function exactCount(tokenizer: Tokenizer, text: string): number {
  if (text.length === 0) return 0;
  return tokenizer.countRanges === undefined ? tokenizer.count(text) : tokenizer.countRanges(text, NO_RANGES, NO_RANGES).total;
}
