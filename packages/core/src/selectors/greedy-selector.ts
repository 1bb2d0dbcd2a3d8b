import type { SelectionInput, SelectionResult, Selector, ScoringContext } from '../types.js';
import { idf } from '../scoring-context.js';

export interface GreedySelectorOptions {
  /** Redundancy penalty: a unit whose terms are all covered by kept units loses this fraction of its value. Default 0.5. */
  readonly redundancy?: number;
  /** Value is divided by cost^costExponent (0 = value only, 1 = value per token). Default 0.5. */
  readonly costExponent?: number;
}

/**
 * Greedy selection by marginal gain (MMR-style): gain = score × (1 − redundancy × covered) / cost^α, where `covered` is the
 * idf-weighted share of the unit's terms already present in kept units and cost is the tokens the unit adds (itself, the
 * separator or gap it brings, and its anchor if not yet kept). Lazy evaluation: gains only fall as coverage grows, so a
 * popped unit whose recomputed gain still beats the next one is taken. Group caps from the allocator bind in a first pass;
 * a second pass spends what is left on the best remaining units anywhere.
 */
export function greedySelector(options: GreedySelectorOptions = {}): Selector {
  const mu = options.redundancy ?? 0.5;
  const alpha = options.costExponent ?? 0.5;
  return {
    name: 'greedy-mig',
    select(input: SelectionInput): SelectionResult {
      const { context, unitScores, allocation, pinned, separatorTokens } = input;
      const n = unitScores.length;
      const keep = new Uint8Array(n);
      const gains = new Float64Array(n).fill(Number.NaN);
      const units = context.segmentation.units;
      const tokens = context.tokens;
      const gap = gapTokens(context);
      const weights = mu > 0 ? termWeights(context) : new Float64Array(0);
      const covered = new Uint8Array(weights.length);
      const totalWeight = mu > 0 ? unitTermWeight(context, weights) : new Float64Array(0);
      let used = 0;
      let keptCount = 0;
      const groupUsed = allocation === undefined ? undefined : new Float64Array(allocation.caps.length);

      const sameSourceKept = (v: number, u: number): boolean => v >= 0 && v < n && keep[v] === 1 && units[v]!.source === units[u]!.source;
      /** Tokens that keeping `u` adds, given what is kept now. */
      const cost = (u: number): number => {
        let c = tokens[u]!;
        const left = sameSourceKept(u - 1, u);
        const right = sameSourceKept(u + 1, u);
        if (left && right) c += gap[u]! + gap[u + 1]! - separatorTokens;
        else if (left) c += gap[u]!;
        else if (right) c += gap[u + 1]!;
        else if (keptCount > 0) c += separatorTokens; // the first kept span needs no separator
        const a = units[u]!.anchor;
        if (a >= 0 && keep[a] === 0) c += tokens[a]! + (keptCount > 0 ? separatorTokens : 0);
        return Math.max(0, c);
      };
      const coverage = (u: number): number => {
        if (mu === 0) return 0;
        const tw = totalWeight[u]!;
        if (tw === 0) return 0;
        let c = 0;
        const { termOffsets, termIds } = context;
        for (let k = termOffsets[u]!; k < termOffsets[u + 1]!; k++) {
          const t = termIds[k]!;
          if (covered[t]) c += weights[t]!;
        }
        return Math.min(1, c / tw);
      };
      const gainOf = (u: number): number => {
        const s = unitScores[u]!;
        return (s * (1 - mu * coverage(u))) / Math.pow(Math.max(1, cost(u)), alpha);
      };
      const take = (u: number): void => {
        const a = units[u]!.anchor;
        if (a >= 0 && keep[a] === 0) take(a);
        used += cost(u);
        keep[u] = 1;
        keptCount++;
        if (groupUsed !== undefined && allocation !== undefined) groupUsed[allocation.groupOfUnit[u]!]! += tokens[u]!;
        if (mu > 0) {
          const { termOffsets, termIds } = context;
          for (let k = termOffsets[u]!; k < termOffsets[u + 1]!; k++) covered[termIds[k]!] = 1;
        }
      };

      for (let u = 0; u < n; u++) if (pinned[u] === 1 && keep[u] === 0) take(u);
      const budget = input.budget;

      // max-heap of (gain, unit) over units with a positive score
      const heap = new MaxHeap(n);
      for (let u = 0; u < n; u++) if (keep[u] === 0 && unitScores[u]! > 0) heap.push(u, gainOf(u));
      const deferred: number[] = [];
      const run = (useCaps: boolean): void => {
        while (heap.size > 0) {
          const u = heap.popIndex();
          if (keep[u] === 1) continue;
          const g = gainOf(u);
          if (heap.size > 0 && g < heap.peekValue() - 1e-12) {
            heap.push(u, g);
            continue;
          }
          const c = cost(u);
          if (used + c > budget) continue; // does not fit; smaller units may
          if (useCaps && allocation !== undefined && groupUsed !== undefined) {
            const grp = allocation.groupOfUnit[u]!;
            const cap = allocation.caps[grp]!;
            const kind = units[u]!.kind;
            // a group with a cap always gets its best unit; beyond that, the cap binds
            if (cap <= 0 || kind === 'title' || kind === 'heading' || (groupUsed[grp]! > 0 && groupUsed[grp]! + tokens[u]! > cap + 1e-9)) {
              deferred.push(u);
              continue;
            }
          }
          gains[u] = g;
          take(u);
        }
      };
      run(true);
      for (const u of deferred) if (keep[u] === 0) heap.push(u, gainOf(u));
      run(false);
      // zero-score units (no query overlap, no prior) fill what is left, in source order, only when they fit
      for (let u = 0; u < n; u++) {
        if (keep[u] === 0 && unitScores[u]! <= 0) {
          const c = cost(u);
          if (used + c <= budget) {
            gains[u] = 0;
            take(u);
          }
        }
      }
      return { keep, gains };
    },
  };
}

const gapMemo = new WeakMap<ScoringContext, Uint8Array>();

/** Estimated tokens of the white space between unit u−1 and u of the same source: a line break costs one, a space none. */
export function gapTokens(context: ScoringContext): Uint8Array {
  const cached = gapMemo.get(context);
  if (cached !== undefined) return cached;
  const units = context.segmentation.units;
  const sources = context.segmentation.sources;
  const out = new Uint8Array(units.length + 1);
  for (let u = 1; u < units.length; u++) {
    const a = units[u - 1]!;
    const b = units[u]!;
    if (a.source !== b.source) continue;
    const text = sources[b.source]!.text;
    for (let i = a.end; i < b.start; i++) {
      if (text.charCodeAt(i) === 10) {
        out[u] = 1;
        break;
      }
    }
  }
  gapMemo.set(context, out);
  return out;
}

function termWeights(context: ScoringContext): Float64Array {
  const n = context.texts.length;
  const df = context.documentFrequency;
  const w = new Float64Array(df.length);
  for (let t = 0; t < df.length; t++) w[t] = idf(df[t]!, n);
  return w;
}

function unitTermWeight(context: ScoringContext, weights: Float64Array): Float64Array {
  const n = context.texts.length;
  const out = new Float64Array(n);
  const { termOffsets, termIds } = context;
  for (let u = 0; u < n; u++) {
    let s = 0;
    for (let k = termOffsets[u]!; k < termOffsets[u + 1]!; k++) s += weights[termIds[k]!]!;
    out[u] = s;
  }
  return out;
}

/** Binary max-heap of unit indices keyed by a float value; ties go to the lower index (earlier in the source). */
class MaxHeap {
  private readonly idx: Int32Array;
  private readonly val: Float64Array;
  size = 0;
  constructor(capacity: number) {
    this.idx = new Int32Array(Math.max(1, capacity * 2));
    this.val = new Float64Array(Math.max(1, capacity * 2));
  }
  private less(a: number, b: number): boolean {
    const va = this.val[a]!;
    const vb = this.val[b]!;
    return va < vb || (va === vb && this.idx[a]! > this.idx[b]!);
  }
  private swap(a: number, b: number): void {
    const i = this.idx[a]!;
    this.idx[a] = this.idx[b]!;
    this.idx[b] = i;
    const v = this.val[a]!;
    this.val[a] = this.val[b]!;
    this.val[b] = v;
  }
  push(index: number, value: number): void {
    let i = this.size++;
    this.idx[i] = index;
    this.val[i] = value;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(p, i)) break;
      this.swap(p, i);
      i = p;
    }
  }
  peekValue(): number {
    return this.val[0]!;
  }
  popIndex(): number {
    const top = this.idx[0]!;
    const last = --this.size;
    if (last > 0) {
      this.idx[0] = this.idx[last]!;
      this.val[0] = this.val[last]!;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < last && this.less(m, l)) m = l;
        if (r < last && this.less(m, r)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }
}
