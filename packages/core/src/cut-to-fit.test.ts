import { describe, expect, it } from 'vitest';
import { compressSync } from './compress.js';
import { pieceTokenizer, wordTokenizer } from './testing/index.js';
import type { Tokenizer } from './types.js';

/** A run tokenizer: every 3 characters of a letter run are one token (a stand-in for BPE on an unbroken run). */
function runTokenizer(): Tokenizer & { readonly counted: number[] } {
  const base = pieceTokenizer({ name: 'run3', piece: /\p{L}+|\s+|[^\p{L}\s]+/gu, tokens: (p) => Math.ceil(p.length / 3) });
  const counted: number[] = [];
  return {
    ...base,
    counted,
    count(text: string): number {
      counted.push(text.length);
      return base.count(text);
    },
  };
}

describe('cut to fit (one unit larger than the budget)', () => {
  it('fills the budget from a single unbroken run with a few counts of about the budget, not a bisection over the run', () => {
    const tokenizer = runTokenizer();
    const text = 'ab'.repeat(150_000); // 300k characters, one pre-token piece, one unit
    const result = compressSync(text, { tokenizer, budget: { tokens: 2000 } });
    expect(result.tokens.compressed).toBeLessThanOrEqual(2000);
    expect(result.tokens.compressed).toBeGreaterThanOrEqual(2000 - Math.floor(2000 / 256));
    expect(result.kept).toHaveLength(1);
    expect(result.kept[0]!.start).toBe(0);
    // the prefix counts: a handful, each about the size of the result (a bisection counted ~17 prefixes, the first
    // one half the run)
    const prefixCounts = tokenizer.counted.filter((n) => n > 1000);
    expect(prefixCounts.length).toBeLessThanOrEqual(4);
    for (const n of prefixCounts) expect(n).toBeLessThan(2 * 3 * 2000);
  });

  it('still finds a fitting prefix when the unit count is unknown to it (a range count that placed the tokens elsewhere)', () => {
    const tokenizer = runTokenizer();
    const text = `${'x'.repeat(9000)}\n\n${'lorem ipsum '.repeat(10)}`;
    const result = compressSync(text, { tokenizer, budget: { tokens: 120 } });
    expect(result.tokens.compressed).toBeLessThanOrEqual(120);
    expect(result.tokens.compressed).toBeGreaterThan(0);
  });

  it('converges when every secant guess overshoots (one unit of 101 tokens, budget 100: fast-check seed 797410213)', () => {
    const input =
      '```\nDr. rover rover rover.\n# 42 rover Dust é battery of é Dust 東京 👍🏽.\r\n\r\nrover Dr. rover https://x.io/a?b=1 rover Dr.. rover rover. rover. rover rover rover user_id rover.\n3.5 rover rover rover rover rover <|endoftext|> <|endoftext|> 3.5 rover rover rover. rover rover rover rover rover rover rover rover rover rover rover rover.\n\n' +
      'a'.repeat(102) +
      '\n';
    const result = compressSync(input, { tokenizer: wordTokenizer(), budget: { tokens: 100 } });
    expect(result.tokens.compressed).toBeLessThanOrEqual(100);
    expect(result.tokens.compressed).toBeGreaterThan(90);
  });
});
