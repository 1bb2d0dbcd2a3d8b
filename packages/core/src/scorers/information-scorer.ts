import type { Scorer, ScoringContext } from '../types.js';

/**
 * Self-information of each unit: the sum over its distinct terms of −log p(term), with p estimated from the term's
 * frequency in the whole input (add-one smoothed). Rare, specific words carry information; filler and words
 * repeated everywhere carry little. Query-agnostic.
 */
export function informationScorer(): Scorer {
  return {
    name: 'information',
    score(context: ScoringContext) {
      const surprisal = termSurprisal(context);
      const { termOffsets, termIds } = context;
      const n = context.texts.length;
      const out = new Float64Array(n);
      const seen = new Int32Array(surprisal.length).fill(-1);
      for (let u = 0; u < n; u++) {
        let s = 0;
        for (let k = termOffsets[u]!; k < termOffsets[u + 1]!; k++) {
          const t = termIds[k]!;
          if (seen[t] === u) continue;
          seen[t] = u;
          s += surprisal[t]!;
        }
        out[u] = s;
      }
      return out;
    },
  };
}

const surprisalMemo = new WeakMap<ScoringContext, Float64Array>();

/** −log p(term) for every term id, from in-input collection frequency. */
export function termSurprisal(context: ScoringContext): Float64Array {
  const cached = surprisalMemo.get(context);
  if (cached !== undefined) return cached;
  const v = context.documentFrequency.length;
  const cf = new Float64Array(v);
  const { termIds } = context;
  for (let k = 0; k < termIds.length; k++) cf[termIds[k]!]!++;
  const total = termIds.length + v;
  const out = new Float64Array(v);
  for (let t = 0; t < v; t++) out[t] = -Math.log((cf[t]! + 1) / total);
  surprisalMemo.set(context, out);
  return out;
}
