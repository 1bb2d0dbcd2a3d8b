/**
 * A stand-in tokenizer with `countRanges`, built from a pre-tokenizer pattern: each match is a piece worth
 * `tokens(piece)` tokens, placed (for `countRanges`) in the range that holds its first non-space character, as the real
 * one-pass counters do. For tests of code that relies on range counts; not for production counts.
 * @module
 */
import type { Tokenizer } from '../types.js';

export interface PieceTokenizerOptions {
  readonly name: string;
  /** The pre-tokenizer: a global (`g`, optionally `u`) pattern whose matches are the pieces. */
  readonly piece: RegExp;
  /** Tokens of one piece. */
  readonly tokens: (piece: string) => number;
}

export function pieceTokenizer(options: PieceTokenizerOptions): Tokenizer {
  const { piece, tokens } = options;
  const each = (text: string, fn: (start: number, end: number, k: number) => void): void => {
    piece.lastIndex = 0;
    for (let m = piece.exec(text); m !== null; m = piece.exec(text)) {
      if (m[0].length === 0) {
        piece.lastIndex++;
        continue;
      }
      fn(m.index, m.index + m[0].length, tokens(m[0]));
    }
  };
  return {
    name: options.name,
    count(text) {
      let n = 0;
      each(text, (_s, _e, k) => (n += k));
      return n;
    },
    countRanges(text, starts, ends) {
      const counts = new Uint32Array(starts.length);
      let total = 0;
      let r = 0;
      each(text, (s, e, k) => {
        total += k;
        let p = s;
        while (p < e && /\s/.test(text[p]!)) p++;
        if (p === e) return;
        while (r < starts.length && ends[r]! <= p) r++;
        if (r < starts.length && starts[r]! <= p) counts[r]! += k;
      });
      return { total, counts };
    },
  };
}
