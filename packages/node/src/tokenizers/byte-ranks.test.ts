import { describe, it, expect } from 'vitest';
import o200k from 'gpt-tokenizer/encoding/o200k_base';
import cl100k from 'gpt-tokenizer/encoding/cl100k_base';
import { ByteRanks, type RankSource } from './byte-ranks.js';

interface Core extends RankSource {
  readonly bytePairRankDecoder: readonly (string | number[])[];
}

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

const encoder = new TextEncoder();
const bytesOf = (token: string | number[]): Uint8Array => (typeof token === 'string' ? encoder.encode(token) : new Uint8Array(token));
const BOM = [0xef, 0xbb, 0xbf];

describe('ByteRanks (gpt-tokenizer byte lookups as a hash table)', () => {
  for (const [name, module] of [
    ['o200k_base', o200k],
    ['cl100k_base', cl100k],
  ] as const) {
    it(`${name}: answers exactly as getBpeRankFromBytes on every vocabulary entry, on token concatenations and on random bytes`, () => {
      const core = (module as unknown as { bytePairEncodingCoreProcessor: Core }).bytePairEncodingCoreProcessor;
      const table = ByteRanks.build(core)!;
      expect(table).toBeDefined();
      const check = (bytes: Uint8Array): void => {
        const expected = core.getBpeRankFromBytes(bytes) ?? -1;
        // inside a larger buffer, as long-piece.ts looks them up
        const buffer = new Uint8Array(bytes.length + 4);
        buffer.set(bytes, 2);
        const actual = table.rank(buffer, 2, 2 + bytes.length);
        if (actual !== expected) expect(actual, `[${[...bytes].join(',')}]`).toBe(expected);
      };
      const decoder = core.bytePairRankDecoder;
      // every entry, among them the byte entries that start with a byte-order mark (which gpt-tokenizer does not find)
      for (const token of decoder) if (token !== undefined) check(bytesOf(token));
      const rnd = random(name.length);
      const pick = (): Uint8Array => bytesOf(decoder[Math.floor(rnd() * decoder.length)]!);
      for (let k = 0; k < 100_000; k++) {
        const a = pick();
        const b = k % 3 === 0 ? pick().subarray(0, 1 + Math.floor(rnd() * 3)) : pick();
        const joined = new Uint8Array(a.length + b.length);
        joined.set(a);
        joined.set(b, a.length);
        check(joined);
        // split points inside a token: its prefixes and suffixes
        const cut = Math.floor(rnd() * (joined.length + 1));
        check(joined.subarray(0, cut));
        check(joined.subarray(cut));
      }
      for (let k = 0; k < 20_000; k++) {
        const random = new Uint8Array(1 + Math.floor(rnd() * 6));
        for (let i = 0; i < random.length; i++) random[i] = rnd() < 0.5 ? Math.floor(rnd() * 256) : 0x80 + Math.floor(rnd() * 64);
        check(random);
        // a leading byte-order mark: TextDecoder drops it, so gpt-tokenizer finds the token after it
        const token = pick();
        check(new Uint8Array([...BOM, ...token]));
        check(new Uint8Array([...BOM, ...BOM, ...token]));
        check(new Uint8Array([...BOM, ...random]));
      }
      check(new Uint8Array(BOM));
      check(new Uint8Array(BOM.slice(0, 2)));
      check(new Uint8Array(200).fill(97));
    }, 60_000);
  }

  it('is not built without a vocabulary (the caller then uses getBpeRankFromBytes)', () => {
    expect(ByteRanks.build({ getBpeRankFromBytes: () => undefined })).toBeUndefined();
  });
});
