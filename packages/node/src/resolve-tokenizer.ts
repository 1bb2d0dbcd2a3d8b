import type { Tokenizer } from '@ctxpress/core';
import { getTokenizer } from './tokenizers/registry.js';

/** The tokenizer object for a name or object (default o200k_base). */
export async function resolveTokenizer(tokenizer: string | Tokenizer | undefined): Promise<Tokenizer> {
  return typeof tokenizer === 'object' && tokenizer !== null ? tokenizer : getTokenizer(tokenizer ?? 'o200k_base');
}
