import type { Scorer, ScoringContext } from '../types.js';
import { idf } from '../scoring-context.js';
import { forEachTerm } from '../text/terms.js';

export interface ReferenceScorerOptions {
  /** How many of the best units (under the base scorer) are searched for references. Default 8. */
  readonly topUnits?: number;
  /** Share of a title's weight (idf) that a unit must name for the title to count as referenced. Default 0.5. */
  readonly minCoverage?: number;
}

/**
 * Multi-hop links between documents: when the best units under `base` name another document — every term of its
 * title occurs in them — that document's units get the referring unit's score. A question about "the film Kiss and Tell"
 * finds the film's page; the page names "Shirley Temple"; the Shirley Temple page then counts as relevant too
 * (the bridge entity of multi-hop QA). A title counts as named when the unit holds at least `minCoverage` of its
 * idf weight ("Nixon" names "Richard Nixon"); the document gets the referring score times that share. Uses document titles, or Markdown headings of single-source input.
 */
export function referenceScorer(base: Scorer, options: ReferenceScorerOptions = {}): Scorer {
  const topUnits = options.topUnits ?? 8;
  const minCoverage = options.minCoverage ?? 0.5;
  return {
    name: `reference(${base.name})`,
    score(context: ScoringContext) {
      const s = base.score(context);
      const out = new Float64Array(s.length);
      const labels = labelUnits(context);
      if (labels.length === 0) return out;
      const order: number[] = [];
      for (let u = 0; u < s.length; u++) if (s[u]! > 0) order.push(u);
      order.sort((a, b) => s[b]! - s[a]! || a - b);
      const top = order.slice(0, topUnits);
      if (top.length === 0) return out;
      const termsOfTop = top.map((u) => new Set(unitTerms(context, u)));
      const n = s.length;
      for (const label of labels) {
        const terms = labelTerms(context, label);
        if (terms.length === 0) continue;
        let total = 0;
        for (const t of terms) total += idf(context.documentFrequency[t]!, n);
        let best = 0;
        for (let k = 0; k < top.length; k++) {
          const u = top[k]!;
          if (u === label || sameGroup(context, u, label)) continue;
          const set = termsOfTop[k]!;
          let covered = 0;
          for (const t of terms) if (set.has(t)) covered += idf(context.documentFrequency[t]!, n);
          const coverage = total > 0 ? covered / total : 0;
          if (coverage >= minCoverage) best = Math.max(best, s[u]! * coverage);
        }
        if (best === 0) continue;
        const [from, to] = extent(context, label);
        for (let u = from; u < to; u++) out[u] = Math.max(out[u]!, best);
      }
      return out;
    },
  };
}

/** Units that name a document or a section: titles; headings when there is a single source. */
function labelUnits(context: ScoringContext): number[] {
  const { units, sources } = context.segmentation;
  const out: number[] = [];
  for (let u = 0; u < units.length; u++) {
    const kind = units[u]!.kind;
    if (kind === 'title' || (kind === 'heading' && sources.length === 1 && sources[0]!.format === 'markdown')) out.push(u);
  }
  return out;
}

/** A label's distinct terms, without a parenthesised qualifier ("Kiss and Tell (1945 film)" → kiss, tell). */
function labelTerms(context: ScoringContext, label: number): number[] {
  const text = context.texts[label]!;
  const paren = text.indexOf('(');
  if (paren <= 0) return [...new Set(unitTerms(context, label))];
  const out = new Set<number>();
  forEachTerm(text, 0, paren, (term) => {
    const id = context.vocabulary.get(term);
    if (id !== undefined) out.add(id);
  });
  return [...out];
}

function unitTerms(context: ScoringContext, u: number): number[] {
  const { termOffsets, termIds } = context;
  const out: number[] = [];
  for (let k = termOffsets[u]!; k < termOffsets[u + 1]!; k++) out.push(termIds[k]!);
  return out;
}

/** Same document (titles) or same section (headings). */
function sameGroup(context: ScoringContext, u: number, label: number): boolean {
  const a = context.segmentation.units[u]!;
  const b = context.segmentation.units[label]!;
  return b.kind === 'title' ? a.source === b.source : a.section === b.section;
}

/** The units a label stands for: its document (title) or its section (heading). */
function extent(context: ScoringContext, label: number): [number, number] {
  const { units, sections } = context.segmentation;
  const unit = units[label]!;
  if (unit.kind === 'title') {
    let from = label;
    while (from > 0 && units[from - 1]!.source === unit.source) from--;
    let to = label;
    while (to < units.length && units[to]!.source === unit.source) to++;
    return [from, to];
  }
  const section = sections.find((g) => g.index === unit.section);
  return section === undefined ? [label, label + 1] : [section.unitStart, section.unitEnd];
}

