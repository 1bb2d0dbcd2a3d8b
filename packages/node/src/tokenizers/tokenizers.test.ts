import { describe, it, expect } from 'vitest';
import { runTokenizerContract } from '@ctxpress/core/testing';
import { getTokenizer, resolveTokenizerName } from './registry.js';
import type { Tokenizer } from '@ctxpress/core';
import { O200K_SPLIT_SOURCE, o200kPieceEnd } from './o200k-split.js';

const t = { describe, it, expect: expect as never };
runTokenizerContract(t, 'o200k_base', () => getTokenizer('o200k_base'));
runTokenizerContract(t, 'cl100k_base', () => getTokenizer('cl100k_base'));
runTokenizerContract(t, 'llama3', () => getTokenizer('llama3'));
runTokenizerContract(t, 'qwen3', () => getTokenizer('qwen3'));

describe('tokenizer registry', () => {
  it('maps model names to their tokenizers', () => {
    expect(resolveTokenizerName('gpt-4o')).toBe('o200k_base');
    expect(resolveTokenizerName('gpt-4o-mini')).toBe('o200k_base');
    expect(resolveTokenizerName('openai/gpt-4.1')).toBe('o200k_base');
    expect(resolveTokenizerName('gpt-4')).toBe('cl100k_base');
    expect(resolveTokenizerName('gpt-4-turbo')).toBe('cl100k_base');
    expect(resolveTokenizerName('gpt-3.5-turbo')).toBe('cl100k_base');
    expect(resolveTokenizerName('meta-llama/Llama-3.1-8B-Instruct')).toBe('llama3');
    expect(resolveTokenizerName('Qwen/Qwen2.5-7B-Instruct')).toBe('qwen3');
    expect(resolveTokenizerName('CL100K_BASE')).toBe('cl100k_base');
    expect(resolveTokenizerName('claude-3')).toBeUndefined();
  });

  it('gives exact known counts', async () => {
    expect((await getTokenizer('o200k_base')).count('Hello world')).toBe(2);
    expect((await getTokenizer('cl100k_base')).count('Hello world')).toBe(2);
    expect((await getTokenizer('llama3')).count('Hello world')).toBe(2);
    expect((await getTokenizer('qwen3')).count('Hello world')).toBe(2);
    // special-token text is plain text: far more than one token
    expect((await getTokenizer('o200k_base')).count('<|endoftext|>')).toBeGreaterThan(3);
    expect((await getTokenizer('llama3')).count('<|eot_id|>')).toBeGreaterThan(3);
  });

  it('rejects unknown names with a coded error', async () => {
    await expect(getTokenizer('no-such-model')).rejects.toMatchObject({ code: 'UNKNOWN_TOKENIZER' });
  });
});

describe('countRanges (one-pass counting, gpt-tokenizer encodings)', () => {
  const tricky = [
    '',
    'Hello world',
    "I'm sure they'll say it's fine, DON'T you think? We've 3.14159 and 1,000,000 apples.",
    '  leading and trailing spaces   \n\n\t tabs\r\nwindows lines\r\n\r\n',
    'CamelCaseIdentifier snake_case_name HTTPServer x86_64 a1b2c3',
    '東京は日本の首都です。 Ünïcödé façade naïve — “quotes” ‘single’ … ellipsis',
    'emoji 😀👍🏽 flags 🇫🇷 and a lone surrogate \ud800 here \udc00 too',
    '<|endoftext|> special <|im_start|> text is plain',
    '#### heading\n- list item\n| a | b |\n|---|---|\n```js\nconst x = 1;\n```\n',
    '١٢٣ ٤٥ Arabic digits, ½ ⅓ fractions, ０１２ full-width',
  ];
  /** Units at every word of `text` (sorted, non-overlapping), for per-range counts. */
  const wordRanges = (text: string): { starts: Uint32Array; ends: Uint32Array } => {
    const starts: number[] = [];
    const ends: number[] = [];
    for (const m of text.matchAll(/\S+/g)) {
      starts.push(m.index);
      ends.push(m.index + m[0].length);
    }
    return { starts: Uint32Array.from(starts), ends: Uint32Array.from(ends) };
  };
  const check = (tokenizer: Tokenizer, text: string): void => {
    const { starts, ends } = wordRanges(text);
    const { total, counts } = tokenizer.countRanges!(text, starts, ends);
    expect(total).toBe(tokenizer.count(text));
    expect(counts.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(total);
    // the piece table is kept across calls: a second pass gives the same counts
    const again = tokenizer.countRanges!(text, starts, ends);
    expect(again.total).toBe(total);
    expect([...again.counts]).toEqual([...counts]);
  };
  for (const name of ['o200k_base', 'cl100k_base'] as const) {
    it(`${name}: totals equal count() on tricky and random text`, async () => {
      const tokenizer = await getTokenizer(name);
      expect(tokenizer.countRanges).toBeTypeOf('function');
      for (const text of tricky) check(tokenizer, text);
      check(tokenizer, tricky.join('\n'));
      // random mixes of the characters above
      const alphabet = [...tricky.join('')];
      let seed = 12345;
      const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
      for (let round = 0; round < 50; round++) {
        let text = '';
        const length = next() % 200;
        for (let i = 0; i < length; i++) text += alphabet[next() % alphabet.length];
        check(tokenizer, text);
      }
    });

    it(`${name}: stays exact when the piece table fills and is emptied`, async () => {
      const tokenizer = await getTokenizer(name);
      // more distinct pieces than the table holds
      const words: string[] = [];
      for (let i = 0; i < 70_000; i++) {
        let word = '';
        for (let v = i + 1; v > 0; v = Math.floor(v / 26)) word += String.fromCharCode(97 + (v % 26));
        words.push(word);
      }
      check(tokenizer, words.join(' '));
      check(tokenizer, tricky.join('\n'));
    });
  }
});

describe('o200kPieceEnd (hand-written o200k_base pre-tokenizer for ASCII)', () => {
  const regex = new RegExp(O200K_SPLIT_SOURCE, 'uy');
  /** The regex's match at `p`, as `countRanges` would run it. */
  const regexEnd = (text: string, p: number): number => {
    regex.lastIndex = p;
    return regex.test(text) ? regex.lastIndex : -1;
  };
  const agrees = (text: string): void => {
    for (let p = 0; p < text.length; p++) {
      const fast = o200kPieceEnd(text, p);
      if (fast >= 0 && fast !== regexEnd(text, p)) expect({ text, p, fast }).toEqual({ text, p, fast: regexEnd(text, p) });
    }
  };

  it('is the split regex of gpt-tokenizer o200k_base', async () => {
    const module = await import('gpt-tokenizer/encoding/o200k_base');
    const core = (module.default as unknown as { bytePairEncodingCoreProcessor: { tokenSplitRegex: RegExp } }).bytePairEncodingCoreProcessor;
    expect(core.tokenSplitRegex.source).toBe(O200K_SPLIT_SOURCE);
  });

  it('matches the regex at every position of hand-picked text', () => {
    for (const text of [
      "Hello world, I'm here: don't, can'T, WE'LL, they've, you're, it's. ABCdef ABC'S x'",
      '  two spaces\n\n  indented\r\n\tTab \u000b\u000c end   ',
      '!!!\n/ // a/b ///\n\n/ x -- (y) [z] _snake_ CamelCase HTTPServer 12345 3.14 1,000',
      " 'quoted' \"double\" ' s 's 'S 'll 'LL 've 're 'd 'm 't '",
      '\n',
      ' ',
      '  ',
      'a',
      'A',
      '1',
      '!',
      ' !',
      ' 1',
      '\t!',
      'x\r\n\r\n y',
    ]) {
      agrees(text);
    }
  });

  it('matches the regex (or declines) at every position of random text', () => {
    const alphabet = [
      ...'aAbBsStTlLvVeErRdDmMzZqQ',
      ...'0123456789',
      ...' \t\n\r\u000b\u000c',
      ...'!?.,/_-\'"()#*',
      "'s",
      "'ll",
      "'ve",
      "'RE",
      "n't",
      '  ',
      '\r\n',
      ' /',
      '\n/',
      'é',
      'É',
      'ß',
      '中',
      '\u00a0',
      '\u2028',
      '½',
      '٣',
      '😀',
      '\u0301',
      '\ud800',
      '\u001f',
      '\u007f',
    ];
    let seed = 987654321;
    const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    for (let round = 0; round < 3000; round++) {
      let text = '';
      const length = 1 + (next() % 40);
      for (let i = 0; i < length; i++) text += alphabet[(next() >>> 8) % alphabet.length];
      agrees(text);
    }
  });
});
