import { CtxpressError } from '@ctxpress/core';
import type { Tokenizer } from '@ctxpress/core';
import { openAiTokenizer } from './openai.js';
import { huggingFaceTokenizer } from './hugging-face.js';

/** Canonical tokenizer names. Model names map onto these (see `resolveTokenizerName`). */
export const tokenizerNames = ['o200k_base', 'cl100k_base', 'llama3', 'qwen3'] as const;
export type TokenizerName = (typeof tokenizerNames)[number];

const loaders: Record<TokenizerName, () => Promise<Tokenizer>> = {
  o200k_base: () => openAiTokenizer('o200k_base'),
  cl100k_base: () => openAiTokenizer('cl100k_base'),
  llama3: () => huggingFaceTokenizer('llama3'),
  qwen3: () => huggingFaceTokenizer('qwen3'),
};

/**
 * Maps a tokenizer or model name to a canonical tokenizer name, or undefined when unknown.
 * gpt-4o, gpt-4.1, gpt-5, o1/o3/o4 → o200k_base; gpt-4, gpt-3.5-turbo, text-embedding-3 → cl100k_base;
 * Llama 3.x → llama3; Qwen 2/2.5/3 (one shared vocabulary) → qwen3.
 */
export function resolveTokenizerName(name: string): TokenizerName | undefined {
  const n = name.trim().toLowerCase();
  if ((tokenizerNames as readonly string[]).includes(n)) return n as TokenizerName;
  const model = n.includes('/') ? n.slice(n.lastIndexOf('/') + 1) : n;
  if (/^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|chatgpt-4o|o1|o3|o4|gpt-oss)/.test(model)) return 'o200k_base';
  if (/^(gpt-4|gpt-3\.5|text-embedding-3|text-embedding-ada-002)/.test(model)) return 'cl100k_base';
  if (/llama[-_ ]?3/.test(model)) return 'llama3';
  if (/qwen/.test(model)) return 'qwen3';
  return undefined;
}

const cache = new Map<TokenizerName, Promise<Tokenizer>>();

/**
 * Loads a tokenizer by tokenizer or model name (once per process; later calls share it).
 * @throws CtxpressError UNKNOWN_TOKENIZER for a name it cannot map.
 */
export function getTokenizer(name: string = 'o200k_base'): Promise<Tokenizer> {
  if (typeof name !== 'string') {
    return Promise.reject(new CtxpressError('UNKNOWN_TOKENIZER', `tokenizer must be a name (${tokenizerNames.join(', ')} or a model name) or a Tokenizer object.`));
  }
  const canonical = resolveTokenizerName(name);
  if (canonical === undefined) {
    return Promise.reject(
      new CtxpressError('UNKNOWN_TOKENIZER', `Unknown tokenizer "${name}". Use one of ${tokenizerNames.join(', ')}, or a model name such as gpt-4o, gpt-4, gpt-3.5-turbo, llama-3.1-8b, qwen2.5-7b.`),
    );
  }
  let loaded = cache.get(canonical);
  if (loaded === undefined) {
    loaded = loaders[canonical]();
    cache.set(canonical, loaded);
    loaded.catch(() => cache.delete(canonical));
  }
  return loaded;
}
