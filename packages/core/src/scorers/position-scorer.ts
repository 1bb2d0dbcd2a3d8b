import type { Scorer } from '../types.js';

export interface PositionScorerOptions {
  /** Prior of titles and headings. Default 1. */
  readonly heading?: number;
  /** Prior of the first unit of a block (topic sentences, leads). Default 0.6. */
  readonly blockLead?: number;
  /** Prior of units in the first block of a source. Default 0.3. */
  readonly sourceLead?: number;
}

/** Position and structure priors: titles and headings, the first sentence of a paragraph, the lead of a document. */
export function positionScorer(options: PositionScorerOptions = {}): Scorer {
  const heading = options.heading ?? 1;
  const blockLead = options.blockLead ?? 0.6;
  const sourceLead = options.sourceLead ?? 0.3;
  return {
    name: 'position',
    score(context) {
      const { units, blocks } = context.segmentation;
      const out = new Float64Array(units.length);
      const firstBlockOfSource = new Map<number, number>();
      for (const b of blocks) if (!firstBlockOfSource.has(b.source)) firstBlockOfSource.set(b.source, b.index);
      for (let u = 0; u < units.length; u++) {
        const unit = units[u]!;
        let s = 0;
        if (unit.kind === 'title' || unit.kind === 'heading') s = heading;
        else if (unit.positionInBlock === 0 || (unit.positionInBlock === 1 && unit.anchor >= 0)) s = blockLead;
        if (firstBlockOfSource.get(unit.source) === unit.block) s = Math.max(s, sourceLead);
        out[u] = s;
      }
      return out;
    },
  };
}
