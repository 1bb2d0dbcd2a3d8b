import type { ScoringContext, Segmentation, Tokenizer } from './types.js';
import { forEachTerm, forEachWord, termsOfWord } from './text/terms.js';

/**
 * Tokenises every unit once (target tokenizer) and extracts its terms once. Everything downstream reads these arrays.
 * `unitTokens`, when given, are the units' token counts already computed (from `Tokenizer.countRanges`).
 */
export function buildScoringContext(segmentation: Segmentation, tokenizer: Tokenizer, query?: string, unitTokens?: Uint32Array): ScoringContext {
  const { units, sources } = segmentation;
  const n = units.length;
  const texts: string[] = new Array<string>(n);
  const tokens = unitTokens ?? new Uint32Array(n);
  const vocabulary = new Map<string, number>();
  let df: number[] = [];
  const lastSeen: number[] = [];
  let ids = new Uint32Array(Math.max(16, n * 16));
  let count = 0;
  const termOffsets = new Uint32Array(n + 1);
  let current = 0;
  const idOf = (term: string): number => {
    let id = vocabulary.get(term);
    if (id === undefined) {
      id = vocabulary.size;
      vocabulary.set(term, id);
      df.push(0);
      lastSeen.push(-1);
    }
    return id;
  };
  // a word's terms depend only on its text: resolve each distinct word to term ids once. The ids of a word live in
  // `wordTerms` at `offset`; the map holds offset * 8 + count (small integers, so the map holds no objects for the GC).
  const wordIds = new Map<string, number>();
  let wordTerms = new Uint32Array(1024);
  let wordTermsLength = 0;
  let text = '';
  const pending: number[] = [];
  const addPending = (term: string): void => {
    pending.push(idOf(term));
  };
  const onWord = (ws: number, we: number, flags: number): void => {
    const raw = text.slice(ws, we);
    let packed = wordIds.get(raw);
    if (packed === undefined) {
      pending.length = 0;
      termsOfWord(raw, flags, addPending);
      const take = Math.min(pending.length, 7);
      if (wordTermsLength + take > wordTerms.length) {
        const grown = new Uint32Array(wordTerms.length * 2);
        grown.set(wordTerms);
        wordTerms = grown;
      }
      for (let k = 0; k < take; k++) wordTerms[wordTermsLength + k] = pending[k]!;
      packed = wordTermsLength * 8 + take;
      wordTermsLength += take;
      wordIds.set(raw, packed);
    }
    const from = Math.floor(packed / 8);
    const to = from + (packed % 8);
    for (let k = from; k < to; k++) {
      const id = wordTerms[k]!;
      if (lastSeen[id] !== current) {
        lastSeen[id] = current;
        df[id] = (df[id] as number) + 1;
      }
      if (count === ids.length) {
        const grown = new Uint32Array(ids.length * 2);
        grown.set(ids);
        ids = grown;
      }
      ids[count++] = id;
    }
  };
  for (let i = 0; i < n; i++) {
    const unit = units[i]!;
    text = sources[unit.source]!.text;
    texts[i] = text.slice(unit.start, unit.end);
    if (unitTokens === undefined) tokens[i] = tokenizer.count(texts[i]!);
    current = i;
    termOffsets[i] = count;
    forEachWord(text, unit.start, unit.end, onWord);
  }
  termOffsets[n] = count;

  const queryCounts = new Map<number, number>();
  const missing: string[] = [];
  if (query !== undefined && query.length > 0) {
    forEachTerm(query, 0, query.length, (term) => {
      const id = vocabulary.get(term);
      if (id === undefined) {
        if (!missing.includes(term)) missing.push(term);
        return;
      }
      queryCounts.set(id, (queryCounts.get(id) ?? 0) + 1);
    });
  }
  const queryTermIds = Uint32Array.from(queryCounts.keys());
  const queryTermCounts = Uint32Array.from(queryCounts.values());
  const documentFrequency = Uint32Array.from(df);
  df = [];
  return {
    segmentation,
    texts,
    tokens,
    termOffsets,
    termIds: ids.subarray(0, count),
    vocabulary,
    documentFrequency,
    queryTermIds,
    queryTermCounts,
    queryTermsMissing: missing,
    query,
  };
}

/** Inverse document frequency (BM25 form, always > 0) of a term occurring in `df` of `n` units. */
export function idf(df: number, n: number): number {
  return Math.log(1 + (n - df + 0.5) / (df + 0.5));
}
