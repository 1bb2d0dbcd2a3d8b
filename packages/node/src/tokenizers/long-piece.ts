/**
 * Byte-pair encoding of long pre-tokenizer pieces in O(n log n), exactly as gpt-tokenizer would encode them.
 *
 * gpt-tokenizer's `bytePairMerge` scans every pair of the piece for the lowest rank at each merge: O(n²) on one piece.
 * Ordinary text never has long pieces, but an unbroken run does (a base64 attachment, a minified line, a hash, CJK
 * without punctuation): 1 MB of `a` did not finish in 240 s, 126k CJK characters took 75 s. This does the same merges
 * with a heap of (rank, position) and a linked list of parts: the heap's minimum is the lowest-ranked pair, leftmost on
 * a tie, which is the pair gpt-tokenizer's scan picks, so the result is the same token sequence (the tests compare the
 * counts with gpt-tokenizer's on random long runs). Pieces shorter than `LONG_PIECE` still go through gpt-tokenizer.
 * See docs/decisions/0002-one-pass-token-counting.md.
 * @module
 */

/** The rank lookup of gpt-tokenizer's BPE core (present in gpt-tokenizer 4.x). */
export interface BytesRanks {
  getBpeRankFromBytes(bytes: Uint8Array): number | undefined;
}

/** Pieces of at least this many UTF-16 code units are encoded here rather than by gpt-tokenizer's quadratic merge. */
export const LONG_PIECE = 256;

/** Pair (left rank, right rank) → merged rank, or −1 for no merge: an open-addressing table kept across calls (6 MB). */
const PAIR_SLOTS = 1 << 19;
const PAIR_MASK = PAIR_SLOTS - 1;
/** The table is emptied when it holds this many pairs. */
const PAIR_CACHE_SIZE = PAIR_SLOTS >> 1;
/** Heap keys are rank · 2^32 + position (exact in a double: rank < 2^18, position < 2^32). */
const POSITION_SPAN = 4_294_967_296;

const encoder = new TextEncoder();

/** One per BPE core: its pair cache. */
export class LongPieceEncoder {
  private readonly pairs = {
    left: new Int32Array(PAIR_SLOTS).fill(-1),
    right: new Int32Array(PAIR_SLOTS),
    merged: new Int32Array(PAIR_SLOTS),
    size: 0,
  };
  private readonly byteRanks = new Int32Array(256).fill(-1);
  constructor(private readonly core: BytesRanks) {}

  /** Tokens gpt-tokenizer's `bytePairEncode(piece)` would produce, counted in O(n log n). */
  count(piece: string): number {
    const bytes = encoder.encode(piece);
    const n = bytes.length;
    if (n === 0) return 0;
    // parts as a doubly linked list over byte positions: a part starts at i and ends where next[i] starts
    const next = new Int32Array(n);
    const prev = new Int32Array(n);
    const rank = new Int32Array(n); // the part's own token
    const pairRank = new Int32Array(n); // the rank of the part merged with the next one, −1 when none
    for (let i = 0; i < n; i++) {
      next[i] = i + 1 < n ? i + 1 : -1;
      prev[i] = i - 1;
      rank[i] = this.byteRank(bytes, i);
    }
    const heap = new Heap(n);
    for (let i = 0; i + 1 < n; i++) {
      const r = this.pair(bytes, rank, next, i);
      pairRank[i] = r;
      if (r >= 0) heap.push(r * POSITION_SPAN + i);
    }
    let parts = n;
    while (heap.size > 0) {
      const key = heap.pop();
      const r = (key / POSITION_SPAN) | 0;
      const i = key - r * POSITION_SPAN;
      // stale entries: the part was merged into its left neighbour (pairRank reset) or its pair changed since
      if (pairRank[i] !== r) continue;
      const j = next[i]!;
      // merge part j into part i
      rank[i] = r;
      const after = next[j]!;
      next[i] = after;
      if (after >= 0) prev[after] = i;
      pairRank[j] = -1;
      parts--;
      const nr = after >= 0 ? this.pair(bytes, rank, next, i) : -1;
      pairRank[i] = nr;
      if (nr >= 0) heap.push(nr * POSITION_SPAN + i);
      const p = prev[i]!;
      if (p >= 0) {
        const pr = this.pair(bytes, rank, next, p);
        pairRank[p] = pr;
        if (pr >= 0) heap.push(pr * POSITION_SPAN + p);
      }
    }
    return parts;
  }

  private byteRank(bytes: Uint8Array, i: number): number {
    const b = bytes[i]!;
    let r = this.byteRanks[b]!;
    if (r < 0) {
      r = this.core.getBpeRankFromBytes(bytes.subarray(i, i + 1)) ?? -1;
      if (r < 0) throw new Error(`byte ${b} is not in the vocabulary`);
      this.byteRanks[b] = r;
    }
    return r;
  }

  /** Rank of part `i` merged with the next part, −1 when that is not a token. */
  private pair(bytes: Uint8Array, rank: Int32Array, next: Int32Array, i: number): number {
    const j = next[i]!;
    const a = rank[i]!;
    const b = rank[j]!;
    const pairs = this.pairs;
    let slot = ((Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca77)) >>> 0) & PAIR_MASK;
    for (let k = pairs.left[slot]!; k >= 0; slot = (slot + 1) & PAIR_MASK, k = pairs.left[slot]!) {
      if (k === a && pairs.right[slot] === b) return pairs.merged[slot]!;
    }
    const end = next[j]! >= 0 ? next[j]! : bytes.length;
    const r = this.core.getBpeRankFromBytes(bytes.subarray(i, end)) ?? -1;
    if (pairs.size >= PAIR_CACHE_SIZE) {
      pairs.left.fill(-1);
      pairs.size = 0;
      slot = ((Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca77)) >>> 0) & PAIR_MASK;
    }
    pairs.left[slot] = a;
    pairs.right[slot] = b;
    pairs.merged[slot] = r;
    pairs.size++;
    return r;
  }
}

/** A 4-ary min-heap of numbers (half the depth of a binary one: fewer cache misses on the large heaps here). */
class Heap {
  private keys: Float64Array;
  size = 0;
  constructor(capacity: number) {
    this.keys = new Float64Array(Math.max(16, capacity));
  }
  push(key: number): void {
    if (this.size === this.keys.length) {
      const grown = new Float64Array(this.keys.length * 2);
      grown.set(this.keys);
      this.keys = grown;
    }
    const keys = this.keys;
    let k = this.size++;
    while (k > 0) {
      const parent = (k - 1) >> 2;
      if (keys[parent]! <= key) break;
      keys[k] = keys[parent]!;
      k = parent;
    }
    keys[k] = key;
  }
  pop(): number {
    const keys = this.keys;
    const top = keys[0]!;
    const last = keys[--this.size]!;
    const size = this.size;
    let k = 0;
    for (;;) {
      const first = 4 * k + 1;
      if (first >= size) break;
      let child = first;
      let min = keys[first]!;
      const end = first + 4 < size ? first + 4 : size;
      for (let c = first + 1; c < end; c++) {
        const v = keys[c]!;
        if (v < min) {
          min = v;
          child = c;
        }
      }
      if (min >= last) break;
      keys[k] = min;
      k = child;
    }
    keys[k] = last;
    return top;
  }
}

function isWhiteSpace(c: number): boolean {
  return c <= 32
    ? c === 32 || (c >= 9 && c <= 13)
    : c >= 0x85 &&
        (c === 0x85 ||
          c === 0xa0 ||
          c === 0x1680 ||
          (c >= 0x2000 && c <= 0x200a) ||
          c === 0x2028 ||
          c === 0x2029 ||
          c === 0x202f ||
          c === 0x205f ||
          c === 0x3000 ||
          c === 0xfeff);
}

/**
 * False when no pre-tokenizer piece of `text` can reach `LONG_PIECE` code units, for o200k_base and cl100k_base alike.
 * Their pieces are a letter run with at most one character before it, up to three digits, a symbol run with at most
 * one space before it and a run of CR, LF and `/` after it, or white space. Counting CR, LF and `/` into either kind of
 * run, a piece of length L therefore holds a run of at least L − 1 characters that are all white space or all not; a
 * text without a run of half that has no long piece. (A false "true" only costs speed: the caller then counts with the
 * one-pass walk, which gives the same count.)
 */
export function mayHaveLongPiece(text: string): boolean {
  const length = text.length;
  if (length < LONG_PIECE) return false;
  const limit = LONG_PIECE >> 1;
  let run = 0;
  let either = 0; // CR, LF and '/' at the end of the run, which also belong to a run of the other kind
  let space = false;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    let s: boolean;
    if (c > 32 && c < 0x85) {
      if (c === 47) {
        either++;
        if (++run >= limit) return true;
        continue;
      }
      s = false;
    } else if (c === 10 || c === 13) {
      either++;
      if (++run >= limit) return true;
      continue;
    } else s = isWhiteSpace(c);
    if (s === space) {
      if (++run >= limit) return true;
    } else {
      space = s;
      run = either + 1;
    }
    either = 0;
  }
  return false;
}
