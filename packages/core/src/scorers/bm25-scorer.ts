import type { Scorer, ScoringContext } from '../types.js';
import { idf } from '../scoring-context.js';

export interface Bm25ScorerOptions {
  /** Term-frequency saturation. Default 1.2. */
  readonly k1?: number;
  /** Length normalisation. Default 0.75. */
  readonly b?: number;
  /**
   * Pseudo-relevance feedback for multi-hop questions: after a first pass, the most informative terms of the top units
   * (names, the bridge entity) join the query at a lower weight, then units are scored again. `false` turns it off.
   * Default `{ units: 3, terms: 8, weight: 0.35 }`.
   */
  readonly feedback?: false | { readonly units: number; readonly terms: number; readonly weight: number };
  /**
   * Abbreviation matching for identifiers: an input term of 3–5 characters that begins a longer query term
   * (col → column, idx → index, arr → array) joins the query at this weight. 0 turns it off. Default 0.5.
   */
  readonly prefixWeight?: number;
}

const memo = new WeakMap<ScoringContext, Map<string, Float64Array>>();

/** Returns the memoised scores of `key` for `context`, computing them once. */
export function memoised(context: ScoringContext, key: string, compute: () => Float64Array): Float64Array {
  let byKey = memo.get(context);
  if (byKey === undefined) {
    byKey = new Map();
    memo.set(context, byKey);
  }
  let scores = byKey.get(key);
  if (scores === undefined) {
    scores = compute();
    byKey.set(key, scores);
  }
  return scores;
}

/** Okapi BM25 of each unit against the weighted query terms. */
export function bm25Scores(context: ScoringContext, weights: Float64Array, queryIds: Uint32Array, k1: number, b: number): Float64Array {
  const n = context.texts.length;
  const scores = new Float64Array(n);
  if (queryIds.length === 0 || n === 0) return scores;
  const { termOffsets, termIds, documentFrequency } = context;
  const avgLength = Math.max(1, termOffsets[n]! / n);
  const qIdf = new Float64Array(weights.length);
  for (let q = 0; q < queryIds.length; q++) qIdf[q] = idf(documentFrequency[queryIds[q]!]!, n) * weights[q]!;
  const slotOf = new Int32Array(documentFrequency.length).fill(-1);
  for (let q = 0; q < queryIds.length; q++) slotOf[queryIds[q]!] = q;
  const tf = new Float64Array(queryIds.length);
  const touched = new Int32Array(queryIds.length);
  for (let u = 0; u < n; u++) {
    const from = termOffsets[u]!;
    const to = termOffsets[u + 1]!;
    let nt = 0;
    for (let k = from; k < to; k++) {
      const slot = slotOf[termIds[k]!]!;
      if (slot >= 0) {
        if (tf[slot] === 0) touched[nt++] = slot;
        tf[slot]!++;
      }
    }
    if (nt === 0) continue;
    const norm = k1 * (1 - b + (b * (to - from)) / avgLength);
    let s = 0;
    for (let j = 0; j < nt; j++) {
      const slot = touched[j]!;
      const f = tf[slot]!;
      s += (qIdf[slot]! * f * (k1 + 1)) / (f + norm);
      tf[slot] = 0;
    }
    scores[u] = s;
  }
  return scores;
}

/** BM25 relevance to the query, with optional pseudo-relevance feedback. */
export function bm25Scorer(options: Bm25ScorerOptions = {}): Scorer {
  const k1 = options.k1 ?? 1.2;
  const b = options.b ?? 0.75;
  const feedback = options.feedback ?? { units: 3, terms: 8, weight: 0.35 };
  const prefixWeight = options.prefixWeight ?? 0.5;
  const key = `bm25:${k1}:${b}:${prefixWeight}:${feedback === false ? '-' : `${feedback.units}:${feedback.terms}:${feedback.weight}`}`;
  return {
    name: 'bm25',
    score(context) {
      return memoised(context, key, () => {
        const prefixes = prefixWeight > 0 ? prefixTerms(context) : new Uint32Array(0);
        const queryIds = new Uint32Array(context.queryTermIds.length + prefixes.length);
        queryIds.set(context.queryTermIds);
        queryIds.set(prefixes, context.queryTermIds.length);
        const weights = new Float64Array(queryIds.length);
        weights.set(context.queryTermCounts);
        weights.fill(prefixWeight, context.queryTermIds.length);
        const first = bm25Scores(context, weights, queryIds, k1, b);
        if (feedback === false || context.queryTermIds.length === 0) return first;
        const expansion = feedbackTerms(context, first, feedback.units, feedback.terms);
        if (expansion.length === 0) return first;
        const ids = new Uint32Array(queryIds.length + expansion.length);
        ids.set(queryIds);
        ids.set(expansion, queryIds.length);
        const w = new Float64Array(ids.length);
        w.set(weights);
        w.fill(feedback.weight, queryIds.length);
        const second = bm25Scores(context, w, ids, k1, b);
        // the first pass leads: feedback only re-orders what the question itself does not decide
        for (let u = 0; u < second.length; u++) second[u] = Math.max(first[u]!, second[u]!);
        return second;
      });
    },
  };
}

/** Input terms of 3–5 characters that are strict prefixes of a query term (identifier abbreviations), not query terms themselves. */
function prefixTerms(context: ScoringContext): Uint32Array {
  const query: string[] = [];
  const isQuery = new Set(context.queryTermIds);
  // Map#forEach rather than for…of: no [term, id] entry array per vocabulary term
  context.vocabulary.forEach((id, term) => {
    if (isQuery.has(id) && term.length >= 4) query.push(term);
  });
  for (const term of context.queryTermsMissing) if (term.length >= 4) query.push(term);
  if (query.length === 0) return new Uint32Array(0);
  const out: number[] = [];
  context.vocabulary.forEach((id, term) => {
    if (term.length < 3 || term.length > 5 || isQuery.has(id)) return;
    for (const q of query) {
      if (q.length > term.length && q.startsWith(term)) {
        out.push(id);
        break;
      }
    }
  });
  return Uint32Array.from(out);
}

/** The most informative non-query terms of the `topUnits` best units (rare in the input, so names rather than filler). */
function feedbackTerms(context: ScoringContext, scores: Float64Array, topUnits: number, topTerms: number): Uint32Array {
  const n = scores.length;
  const order: number[] = [];
  for (let u = 0; u < n; u++) if (scores[u]! > 0) order.push(u);
  order.sort((x, y) => scores[y]! - scores[x]! || x - y);
  const isQuery = new Set(context.queryTermIds);
  const weight = new Map<number, number>();
  const { termOffsets, termIds, documentFrequency } = context;
  const maxDf = Math.max(2, Math.floor(n * 0.05));
  for (let r = 0; r < Math.min(topUnits, order.length); r++) {
    const u = order[r]!;
    const w = scores[u]! / scores[order[0]!]!;
    for (let k = termOffsets[u]!; k < termOffsets[u + 1]!; k++) {
      const t = termIds[k]!;
      const df = documentFrequency[t]!;
      if (isQuery.has(t) || df > maxDf || df < 2) continue;
      weight.set(t, Math.max(weight.get(t) ?? 0, w * idf(df, n)));
    }
  }
  return Uint32Array.from(
    [...weight.entries()]
      .sort((x, y) => y[1] - x[1] || x[0] - y[0])
      .slice(0, topTerms)
      .map(([t]) => t),
  );
}
