import type { WeightedScorer } from '../options.js';
import type { ScoringContext } from '../types.js';
import { activeDeadline } from '../deadline.js';

/**
 * Combines scorers into one score per unit: each scorer's scores are divided by their maximum (so every scorer
 * spans [0, 1] whatever its scale) and summed with the weights. Returns the combined scores and each scorer's raw scores.
 */
export function combineScores(
  scorers: readonly WeightedScorer[],
  context: ScoringContext,
): { combined: Float64Array; parts: Array<{ name: string; scores: Float64Array }> } {
  const n = context.texts.length;
  const combined = new Float64Array(n);
  const parts: Array<{ name: string; scores: Float64Array }> = [];
  const deadline = activeDeadline();
  for (const { scorer, weight } of scorers) {
    deadline?.check();
    const scores = scorer.score(context);
    parts.push({ name: scorer.name, scores });
    let max = 0;
    for (let u = 0; u < n; u++) if (scores[u]! > max) max = scores[u]!;
    if (max <= 0 || weight === 0) continue;
    const f = weight / max;
    for (let u = 0; u < n; u++) combined[u]! += scores[u]! * f;
  }
  return { combined, parts };
}
