import type { SelectionInput, SelectionResult, Selector, ScoringContext } from '../types.js';
import { idf } from '../scoring-context.js';
import { activeDeadline } from '../deadline.js';

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
      return selectGreedy(input, mu, alpha);
    },
  };
}

// The selection runs in module-level functions over typed arrays and one plain object literal (`Run`), with no
// per-call closures or class instances: V8 throws away optimized code that refers to objects (closures, hidden classes)
// which have since died, so those would run interpreted again after every full GC between calls.

/** One selection's data. */
interface Run {
  readonly unitScores: Float64Array;
  readonly mu: number;
  readonly alpha: number;
  readonly separatorTokens: number;
  readonly keep: Uint8Array;
  readonly tokens: Uint32Array;
  /** Source and anchor of each unit, and the estimated tokens of the gap before it (`gapTokens`). */
  readonly source: Int32Array;
  readonly anchor: Int32Array;
  readonly gap: Uint8Array;
  readonly termOffsets: Uint32Array;
  readonly termIds: Uint32Array;
  /** Terms in kept units (undefined without a redundancy penalty), term idf weights, and each unit's total weight. */
  readonly covered: Uint8Array | undefined;
  readonly weights: Float64Array;
  readonly totalWeight: Float64Array;
  readonly groupOfUnit: Uint32Array | undefined;
  readonly groupUsed: Float64Array | undefined;
  /** [tokens used so far, number of kept units] */
  readonly state: Float64Array;
}

const USED = 0;
const KEPT = 1;

function selectGreedy(input: SelectionInput, mu: number, alpha: number): SelectionResult {
  const { context, unitScores, allocation, pinned, separatorTokens } = input;
  const n = unitScores.length;
  const keep = new Uint8Array(n);
  const gains = new Float64Array(n).fill(Number.NaN);
  const units = context.segmentation.units;
  const tokens = context.tokens;
  const source = new Int32Array(n);
  const anchor = new Int32Array(n);
  for (let u = 0; u < n; u++) {
    const unit = units[u]!;
    source[u] = unit.source;
    anchor[u] = unit.anchor;
  }
  const weights = mu > 0 ? termWeights(context) : new Float64Array(0);
  const groupUsed = allocation === undefined ? undefined : new Float64Array(allocation.caps.length);
  const run: Run = {
    unitScores,
    mu,
    alpha,
    separatorTokens,
    keep,
    tokens,
    source,
    anchor,
    gap: gapTokens(context),
    termOffsets: context.termOffsets,
    termIds: context.termIds,
    covered: mu > 0 ? new Uint8Array(weights.length) : undefined,
    weights,
    totalWeight: mu > 0 ? unitTermWeight(context, weights) : new Float64Array(0),
    groupOfUnit: allocation?.groupOfUnit,
    groupUsed,
    state: new Float64Array(2),
  };
  const state = run.state;
  for (let u = 0; u < n; u++) if (pinned[u] === 1 && keep[u] === 0) takeUnit(run, u);
  const budget = input.budget;

  // max-heap of (gain, unit) over units with a positive score
  const heapIdx = new Int32Array(Math.max(1, n * 2));
  const heapVal = new Float64Array(Math.max(1, n * 2));
  let heapSize = 0;
  for (let u = 0; u < n; u++) if (keep[u] === 0 && unitScores[u]! > 0) heapPush(heapIdx, heapVal, heapSize++, u, gainOf(run, u));
  const deferred: number[] = [];
  const deadline = activeDeadline(); // options.timeLimitMs / signal (deadline.ts); undefined without them
  for (let pass = 0; pass < 2; pass++) {
    const useCaps = pass === 0;
    if (!useCaps) for (const u of deferred) if (keep[u] === 0) heapPush(heapIdx, heapVal, heapSize++, u, gainOf(run, u));
    while (heapSize > 0) {
      deadline?.tick();
      const u = heapPop(heapIdx, heapVal, heapSize--);
      if (keep[u] === 1) continue;
      const g = gainOf(run, u);
      if (heapSize > 0 && g < heapVal[0]! - 1e-12) {
        heapPush(heapIdx, heapVal, heapSize++, u, g);
        continue;
      }
      const c = addedCost(run, u);
      if (state[USED]! + c > budget) continue; // does not fit; smaller units may
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
      takeUnit(run, u);
    }
  }
  // zero-score units (no query overlap, no prior) fill what is left, in source order, only when they fit
  for (let u = 0; u < n; u++) {
    if (keep[u] === 0 && unitScores[u]! <= 0) {
      const c = addedCost(run, u);
      if (state[USED]! + c <= budget) {
        gains[u] = 0;
        takeUnit(run, u);
      }
    }
  }
  return { keep, gains };
}

/** gain = score × (1 − redundancy × covered) / cost^α (see `greedySelector`). */
function gainOf(run: Run, u: number): number {
  const coverage = run.covered === undefined ? 0 : coverageOf(run, run.covered, u);
  return (run.unitScores[u]! * (1 - run.mu * coverage)) / Math.pow(Math.max(1, addedCost(run, u)), run.alpha);
}

/** Tokens that keeping `u` adds, given what is kept now: itself, the gap or separator it brings, and its anchor if not yet kept. */
function addedCost(run: Run, u: number): number {
  const { keep, source, tokens, gap, separatorTokens } = run;
  const keptCount = run.state[KEPT]!;
  const n = keep.length;
  let c = tokens[u]!;
  const left = u - 1 >= 0 && keep[u - 1] === 1 && source[u - 1] === source[u];
  const right = u + 1 < n && keep[u + 1] === 1 && source[u + 1] === source[u];
  if (left && right) c += gap[u]! + gap[u + 1]! - separatorTokens;
  else if (left) c += gap[u]!;
  else if (right) c += gap[u + 1]!;
  else if (keptCount > 0) c += separatorTokens; // the first kept span needs no separator
  const a = run.anchor[u]!;
  if (a >= 0 && keep[a] === 0) c += tokens[a]! + (keptCount > 0 ? separatorTokens : 0);
  return Math.max(0, c);
}

/** The idf-weighted share of unit `u`'s terms already covered by kept units. */
function coverageOf(run: Run, covered: Uint8Array, u: number): number {
  const tw = run.totalWeight[u]!;
  if (tw === 0) return 0;
  const { termOffsets, termIds, weights } = run;
  let c = 0;
  for (let k = termOffsets[u]!; k < termOffsets[u + 1]!; k++) {
    const t = termIds[k]!;
    if (covered[t]) c += weights[t]!;
  }
  return Math.min(1, c / tw);
}

/** Keeps `u` (and first its anchor): adds its cost to the tokens used, its tokens to its group, its terms to `covered`. */
function takeUnit(run: Run, u: number): void {
  const a = run.anchor[u]!;
  if (a >= 0 && run.keep[a] === 0) takeUnit(run, a);
  run.state[USED]! += addedCost(run, u);
  run.keep[u] = 1;
  run.state[KEPT]!++;
  if (run.groupUsed !== undefined && run.groupOfUnit !== undefined) run.groupUsed[run.groupOfUnit[u]!]! += run.tokens[u]!;
  const covered = run.covered;
  if (covered !== undefined) for (let k = run.termOffsets[u]!; k < run.termOffsets[u + 1]!; k++) covered[run.termIds[k]!] = 1;
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

// Binary max-heap of unit indices (`heapIdx`) keyed by a float value (`heapVal`); ties go to the lower index (earlier
// in the source). Plain functions over typed arrays, the size kept by the caller (a class instance's hidden class dies
// with the instance, and with it the optimized code of its methods).

function heapLess(idx: Int32Array, val: Float64Array, a: number, b: number): boolean {
  const va = val[a]!;
  const vb = val[b]!;
  return va < vb || (va === vb && idx[a]! > idx[b]!);
}

function heapSwap(idx: Int32Array, val: Float64Array, a: number, b: number): void {
  const i = idx[a]!;
  idx[a] = idx[b]!;
  idx[b] = i;
  const v = val[a]!;
  val[a] = val[b]!;
  val[b] = v;
}

/** Adds (index, value) to a heap of `size` entries; the caller then counts one more. */
function heapPush(idx: Int32Array, val: Float64Array, size: number, index: number, value: number): void {
  let i = size;
  idx[i] = index;
  val[i] = value;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (!heapLess(idx, val, p, i)) break;
    heapSwap(idx, val, p, i);
    i = p;
  }
}

/** Removes and returns the top index of a heap of `size` (> 0) entries; the caller then counts one fewer. */
function heapPop(idx: Int32Array, val: Float64Array, size: number): number {
  const top = idx[0]!;
  const last = size - 1;
  if (last > 0) {
    idx[0] = idx[last]!;
    val[0] = val[last]!;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < last && heapLess(idx, val, m, l)) m = l;
      if (r < last && heapLess(idx, val, m, r)) m = r;
      if (m === i) break;
      heapSwap(idx, val, i, m);
      i = m;
    }
  }
  return top;
}
