import { describe, it, expect } from 'vitest';
import o200k from 'gpt-tokenizer/encoding/o200k_base';
import cl100k from 'gpt-tokenizer/encoding/cl100k_base';
import { getTokenizer } from './registry.js';
import { LONG_PIECE, LongPieceEncoder, mayHaveLongPiece } from './long-piece.js';

const NO_RANGES = new Uint32Array(0);
const options = { disallowedSpecial: new Set<string>() };

/** A seeded generator, so failures reproduce. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Unbroken runs of the kinds that made gpt-tokenizer's merge quadratic, from LONG_PIECE to a few thousand characters. */
function longRuns(count: number, seed: number): string[] {
  const rnd = random(seed);
  const pick = (alphabet: string, n: number): string => {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
    return s;
  };
  const cjk = (n: number): string => {
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(0x4e00 + Math.floor(rnd() * 3000));
    return s;
  };
  const kinds = [
    (n: number) => 'a'.repeat(n),
    (n: number) => cjk(n),
    (n: number) => pick(BASE64, n),
    (n: number) => pick('abcdefgh', n),
    (n: number) => pick('ab', n),
    (n: number) => pick('0123456789abcdef', n),
    (n: number) => pick('AaBb', n),
    (n: number) => ' '.repeat(n) + 'x',
    (n: number) => pick('é€ü😀', n),
    (n: number) => 'xy'.repeat(n >> 1),
  ];
  const runs: string[] = [];
  for (let k = 0; k < count; k++) runs.push(kinds[k % kinds.length]!(LONG_PIECE + Math.floor(rnd() * 3000)));
  return runs;
}

describe('long pre-tokenizer pieces (heap BPE, ./long-piece.ts)', () => {
  for (const [name, module] of [
    ['o200k_base', o200k],
    ['cl100k_base', cl100k],
  ] as const) {
    it(`${name}: counts long runs exactly as gpt-tokenizer does (count, countRanges, and the merge itself)`, async () => {
      const tokenizer = await getTokenizer(name);
      const core = (
        module as unknown as { bytePairEncodingCoreProcessor: ConstructorParameters<typeof LongPieceEncoder>[0] & { bytePairEncode(p: string): number[] } }
      ).bytePairEncodingCoreProcessor;
      const long = new LongPieceEncoder(core);
      for (const run of longRuns(60, name === 'o200k_base' ? 7 : 8)) {
        const exact = module.countTokens(run, options);
        expect(tokenizer.count(run)).toBe(exact);
        expect(tokenizer.countRanges!(run, NO_RANGES, NO_RANGES).total).toBe(exact);
        expect(long.count(run)).toBe(core.bytePairEncode(run).length);
        // the same run inside prose
        const text = `Some prose first, then ${run} and prose after.`;
        expect(tokenizer.countRanges!(text, NO_RANGES, NO_RANGES).total).toBe(module.countTokens(text, options));
      }
    }, 60_000);

    it(`${name}: a 1M-character run of one letter and 126k CJK characters count in well under a few seconds`, async () => {
      const tokenizer = await getTokenizer(name);
      const rnd = random(3);
      let cjk = '';
      for (let i = 0; i < 126_000; i++) cjk += String.fromCharCode(0x4e00 + Math.floor(rnd() * 3000));
      // distinct letters per call, so no call is answered by the piece table of an earlier one
      const cases: [string, () => number][] = [
        ['count, 1M b', () => tokenizer.count('b'.repeat(1_000_000))],
        ['countRanges, 1M c', () => tokenizer.countRanges!('c'.repeat(1_000_000), NO_RANGES, NO_RANGES).total],
        ['count, 126k CJK', () => tokenizer.count(cjk)],
        ['countRanges, 126k CJK + 1', () => tokenizer.countRanges!(cjk + '中', NO_RANGES, NO_RANGES).total],
      ];
      for (const [label, run] of cases) {
        const start = performance.now();
        const tokens = run();
        const ms = performance.now() - start;
        expect(tokens, label).toBeGreaterThan(1000);
        expect(ms, label).toBeLessThan(3000);
      }
    }, 60_000);
  }

  it('Llama 3 and Qwen count a long run fast (their long pieces go to ./merge-bpe.ts)', async () => {
    for (const name of ['llama3', 'qwen3']) {
      const tokenizer = await getTokenizer(name);
      tokenizer.count('warm up');
      const start = performance.now();
      expect(tokenizer.count('a'.repeat(100_000))).toBe(12_500);
      // the model's own bpe() took seconds on runs like this (objects and a JSON key per merge step)
      expect(performance.now() - start).toBeLessThan(3000);
    }
  }, 60_000);
});

interface CoreLike {
  getBpeRankFromBytes(bytes: Uint8Array): number | undefined;
  bytePairRankDecoder: readonly unknown[];
  bytePairEncode(piece: string): number[];
}

/** gpt-tokenizer's `bytePairMerge`, transcribed: merge the lowest-ranked adjacent pair, leftmost on a tie. */
function referenceMergeCount(bytes: Uint8Array, rankOf: (bytes: Uint8Array) => number | undefined): number {
  const starts: number[] = [];
  for (let i = 0; i <= bytes.length; i++) starts.push(i);
  const pairRank = (k: number): number => (k + 2 < starts.length ? (rankOf(bytes.subarray(starts[k]!, starts[k + 2]!)) ?? Infinity) : Infinity);
  const ranks = starts.map((_, k) => pairRank(k));
  while (starts.length > 2) {
    let lowest = Infinity;
    let at = -1;
    for (let k = 0; k < ranks.length - 1; k++) {
      if (ranks[k]! < lowest) {
        lowest = ranks[k]!;
        at = k;
      }
    }
    if (at < 0) break;
    starts.splice(at + 1, 1);
    ranks.splice(at, 1);
    ranks[at] = pairRank(at);
    if (at > 0) ranks[at - 1] = pairRank(at - 1);
  }
  return starts.length - 1;
}

describe('LongPieceEncoder on random vocabularies', () => {
  it('merges exactly as gpt-tokenizer does, also when merges create pairs of lower ranks than the current one', () => {
    const rnd = random(21);
    const letters = 'abc';
    for (let v = 0; v < 40; v++) {
      // a vocabulary whose ranks are not in merge order (real ones are nearly so): lower-ranked pairs keep appearing
      const ranks = new Map<string, number>();
      for (const letter of letters) ranks.set(letter, ranks.size);
      const multi: string[] = [];
      while (multi.length < 30) {
        let token = '';
        const length = 2 + Math.floor(rnd() * 5);
        for (let i = 0; i < length; i++) token += letters[Math.floor(rnd() * letters.length)];
        if (!ranks.has(token) && !multi.includes(token)) multi.push(token);
      }
      for (const token of multi.sort(() => rnd() - 0.5)) ranks.set(token, ranks.size);
      const decoder = new TextDecoder();
      const rankOf = (bytes: Uint8Array): number | undefined => ranks.get(decoder.decode(bytes));
      const long = new LongPieceEncoder({ getBpeRankFromBytes: rankOf });
      for (let k = 0; k < 25; k++) {
        let piece = '';
        const length = 1 + Math.floor(rnd() * 400);
        for (let i = 0; i < length; i++) piece += letters[Math.floor(rnd() * letters.length)];
        expect(long.count(piece), `${[...ranks.keys()].join(',')} / ${piece}`).toBe(referenceMergeCount(new TextEncoder().encode(piece), rankOf));
      }
    }
  });
});

describe('LongPieceEncoder with the byte table (./byte-ranks.ts)', () => {
  it('merges exactly as gpt-tokenizer on random vocabularies given to its own BPE core (string and byte entries)', () => {
    const Core = (o200k as unknown as { bytePairEncodingCoreProcessor: { constructor: new (options: unknown) => CoreLike } }).bytePairEncodingCoreProcessor
      .constructor;
    const rnd = random(33);
    const alphabet = ['a', 'b', 'é', '中', '😀', '\ufeff'];
    for (let v = 0; v < 30; v++) {
      // all 256 bytes first (as in real vocabularies), then random multi-character tokens in random order; some
      // stored as bytes (as gpt-tokenizer does for tokens that are not valid UTF-8), some cut inside a character
      const decoder: (string | number[])[] = [];
      for (let b = 0; b < 256; b++) decoder.push(b < 128 ? String.fromCharCode(b) : [b]);
      const seen = new Set<string>();
      while (decoder.length < 256 + 120) {
        let token = '';
        const length = 2 + Math.floor(rnd() * 4);
        for (let i = 0; i < length; i++) token += alphabet[Math.floor(rnd() * alphabet.length)];
        if (seen.has(token)) continue;
        seen.add(token);
        const bytes = [...new TextEncoder().encode(token)];
        const kind = rnd();
        if (kind < 0.15) decoder.push(bytes.slice(0, bytes.length - 1)); // a token that ends inside a character
        else if (kind < 0.25) decoder.push(bytes.slice(1));
        else if (kind < 0.3) decoder.push([0xef, 0xbb, 0xbf, ...bytes]); // a byte-order mark in front
        else if (kind < 0.35) decoder.push([0xbf, ...bytes]); // with [EF BB]: merges that gpt-tokenizer finds past a BOM
        else decoder.push(token);
      }
      decoder.push([0xef, 0xbb], [0xbb, 0xbf]);
      const tail = decoder.splice(256).sort(() => rnd() - 0.5);
      decoder.push(...tail);
      const core = new Core({ bytePairRankDecoder: decoder, tokenSplitRegex: /[\s\S]+/gu, mergeCacheSize: 0 });
      const long = new LongPieceEncoder(core);
      for (let k = 0; k < 20; k++) {
        let piece = '';
        const length = 1 + Math.floor(rnd() * 300);
        for (let i = 0; i < length; i++) piece += rnd() < 0.03 ? '\ufeff' : alphabet[Math.floor(rnd() * alphabet.length)];
        expect(long.count(piece), piece).toBe(core.bytePairEncode(piece).length);
      }
    }
  });

  it('looks up a pair with a part made past a byte-order mark by its bytes, not by the part ranks', () => {
    const Core = (o200k as unknown as { bytePairEncodingCoreProcessor: { constructor: new (options: unknown) => CoreLike } }).bytePairEncodingCoreProcessor
      .constructor;
    const decoder: (string | number[])[] = [];
    for (let b = 0; b < 256; b++) decoder.push(b < 128 ? String.fromCharCode(b) : [b]);
    decoder.push('ab', [0xef, 0xbb], [0xbf, 0x61], [0xbf, 0x61, 0x62], 'xab');
    const core = new Core({ bytePairRankDecoder: decoder, tokenSplitRegex: /[\s\S]+/gu, mergeCacheSize: 0 });
    // [EF BB] + [BF a b] is found as `ab` (TextDecoder drops the mark): a part of rank `ab` whose bytes are not `ab`'s;
    // `x` + that part is then not `xab`, though `x` + `ab` (cached from the start of the piece) is
    const piece = 'xabx\ufeffab';
    expect(core.bytePairEncode(piece).length).toBe(3);
    expect(new LongPieceEncoder(core).count(piece)).toBe(3);
  });

  for (const [name, module] of [
    ['o200k_base', o200k],
    ['cl100k_base', cl100k],
  ] as const) {
    it(`${name}: counts mixed-script, byte-order-mark and random-code-point pieces as gpt-tokenizer's merge`, () => {
      const core = (module as unknown as { bytePairEncodingCoreProcessor: CoreLike }).bytePairEncodingCoreProcessor;
      const long = new LongPieceEncoder(core);
      const rnd = random(name === 'o200k_base' ? 41 : 42);
      const scripts = ['abcdefghij', 'ABCDEFG', 'абвгдежзик', 'αβγδεζηθ', 'אבגדהוזח', 'ابتثجحخد', 'अआइईउऊ', 'あいうえおかきく', '한국어문장', '\ufeff', ' ', '0123456789', '😀🎉👍'];
      for (let k = 0; k < 120; k++) {
        let piece = '';
        const length = 50 + Math.floor(rnd() * 700);
        const mixed = k % 3;
        let script = scripts[Math.floor(rnd() * scripts.length)]!;
        while (piece.length < length) {
          if (mixed === 0 || rnd() < 0.05) script = scripts[Math.floor(rnd() * scripts.length)]!;
          if (mixed === 2 && rnd() < 0.3) {
            // any code point, lone surrogates aside
            const c = Math.floor(rnd() * 0x2ffff);
            piece += c >= 0xd800 && c <= 0xdfff ? 'x' : String.fromCodePoint(c);
          } else piece += [...script][Math.floor(rnd() * [...script].length)];
        }
        expect(long.count(piece), JSON.stringify(piece)).toBe(core.bytePairEncode(piece).length);
      }
    }, 60_000);
  }
});

describe('mayHaveLongPiece', () => {
  it('is false for ordinary text', () => {
    const prose = 'The quick brown fox jumps over the lazy dog. '.repeat(2000) + 'https://example.com/a/b/c?x=1 ' + '東京は日本の首都です。'.repeat(10);
    expect(mayHaveLongPiece(prose)).toBe(false);
    expect(mayHaveLongPiece('a'.repeat(LONG_PIECE - 1))).toBe(false);
  });

  it('is true whenever a text has a pre-tokenizer piece of LONG_PIECE or more (both encodings)', () => {
    const rnd = random(11);
    const alphabets = ['a ', 'a\n', '!\n/', ' \n\r/', '!/ ', 'aA1!', ' \t', '\u3000a', 'a\u00a0b', '/\n!a '];
    const regexes = [o200k, cl100k].map(
      (m) =>
        new RegExp((m as unknown as { bytePairEncodingCoreProcessor: { tokenSplitRegex: RegExp } }).bytePairEncodingCoreProcessor.tokenSplitRegex.source, 'gu'),
    );
    let long = 0;
    for (let k = 0; k < 3000; k++) {
      const alphabet = alphabets[k % alphabets.length]!;
      // mostly one character of the alphabet, so long pieces happen
      const main = alphabet[Math.floor(rnd() * alphabet.length)]!;
      let text = '';
      const n = LONG_PIECE + Math.floor(rnd() * 400);
      const noise = rnd() * 0.2;
      for (let i = 0; i < n; i++) text += rnd() < noise ? alphabet[Math.floor(rnd() * alphabet.length)] : main;
      const longest = Math.max(...regexes.map((regex) => Math.max(0, ...[...text.matchAll(regex)].map((m) => m[0].length))));
      if (longest >= LONG_PIECE) {
        long++;
        expect(mayHaveLongPiece(text), JSON.stringify(text)).toBe(true);
      }
    }
    expect(mayHaveLongPiece('!' + '\n/'.repeat(LONG_PIECE))).toBe(true);
    expect(long).toBeGreaterThan(100);
  });
});
