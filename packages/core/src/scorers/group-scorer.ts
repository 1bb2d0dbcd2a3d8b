import type { Group, Scorer } from '../types.js';

export interface GroupScorerOptions {
  /** Which container: the paragraph-level block, the heading-delimited section, or the whole source. Default 'source'. */
  readonly level?: 'block' | 'section' | 'source';
}

/**
 * Gives each unit the best score of its container under another scorer: a document whose title or lead answers the
 * query lifts all its sentences (the coarse, document-level relevance of coarse-to-fine compression).
 */
export function groupScorer(base: Scorer, options: GroupScorerOptions = {}): Scorer {
  const level = options.level ?? 'source';
  return {
    name: `group-${level}(${base.name})`,
    score(context) {
      const s = base.score(context);
      const { units, blocks, sections } = context.segmentation;
      const out = new Float64Array(s.length);
      if (level === 'source') {
        const best = new Float64Array(context.segmentation.sources.length);
        for (let u = 0; u < s.length; u++) {
          const src = units[u]!.source;
          if (s[u]! > best[src]!) best[src] = s[u]!;
        }
        for (let u = 0; u < s.length; u++) out[u] = best[units[u]!.source]!;
        return out;
      }
      const groups: readonly Group[] = level === 'block' ? blocks : sections;
      for (const g of groups) {
        let best = 0;
        for (let u = g.unitStart; u < g.unitEnd; u++) if (s[u]! > best) best = s[u]!;
        for (let u = g.unitStart; u < g.unitEnd; u++) out[u] = best;
      }
      return out;
    },
  };
}
