import type { ScoringContext, Segmentation, Tokenizer } from './types.js';
import { forEachTerm, nextWord, termsOfWord } from './text/terms.js';
import { activeDeadline } from './deadline.js';

/** Fields of a distinct word's entry: source, start, length, hash, packed term ids. */
const ENTRY = 5;

/**
 * Term extraction state. One instance serves every call (reset at the start, emptied at the end; nothing re-enters it:
 * no caller code runs while it is in use). A per-call object or closure would do, but V8 drops the optimized code of
 * loops over objects whose hidden class has died, so every call after a full GC would run them cold again.
 */
class TermExtractor {
  sourceTexts: string[] = [];
  vocabulary = new Map<string, number>();
  /** Per term id: units it occurs in, and the last unit (+ 1) it was counted for. */
  df = new Uint32Array(0);
  lastSeen = new Uint32Array(0);
  /** Term ids of all units, in order; `count` used. */
  ids = new Uint32Array(0);
  count = 0;
  /** A word's terms depend only on its text: each distinct word's term ids (at most 7) are resolved once, stored here. */
  wordTerms = new Uint32Array(0);
  wordTermsLength = 0;
  /**
   * Distinct words, found by a hash of their characters without slicing the text (most occurrences are repeats):
   * open addressing, `slots` holding entry + 1 (0 = empty); entry e is `entries[e * ENTRY, (e + 1) * ENTRY)` = its
   * first occurrence (source, start, length), its hash, and its ids in `wordTerms` as offset * 8 + count.
   */
  slots = new Int32Array(0);
  entries = new Int32Array(0);
  words = 0;
  /** The current word (start, end, flags) and a new word's terms. */
  readonly word = new Int32Array(3);
  readonly pending: string[] = [];

  reset(sourceTexts: string[], units: number): void {
    this.sourceTexts = sourceTexts;
    this.vocabulary = new Map();
    this.df = new Uint32Array(1024);
    this.lastSeen = new Uint32Array(1024);
    this.ids = new Uint32Array(Math.max(16, units * 16));
    this.count = 0;
    this.wordTerms = new Uint32Array(1024);
    this.wordTermsLength = 0;
    this.slots = new Int32Array(4096);
    this.entries = new Int32Array(1024 * ENTRY);
    this.words = 0;
  }

  /** Lets go of the last call's data. */
  release(): void {
    this.sourceTexts = [];
    this.vocabulary = new Map();
    this.df = this.lastSeen = this.ids = this.wordTerms = new Uint32Array(0);
    this.slots = this.entries = new Int32Array(0);
    this.count = this.wordTermsLength = this.words = 0;
    this.pending.length = 0;
  }

  /** Appends the term ids of `sourceTexts[source][start, end)` (unit number `mark` − 1) and counts their df. */
  addUnit(source: number, start: number, end: number, mark: number): void {
    const text = this.sourceTexts[source]!;
    const word = this.word;
    for (let at = nextWord(text, start, end, word); at >= 0; at = nextWord(text, at, end, word)) {
      const ws = word[0]!;
      const we = word[1]!;
      const found = this.find(text, ws, we);
      const packed = found >= 0 ? found : this.addWord(text, source, ws, we, word[2]!, -1 - found);
      const from = Math.floor(packed / 8);
      const to = from + (packed % 8);
      if (this.count + 7 > this.ids.length) this.ids = grownUint32(this.ids, this.count + 7);
      const { ids, wordTerms, lastSeen, df } = this;
      let count = this.count;
      for (let k = from; k < to; k++) {
        const id = wordTerms[k]!;
        if (lastSeen[id] !== mark) {
          lastSeen[id] = mark;
          df[id]!++;
        }
        ids[count++] = id;
      }
      this.count = count;
    }
  }

  /** The packed term ids of the word `text[ws, we)` if seen before, else −1 − the empty slot where it belongs. */
  find(text: string, ws: number, we: number): number {
    const length = we - ws;
    const hash = hashChars(text, ws, we);
    const { slots, entries, sourceTexts } = this;
    const mask = slots.length - 1;
    let slot = hash & mask;
    for (let e = slots[slot]!; e !== 0; slot = (slot + 1) & mask, e = slots[slot]!) {
      const base = (e - 1) * ENTRY;
      if (entries[base + 3] === hash && entries[base + 2] === length && sameChars(sourceTexts[entries[base]!]!, entries[base + 1]!, text, ws, length)) {
        return entries[base + 4]!;
      }
    }
    return -1 - slot;
  }

  /** Resolves a new word's terms (every term enters the vocabulary; the word keeps at most 7) and records it in `slot`. */
  addWord(text: string, source: number, ws: number, we: number, flags: number, slot: number): number {
    const pending = this.pending;
    pending.length = 0;
    termsOfWord(text.slice(ws, we), flags, collectTerm);
    const take = Math.min(pending.length, 7);
    if (this.wordTermsLength + take > this.wordTerms.length) this.wordTerms = grownUint32(this.wordTerms, this.wordTermsLength + take);
    const vocabulary = this.vocabulary;
    for (let k = 0; k < pending.length; k++) {
      const term = pending[k]!;
      let id = vocabulary.get(term);
      if (id === undefined) {
        id = vocabulary.size;
        vocabulary.set(term, id);
        if (id === this.df.length) {
          this.df = grownUint32(this.df, id + 1);
          this.lastSeen = grownUint32(this.lastSeen, id + 1);
        }
      }
      if (k < take) this.wordTerms[this.wordTermsLength + k] = id;
    }
    const packed = this.wordTermsLength * 8 + take;
    this.wordTermsLength += take;
    const words = this.words;
    if ((words + 1) * ENTRY > this.entries.length) this.entries = grownInt32(this.entries, (words + 1) * ENTRY);
    const base = words * ENTRY;
    const entries = this.entries;
    entries[base] = source;
    entries[base + 1] = ws;
    entries[base + 2] = we - ws;
    entries[base + 3] = hashChars(text, ws, we);
    entries[base + 4] = packed;
    this.slots[slot] = words + 1;
    this.words = words + 1;
    if (this.words * 2 > this.slots.length) this.slots = rehashed(entries, this.words, this.slots.length * 2);
    return packed;
  }
}

const extractor = new TermExtractor();
function collectTerm(term: string): void {
  extractor.pending.push(term);
}

/** FNV-1a over the UTF-16 code units of `text[start, end)`, as a signed 32-bit integer. */
function hashChars(text: string, start: number, end: number): number {
  let h = 0x811c9dc5 | 0;
  for (let k = start; k < end; k++) h = Math.imul(h ^ text.charCodeAt(k), 0x01000193);
  return h;
}

function sameChars(a: string, aStart: number, b: string, bStart: number, length: number): boolean {
  for (let k = 0; k < length; k++) if (a.charCodeAt(aStart + k) !== b.charCodeAt(bStart + k)) return false;
  return true;
}

/** A slot table of `size` (a power of two) for the first `words` entries. */
function rehashed(entries: Int32Array, words: number, size: number): Int32Array<ArrayBuffer> {
  const slots = new Int32Array(size);
  const mask = size - 1;
  for (let e = 0; e < words; e++) {
    let slot = entries[e * ENTRY + 3]! & mask;
    while (slots[slot] !== 0) slot = (slot + 1) & mask;
    slots[slot] = e + 1;
  }
  return slots;
}

function grownInt32(array: Int32Array, minLength: number): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(Math.max(minLength, array.length * 2));
  grown.set(array);
  return grown;
}

function grownUint32(array: Uint32Array, minLength: number): Uint32Array<ArrayBuffer> {
  const grown = new Uint32Array(Math.max(minLength, array.length * 2));
  grown.set(array);
  return grown;
}

/** The query's terms as vocabulary ids with their counts (first-appearance order), and the terms not in the vocabulary. */
export function queryTerms(
  query: string | undefined,
  vocabulary: ReadonlyMap<string, number>,
): { queryTermIds: Uint32Array; queryTermCounts: Uint32Array; queryTermsMissing: string[] } {
  const counts = new Map<number, number>();
  const missing: string[] = [];
  if (query !== undefined && query.length > 0) {
    forEachTerm(query, 0, query.length, (term) => {
      const id = vocabulary.get(term);
      if (id === undefined) {
        if (!missing.includes(term)) missing.push(term);
        return;
      }
      counts.set(id, (counts.get(id) ?? 0) + 1);
    });
  }
  return { queryTermIds: Uint32Array.from(counts.keys()), queryTermCounts: Uint32Array.from(counts.values()), queryTermsMissing: missing };
}

/**
 * Tokenises every unit once (target tokenizer) and extracts its terms once. Everything downstream reads these arrays.
 * `unitTokens`, when given, are the units' token counts already computed (from `Tokenizer.countRanges`).
 */
export function buildScoringContext(segmentation: Segmentation, tokenizer: Tokenizer, query?: string, unitTokens?: Uint32Array): ScoringContext {
  const { units, sources } = segmentation;
  const n = units.length;
  const texts: string[] = new Array<string>(n);
  const tokens = unitTokens ?? new Uint32Array(n);
  const sourceTexts: string[] = [];
  for (const source of sources) sourceTexts.push(source.text);
  const deadline = activeDeadline(); // options.timeLimitMs / signal (deadline.ts); undefined without them
  // texts and counts first: the tokenizer is caller code, and must not run while the shared extractor is in use
  for (let i = 0; i < n; i++) {
    deadline?.tick();
    const unit = units[i]!;
    texts[i] = sourceTexts[unit.source]!.slice(unit.start, unit.end);
    if (unitTokens === undefined) tokens[i] = tokenizer.count(texts[i]!);
  }
  const termOffsets = new Uint32Array(n + 1);
  const x = extractor;
  x.reset(sourceTexts, n);
  try {
    for (let i = 0; i < n; i++) {
      deadline?.tick();
      const unit = units[i]!;
      termOffsets[i] = x.count;
      x.addUnit(unit.source, unit.start, unit.end, i + 1);
    }
  } catch (error) {
    x.release(); // stopped by the deadline: do not hold the call's data
    throw error;
  }
  termOffsets[n] = x.count;
  const vocabulary = x.vocabulary;
  const termIds = x.ids.subarray(0, x.count);
  const documentFrequency = x.df.slice(0, vocabulary.size);
  x.release();

  return { segmentation, texts, tokens, termOffsets, termIds, vocabulary, documentFrequency, ...queryTerms(query, vocabulary), query };
}

/** Inverse document frequency (BM25 form, always > 0) of a term occurring in `df` of `n` units. */
export function idf(df: number, n: number): number {
  return Math.log(1 + (n - df + 0.5) / (df + 0.5));
}
