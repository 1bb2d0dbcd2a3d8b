import type { Scorer } from '../types.js';

export interface NeighbourScorerOptions {
  /** How many units either side (within the same block). Default 1. */
  readonly window?: number;
  /** Weight of a neighbour at distance d is decay^d. Default 0.5. */
  readonly decay?: number;
  /**
   * Decay for what a unit receives from the units *before* it (the reply to a relevant turn, the sentence after a
   * relevant one). Default: `decay`.
   */
  readonly replyDecay?: number;
}

/**
 * Spreads another scorer's scores to adjacent units of the same block (the sentence before an answer often names
 * its subject). Wraps a scorer and returns a scorer.
 */
export function neighbourScorer(base: Scorer, options: NeighbourScorerOptions = {}): Scorer {
  const window = options.window ?? 1;
  const decay = options.decay ?? 0.5;
  const replyDecay = options.replyDecay ?? decay;
  return {
    name: `neighbour(${base.name})`,
    score(context) {
      const s = base.score(context);
      const units = context.segmentation.units;
      const out = new Float64Array(s.length);
      for (let u = 0; u < s.length; u++) {
        const block = units[u]!.block;
        let best = 0;
        let w = 1;
        let wr = 1;
        for (let d = 1; d <= window; d++) {
          w *= decay;
          wr *= replyDecay;
          const l = u - d;
          const r = u + d;
          if (l >= 0 && units[l]!.block === block) best = Math.max(best, s[l]! * wr);
          if (r < s.length && units[r]!.block === block) best = Math.max(best, s[r]! * w);
        }
        out[u] = best;
      }
      return out;
    },
  };
}
