import type { AllocationGroup, AllocationInput, AllocationResult, Allocator, ScoringContext } from '../types.js';
import { idf } from '../scoring-context.js';

export interface MigAllocatorOptions {
  /** Target size of a passage when one long source is cut into groups. Default 400 tokens. */
  readonly passageTokens?: number;
  /** Weight of redundancy in marginal information gain. Default 0.5. */
  readonly redundancy?: number;
  /** Sharpening exponent on group values before the budget is shared out. Default 1. */
  readonly sharpness?: number;
  /** Share of the budget allocated by group value; the rest goes to the best units anywhere. Default 0.5. */
  readonly coarseShare?: number;
  /** Groups whose value is below this fraction of the best group's get no first-pass budget. Default 0.3. */
  readonly minValue?: number;
  /** How many better groups each group is compared with for redundancy. Default 32. */
  readonly compareWith?: number;
}

/**
 * Coarse budget allocation by marginal information gain (COMI, LongLLMLingua): groups are the documents (several
 * sources) or passages of about `passageTokens` (one source, cut at block boundaries). A group's value is its relevance
 * (its best units' scores) minus its redundancy with the better groups (tf-idf cosine); its budget share grows with
 * value (groups under `minValue` of the best get none), water-filled up to its size, over `coarseShare` of the budget.
 * Caps are a first-pass limit: every group with a cap gets at least its best unit, and the selector then spends the rest of
 * the budget on the best remaining units anywhere.
 */
export function migAllocator(options: MigAllocatorOptions = {}): Allocator {
  const passageTokens = options.passageTokens ?? 400;
  const lambda = options.redundancy ?? 0.5;
  const sharpness = options.sharpness ?? 1;
  const coarseShare = options.coarseShare ?? 0.5;
  const minValue = options.minValue ?? 0.3;
  const compareWith = options.compareWith ?? 32;
  const bases = new WeakMap<Float64Array, GroupValues>();
  return {
    name: 'mig',
    allocate(input: AllocationInput): AllocationResult {
      const { budget } = input;
      // everything but the caps depends only on the scores: computed once per scored input (chat calibration and
      // prepareCompression allocate the same scores under several budgets)
      let base = bases.get(input.unitScores);
      if (base === undefined || base.context !== input.context) {
        base = valueGroups(input);
        bases.set(input.unitScores, base);
      }
      const { groups, size, values, weights, groupOfUnit } = base;
      const caps = waterFill(weights, size, budget * coarseShare);
      return { groups, caps, values, groupOfUnit };
    },
  };

  function valueGroups(input: AllocationInput): GroupValues {
    const { context, unitScores } = input;
    const groups = makeGroups(context, passageTokens);
    const g = groups.length;
    const groupOfUnit = new Uint32Array(unitScores.length);
    const size = new Float64Array(g);
    const relevance = new Float64Array(g);
    for (let i = 0; i < g; i++) {
      const grp = groups[i]!;
      let best = 0;
      let second = 0;
      for (let u = grp.unitStart; u < grp.unitEnd; u++) {
        groupOfUnit[u] = i;
        size[i]! += context.tokens[u]!;
        const kind = context.segmentation.units[u]!.kind;
        if (kind === 'title' || kind === 'heading') continue; // a group's value is what its content says, not its label
        const s = unitScores[u]!;
        if (s > best) {
          second = best;
          best = s;
        } else if (s > second) second = s;
      }
      relevance[i] = best + 0.5 * second;
    }
    let maxRel = 0;
    for (let i = 0; i < g; i++) if (relevance[i]! > maxRel) maxRel = relevance[i]!;
    if (maxRel > 0) for (let i = 0; i < g; i++) relevance[i]! /= maxRel;
    const values = new Float64Array(g);
    const redundancy = groupRedundancy(context, groups, relevance, compareWith);
    for (let i = 0; i < g; i++) values[i] = Math.max(0, relevance[i]! - lambda * redundancy[i]! * relevance[i]!);
    const weights = new Float64Array(g);
    let maxValue = 0;
    for (let i = 0; i < g; i++) if (values[i]! > maxValue) maxValue = values[i]!;
    for (let i = 0; i < g; i++) weights[i] = values[i]! >= minValue * maxValue && values[i]! > 0 ? Math.pow(values[i]!, sharpness) : 0;
    return { context, groups, size, values, weights, groupOfUnit };
  }
}

/** The budget-independent part of an allocation (never mutated once built). */
interface GroupValues {
  readonly context: ScoringContext;
  readonly groups: AllocationGroup[];
  readonly size: Float64Array;
  readonly values: Float64Array;
  readonly weights: Float64Array;
  readonly groupOfUnit: Uint32Array;
}

function makeGroups(context: ScoringContext, passageTokens: number): AllocationGroup[] {
  const { sources, blocks } = context.segmentation;
  const units = context.segmentation.units;
  const out: AllocationGroup[] = [];
  if (sources.length > 1) {
    let start = 0;
    for (let u = 1; u <= units.length; u++) {
      if (u === units.length || units[u]!.source !== units[start]!.source) {
        out.push({ unitStart: start, unitEnd: u });
        start = u;
      }
    }
    return out;
  }
  // one source: passages of consecutive blocks, long blocks cut between units
  let start = 0;
  let tokens = 0;
  for (const block of blocks) {
    for (let u = block.unitStart; u < block.unitEnd; u++) {
      tokens += context.tokens[u]!;
      if (tokens >= passageTokens && u + 1 < block.unitEnd) {
        out.push({ unitStart: start, unitEnd: u + 1 });
        start = u + 1;
        tokens = 0;
      }
    }
    if (tokens >= passageTokens / 2) {
      out.push({ unitStart: start, unitEnd: block.unitEnd });
      start = block.unitEnd;
      tokens = 0;
    }
  }
  if (start < units.length) out.push({ unitStart: start, unitEnd: units.length });
  return out;
}

/** Max tf-idf cosine of each group with up to `compareWith` groups of higher relevance. */
function groupRedundancy(context: ScoringContext, groups: readonly AllocationGroup[], relevance: Float64Array, compareWith: number): Float64Array {
  const g = groups.length;
  const out = new Float64Array(g);
  if (g < 2) return out;
  const n = context.texts.length;
  const { termOffsets, termIds, documentFrequency } = context;
  const v = documentFrequency.length;
  const termIdf = new Float64Array(v);
  for (let t = 0; t < v; t++) termIdf[t] = idf(documentFrequency[t]!, n);
  // sparse vectors in CSR form: distinct term ids and (1 + log tf) · idf weights per group
  const tf = new Float64Array(v);
  const offsets = new Uint32Array(g + 1);
  const ids = new Uint32Array(termIds.length);
  const weights = new Float64Array(termIds.length);
  const norms = new Float64Array(g);
  let size = 0;
  for (let i = 0; i < g; i++) {
    const grp = groups[i]!;
    offsets[i] = size;
    for (let k = termOffsets[grp.unitStart]!; k < termOffsets[grp.unitEnd]!; k++) {
      const t = termIds[k]!;
      if (tf[t] === 0) ids[size++] = t;
      tf[t]!++;
    }
    let norm = 0;
    for (let k = offsets[i]!; k < size; k++) {
      const t = ids[k]!;
      const w = (1 + Math.log(tf[t]!)) * termIdf[t]!;
      weights[k] = w;
      norm += w * w;
      tf[t] = 0;
    }
    norms[i] = Math.sqrt(norm) || 1;
  }
  offsets[g] = size;
  const dense = new Float64Array(v);
  const order = Array.from({ length: g }, (_, i) => i).sort((a, b) => relevance[b]! - relevance[a]! || a - b);
  for (let r = 1; r < g; r++) {
    const i = order[r]!;
    for (let k = offsets[i]!; k < offsets[i + 1]!; k++) dense[ids[k]!] = weights[k]!;
    let best = 0;
    for (let q = Math.max(0, r - compareWith); q < r; q++) {
      const j = order[q]!;
      let dot = 0;
      for (let k = offsets[j]!; k < offsets[j + 1]!; k++) dot += dense[ids[k]!]! * weights[k]!;
      const cos = dot / (norms[i]! * norms[j]!);
      if (cos > best) best = cos;
    }
    for (let k = offsets[i]!; k < offsets[i + 1]!; k++) dense[ids[k]!] = 0;
    out[i] = best;
  }
  return out;
}

/** Shares `budget` in proportion to `weights`, never giving a group more than its size; surplus flows to the others. */
export function waterFill(weights: Float64Array, size: Float64Array, budget: number): Float64Array {
  const g = weights.length;
  const caps = new Float64Array(g);
  const open = new Uint8Array(g);
  let remaining = budget;
  let openWeight = 0;
  for (let i = 0; i < g; i++) {
    if (weights[i]! > 0 && size[i]! > 0) {
      open[i] = 1;
      openWeight += weights[i]!;
    }
  }
  for (let round = 0; round < g + 1 && remaining > 1e-9 && openWeight > 0; round++) {
    let saturated = false;
    for (let i = 0; i < g; i++) {
      if (!open[i]) continue;
      const share = (remaining * weights[i]!) / openWeight;
      if (caps[i]! + share >= size[i]!) saturated = true;
    }
    if (!saturated) {
      for (let i = 0; i < g; i++) if (open[i]) caps[i]! += (remaining * weights[i]!) / openWeight;
      break;
    }
    let given = 0;
    const before = remaining;
    for (let i = 0; i < g; i++) {
      if (!open[i]) continue;
      const share = (before * weights[i]!) / openWeight;
      if (caps[i]! + share >= size[i]!) {
        given += size[i]! - caps[i]!;
        caps[i] = size[i]!;
        open[i] = 0;
      }
    }
    remaining -= given;
    openWeight = 0;
    for (let i = 0; i < g; i++) if (open[i]) openWeight += weights[i]!;
  }
  return caps;
}
