/**
 * gpt-tokenizer's `getBpeRankFromBytes` as a hash table of the vocabulary's byte sequences, for ./long-piece.ts.
 *
 * gpt-tokenizer answers a byte lookup by validating the bytes as UTF-8, decoding them to a string (TextDecoder) and
 * looking the string up in a Map of ~200k entries; bytes that are not UTF-8 go to a binary search over the tokens stored
 * as bytes. On a long CJK piece most pairs of parts are not tokens, so nearly every merge step paid a decode and a Map
 * miss (about 40% of the long-piece time). Here a lookup hashes the bytes in place and probes a typed-array table.
 *
 * Exactness: the table's keys are the UTF-8 bytes of every vocabulary entry (strings encoded as TextEncoder would,
 * entries stored as bytes copied). A byte sequence that gpt-tokenizer finds is either valid UTF-8 that decodes to a
 * string entry, so it is that entry's bytes, or not UTF-8 and equal to an entry stored as bytes: either way it is a key.
 * So a sequence that is not a key is not a token, which is the common answer and needs no call. The rank of a key is
 * gpt-tokenizer's own answer, `getBpeRankFromBytes(key)`, asked the first time the key is looked up and then kept: the
 * table never computes a rank itself, so quirks of gpt-tokenizer's lookup carry over. One quirk escapes the key
 * argument: TextDecoder drops a leading byte-order mark, so gpt-tokenizer finds `EF BB BF` + the bytes of any token (as
 * that token). Sequences that start with `EF BB BF` (text with U+FEFF in it) are therefore always passed to
 * `getBpeRankFromBytes`. The tests compare the table with gpt-tokenizer on every vocabulary entry, on concatenations of
 * tokens and on random byte sequences.
 * @module
 */

/** The parts of gpt-tokenizer's BPE core (4.x) the table is built from. */
export interface RankSource {
  getBpeRankFromBytes(bytes: Uint8Array): number | undefined;
  /** Rank → token: a string, or its bytes when not UTF-8 (holes for unused ranks), as in gpt-tokenizer's core. */
  readonly bytePairRankDecoder?: readonly unknown[];
}

/** A key whose rank has not been asked yet. */
const UNKNOWN = -2;

function startsWithBom(bytes: Uint8Array, start: number, end: number): boolean {
  return end - start >= 3 && bytes[start] === 0xef && bytes[start + 1] === 0xbb && bytes[start + 2] === 0xbf;
}

/** FNV-1a over `bytes[start, end)`. */
function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5 | 0;
  for (let k = start; k < end; k++) h = Math.imul(h ^ bytes[k]!, 0x01000193);
  return h;
}

/** Bits of the negative filter: 2^22 bits (512 KB), about 5% false positives for o200k_base's 200k keys. */
const FILTER_BITS = 22;

/**
 * Token bytes → rank. For o200k_base about 9 MB, built in ~50–100 ms (cl100k_base: 4.5 MB, ~30–60 ms), once per BPE
 * core, on its first long piece. Most lookups are of pairs that are not tokens, and on a shared machine every
 * cache miss counts: a small bit filter (one bit per hash) answers most of them from the CPU caches, and the slot and
 * entry fields each sit side by side so a probe touches one cache line of each.
 */
export class ByteRanks {
  /** A bit per hash value's top `FILTER_BITS` bits, set for every key: a clear bit means not a token. */
  private readonly filter: Int32Array;
  /** Per slot: [full hash, entry index + 1 (0: empty)] (open addressing, linear probing, at most half full). */
  private readonly slots: Int32Array;
  private readonly shift: number;
  /** Per entry: [start, end] of its key in `pool`, and gpt-tokenizer's rank (−1: none; `UNKNOWN`: not asked yet). */
  private readonly entries: Int32Array;
  private readonly pool: Uint8Array;
  /** The longest key: longer sequences are not tokens, whatever their bytes. */
  private readonly maxLength: number;

  private constructor(
    private readonly source: RankSource,
    entries: number,
  ) {
    let bits = 1;
    while (1 << bits < 2 * entries) bits++;
    this.filter = new Int32Array(1 << (FILTER_BITS - 5));
    this.slots = new Int32Array(2 << bits);
    this.shift = 32 - bits;
    this.entries = new Int32Array(3 * entries);
    const { pool, maxLength } = this.fill(entries);
    this.pool = pool;
    this.maxLength = maxLength;
  }

  /** The table for `source`, or undefined when it does not expose its vocabulary (then use its own lookup). */
  static build(source: RankSource): ByteRanks | undefined {
    const decoder = source.bytePairRankDecoder;
    if (!Array.isArray(decoder)) return undefined;
    return new ByteRanks(source, decoder.length);
  }

  /** gpt-tokenizer's rank of `bytes[start, end)`, −1 when that is not a token. */
  rank(bytes: Uint8Array, start: number, end: number): number {
    if (startsWithBom(bytes, start, end)) return this.source.getBpeRankFromBytes(bytes.subarray(start, end)) ?? -1;
    const length = end - start;
    if (length > this.maxLength) return -1;
    const h = hashBytes(bytes, start, end);
    const bit = Math.imul(h, 0x2545f491) >>> (32 - FILTER_BITS);
    if ((this.filter[bit >>> 5]! & (1 << (bit & 31))) === 0) return -1;
    const slots = this.slots;
    const mask = (slots.length >> 1) - 1;
    for (let slot = Math.imul(h, 0x9e3779b1) >>> this.shift; ; slot = (slot + 1) & mask) {
      const e = slots[2 * slot + 1]!;
      if (e === 0) return -1;
      if (slots[2 * slot] !== h) continue;
      const entry = 3 * (e - 1);
      const from = this.entries[entry]!;
      if (this.entries[entry + 1]! - from !== length) continue;
      let k = 0;
      while (k < length && this.pool[from + k] === bytes[start + k]) k++;
      if (k < length) continue;
      let rank = this.entries[entry + 2]!;
      if (rank === UNKNOWN) {
        rank = this.source.getBpeRankFromBytes(this.pool.subarray(from, from + length)) ?? -1;
        this.entries[entry + 2] = rank;
      }
      return rank;
    }
  }

  private fill(capacity: number): { pool: Uint8Array; maxLength: number } {
    const decoder = this.source.bytePairRankDecoder!;
    let pool: Uint8Array = new Uint8Array(capacity * 8 + 64);
    let at = 0;
    let entries = 0;
    let maxLength = 0;
    const slots = this.slots;
    const mask = (slots.length >> 1) - 1;
    for (let r = 0; r < decoder.length; r++) {
      const value = decoder[r];
      let end = at;
      if (typeof value === 'string') {
        // UTF-8 as TextEncoder writes it (a lone surrogate as U+FFFD), in line: encodeInto per entry was slower
        if (pool.length - at < value.length * 3) pool = grow(pool, at + value.length * 3);
        for (let k = 0; k < value.length; k++) {
          let c = value.charCodeAt(k);
          if (c < 0x80) pool[end++] = c;
          else if (c < 0x800) {
            pool[end++] = 0xc0 | (c >> 6);
            pool[end++] = 0x80 | (c & 63);
          } else {
            if (c >= 0xd800 && c <= 0xdfff) {
              const d = c <= 0xdbff && k + 1 < value.length ? value.charCodeAt(k + 1) : 0;
              if (d >= 0xdc00 && d <= 0xdfff) {
                c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
                k++;
                pool[end++] = 0xf0 | (c >> 18);
                pool[end++] = 0x80 | ((c >> 12) & 63);
                pool[end++] = 0x80 | ((c >> 6) & 63);
                pool[end++] = 0x80 | (c & 63);
                continue;
              }
              c = 0xfffd;
            }
            pool[end++] = 0xe0 | (c >> 12);
            pool[end++] = 0x80 | ((c >> 6) & 63);
            pool[end++] = 0x80 | (c & 63);
          }
        }
      } else if (Array.isArray(value) || value instanceof Uint8Array) {
        const bytes = value as ArrayLike<number>;
        if (pool.length - at < bytes.length) pool = grow(pool, at + bytes.length);
        for (let k = 0; k < bytes.length; k++) pool[end++] = bytes[k]!;
      } else continue;
      const length = end - at;
      // (keys that start with a byte-order mark are never looked up in the table: see `rank`)
      if (length === 0 || startsWithBom(pool, at, end)) continue;
      const h = hashBytes(pool, at, end);
      let slot = Math.imul(h, 0x9e3779b1) >>> this.shift;
      let duplicate = false;
      for (let e = slots[2 * slot + 1]!; e !== 0; slot = (slot + 1) & mask, e = slots[2 * slot + 1]!) {
        const from = this.entries[3 * (e - 1)]!;
        if (slots[2 * slot] !== h || this.entries[3 * (e - 1) + 1]! - from !== length) continue;
        let k = 0;
        while (k < length && pool[from + k] === pool[at + k]) k++;
        if (k === length) {
          duplicate = true;
          break;
        }
      }
      if (duplicate) continue;
      this.entries[3 * entries] = at;
      this.entries[3 * entries + 1] = end;
      this.entries[3 * entries + 2] = UNKNOWN;
      slots[2 * slot] = h;
      slots[2 * slot + 1] = ++entries;
      const bit = Math.imul(h, 0x2545f491) >>> (32 - FILTER_BITS);
      this.filter[bit >>> 5]! |= 1 << (bit & 31);
      if (length > maxLength) maxLength = length;
      at = end;
    }
    return { pool: pool.slice(0, at), maxLength };
  }
}

function grow(pool: Uint8Array, needed: number): Uint8Array {
  const grown = new Uint8Array(Math.max(needed, pool.length * 2));
  grown.set(pool);
  return grown;
}
