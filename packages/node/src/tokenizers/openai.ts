import type { Tokenizer } from '@ctxpress/core';
import { O200K_SPLIT_SOURCE, o200kPieceEnd } from './o200k-split.js';
import { LONG_PIECE, LongPieceEncoder, mayHaveLongPiece } from './long-piece.js';

/** The parts of gpt-tokenizer's BPE core that a one-pass range count needs (present in gpt-tokenizer 4.x). */
interface BpeCore {
  tokenSplitRegex: RegExp;
  getBpeRankFromString(piece: string): number | undefined;
  getBpeRankFromBytes(bytes: Uint8Array): number | undefined;
  bytePairEncode(piece: string): number[];
}

function bpeCoreOf(api: unknown): BpeCore | undefined {
  const core = (api as { bytePairEncodingCoreProcessor?: Partial<BpeCore> } | undefined)?.bytePairEncodingCoreProcessor;
  if (
    core === undefined ||
    !(core.tokenSplitRegex instanceof RegExp) ||
    typeof core.getBpeRankFromString !== 'function' ||
    typeof core.getBpeRankFromBytes !== 'function' ||
    typeof core.bytePairEncode !== 'function'
  ) {
    return undefined;
  }
  return core as BpeCore;
}

/** Distinct pre-tokenizer pieces whose counts `countRanges` remembers (a few MB when full). */
const PIECE_CACHE_SIZE = 50_000;
/** Slots of the piece table: a power of two, at least twice the entries. */
const PIECE_SLOTS = 1 << 17;
/** Characters of long pieces (`LONG_PIECE` or more) the table may hold before it is emptied. */
const LONG_CACHE_CHARS = 8_000_000;
const NO_RANGES = new Uint32Array(0);

/**
 * Token count of each distinct pre-tokenizer piece seen, kept across calls. gpt-tokenizer's own lookup (a Map of all
 * ~200k vocabulary strings, then its LRU merge cache) misses the CPU caches on nearly every piece; a text has far fewer
 * distinct pieces, so this table stays hot. Open addressing on a hash of the piece's characters finds a repeated piece
 * without slicing it out of the text (no string per piece). A piece's count never changes; the table is only emptied
 * when full, which bounds its memory.
 */
class PieceCounts {
  private readonly slots = new Int32Array(PIECE_SLOTS);
  private readonly hashes = new Int32Array(PIECE_CACHE_SIZE);
  private readonly counts = new Int32Array(PIECE_CACHE_SIZE);
  private readonly pieces: string[] = [];
  /** Characters held by cached long pieces: the table is emptied when they pass `LONG_CACHE_CHARS`. */
  private longChars = 0;
  private readonly long: LongPieceEncoder;
  constructor(private readonly core: BpeCore) {
    this.long = new LongPieceEncoder(core);
  }

  /** Tokens of `text[start, end)` as gpt-tokenizer encodes that piece. */
  tokens(text: string, start: number, end: number): number {
    const length = end - start;
    let hash = 0x811c9dc5 | 0;
    for (let k = start; k < end; k++) hash = Math.imul(hash ^ text.charCodeAt(k), 0x01000193);
    const mask = PIECE_SLOTS - 1;
    let slot = hash & mask;
    for (let e = this.slots[slot]!; e !== 0; slot = (slot + 1) & mask, e = this.slots[slot]!) {
      if (this.hashes[e - 1] === hash && samePiece(this.pieces[e - 1]!, text, start, length)) return this.counts[e - 1]!;
    }
    const piece = text.slice(start, end);
    // gpt-tokenizer's own merge is quadratic in the piece's length: long pieces (unbroken runs) go to ./long-piece.ts
    const tokens =
      this.core.getBpeRankFromString(piece) !== undefined ? 1 : length >= LONG_PIECE ? this.long.count(piece) : this.core.bytePairEncode(piece).length;
    if (length >= LONG_PIECE) this.longChars += length;
    if (this.pieces.length === PIECE_CACHE_SIZE || this.longChars > LONG_CACHE_CHARS) {
      this.slots.fill(0);
      this.pieces.length = 0;
      this.longChars = length >= LONG_PIECE ? length : 0;
      slot = hash & mask;
    }
    const entry = this.pieces.length;
    this.pieces.push(piece);
    this.hashes[entry] = hash;
    this.counts[entry] = tokens;
    this.slots[slot] = entry + 1;
    return tokens;
  }
}

function samePiece(piece: string, text: string, start: number, length: number): boolean {
  if (piece.length !== length) return false;
  for (let k = 0; k < length; k++) if (piece.charCodeAt(k) !== text.charCodeAt(start + k)) return false;
  return true;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9 || c === 12 || c === 11 || c === 0xa0;
}

/**
 * OpenAI BPE encodings through gpt-tokenizer (pure JS, exact ids, ~1.7–2 M tokens/s here). Special-token text such as
 * `<|endoftext|>` in content is counted as the plain text it is, never rejected.
 *
 * `countRanges` walks gpt-tokenizer's own pre-tokenizer pieces once, so the input's exact count and every unit's count
 * come from a single pass (see docs/decisions/0002-one-pass-token-counting.md). Without special tokens allowed,
 * gpt-tokenizer's count is exactly the sum of its pieces' BPE lengths, which is what this computes. Two things make the
 * pass cheaper than `count()` itself: for o200k_base, ASCII pieces are matched by a hand-written equivalent of the split
 * regex (./o200k-split.ts, the regex for everything else), and each distinct piece's length comes from a small table
 * kept across calls (`PieceCounts`) rather than gpt-tokenizer's vocabulary map.
 */
export async function openAiTokenizer(encoding: 'o200k_base' | 'cl100k_base'): Promise<Tokenizer> {
  const module = encoding === 'o200k_base' ? await import('gpt-tokenizer/encoding/o200k_base') : await import('gpt-tokenizer/encoding/cl100k_base');
  const options = { disallowedSpecial: new Set<string>() };
  const countTokens = module.countTokens;
  const count = (text: string): number => (text.length === 0 ? 0 : countTokens(text, options));
  const core = bpeCoreOf(module.default);
  if (core === undefined) return { name: encoding, count };
  const flags = core.tokenSplitRegex.flags.replace(/[gy]/g, '');
  // `piece` matches at exactly `lastIndex` (sticky): `test()` then gives the piece's end without allocating a match
  // array. The pre-tokenizer's pieces tile the text, so this always matches; `search` (global) is the fallback that
  // finds the next piece after a gap, exactly as a global `exec` loop would.
  const piece = new RegExp(core.tokenSplitRegex.source, `${flags}y`);
  const search = new RegExp(core.tokenSplitRegex.source, `${flags}g`);
  const pieceCounts = new PieceCounts(core);
  // o200k_base's split regex has an exact hand-written matcher for ASCII text (./o200k-split.ts)
  const ascii = core.tokenSplitRegex.source === O200K_SPLIT_SOURCE && flags === 'u';
  const countRanges = (text: string, starts: Uint32Array, ends: Uint32Array): { total: number; counts: Uint32Array } => {
    const counts = new Uint32Array(starts.length);
    let total = 0;
    let r = 0;
    const n = starts.length;
    const length = text.length;
    let at = 0;
    while (at < length) {
      let start = at;
      let end = ascii ? o200kPieceEnd(text, at) : -1;
      if (end < 0) {
        piece.lastIndex = at;
        if (piece.test(text)) end = piece.lastIndex;
        else {
          search.lastIndex = at;
          const m = search.exec(text);
          if (m === null) break;
          start = m.index;
          end = start + m[0].length;
        }
      }
      if (end === start) {
        at = start + 1;
        continue;
      }
      at = end;
      const tokens = pieceCounts.tokens(text, start, end);
      total += tokens;
      // place the piece by its first non-space character
      let p = start;
      while (p < end && isSpace(text.charCodeAt(p))) p++;
      if (p === end) continue;
      while (r < n && ends[r]! <= p) r++;
      if (r < n && starts[r]! <= p) counts[r]! += tokens;
    }
    return { total, counts };
  };
  return {
    name: encoding,
    // gpt-tokenizer's count for ordinary text (unchanged); the one-pass walk, whose total is the same count, when the
    // text may hold a piece long enough for gpt-tokenizer's quadratic merge (./long-piece.ts)
    count: (text: string): number => (mayHaveLongPiece(text) ? countRanges(text, NO_RANGES, NO_RANGES).total : count(text)),
    countRanges,
  };
}
