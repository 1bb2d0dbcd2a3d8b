import type { ScoringContext, Segmentation, Tokenizer } from './types.js';
import { forEachTerm } from './text/terms.js';

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
  const emit = (term: string): void => {
    let id = vocabulary.get(term);
    if (id === undefined) {
      id = vocabulary.size;
      vocabulary.set(term, id);
      df.push(0);
      lastSeen.push(-1);
    }
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
  };
  const wordCache = new Map<string, readonly string[]>();
  for (let i = 0; i < n; i++) {
    const unit = units[i]!;
    const text = sources[unit.source]!.text;
    const t = text.slice(unit.start, unit.end);
    texts[i] = t;
    if (unitTokens === undefined) tokens[i] = tokenizer.count(t);
    current = i;
    termOffsets[i] = count;
    forEachTerm(text, unit.start, unit.end, emit, wordCache);
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
