import type { Tokenizer } from '@ctxpress/core';

/**
 * OpenAI BPE encodings through gpt-tokenizer (pure JS, exact ids, ~1.7–2 M tokens/s here). Special-token text such as
 * `<|endoftext|>` in content is counted as the plain text it is, never rejected.
 */
export async function openAiTokenizer(encoding: 'o200k_base' | 'cl100k_base'): Promise<Tokenizer> {
  const module = encoding === 'o200k_base' ? await import('gpt-tokenizer/encoding/o200k_base') : await import('gpt-tokenizer/encoding/cl100k_base');
  const options = { disallowedSpecial: new Set<string>() };
  const countTokens = module.countTokens;
  return {
    name: encoding,
    count: (text: string): number => (text.length === 0 ? 0 : countTokens(text, options)),
  };
}
