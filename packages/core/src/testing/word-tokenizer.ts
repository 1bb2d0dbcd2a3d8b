/**
 * Test helpers for ctxpress and for anyone implementing its extension points.
 * @module
 */
import type { Tokenizer } from '../types.js';

/**
 * A deterministic stand-in tokenizer for tests: one token per word-character run and one per other non-space character
 * (roughly like BPE on English). Not for production counts.
 */
export function wordTokenizer(): Tokenizer {
  return {
    name: 'test-words',
    count(text: string): number {
      let n = 0;
      let inWord = false;
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        const word = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c > 127;
        if (word) {
          if (!inWord) n++;
          inWord = true;
        } else {
          inWord = false;
          if (c !== 32 && c !== 9 && c !== 13) n++;
        }
      }
      return n;
    },
  };
}
