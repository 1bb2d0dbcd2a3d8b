/**
 * Baselines that cut the input into the very same units as ctxpress (core's default segmenter) and render them the way
 * compress() does (core's renderSelection), so only the choice of units differs.
 *
 * Every baseline fills the budget greedily from an order of units, using an estimate of the rendered size, then renders
 * and recounts with the tokenizer and drops the last-added unit while the text is over budget: the budget is exact.
 * @module
 */
import { bm25Scorer, defaultSegmenter, type CompressInput, type ScoringContext, type Segmentation, type Tokenizer } from '@ctxpress/core';
import { buildScoringContext, createSources, renderSelection } from '@ctxpress/core/internal';

/** Renderer defaults of compress(); the baselines use them too. */
export const SEPARATOR = '\n';
export const DOCUMENT_SEPARATOR = '\n\n';

/** The input segmented once, shared by every baseline and ratio of one example. */
export interface PreparedInput {
  readonly segmentation: Segmentation;
  readonly context: ScoringContext;
  /** Estimated tokens of the original text between unit i-1 and unit i when both are kept (same source only). */
  readonly joinTokens: Uint32Array;
  /** Estimated tokens of a separator between two kept units that are not adjacent. */
  readonly separatorTokens: number;
}

export function prepareInput(input: CompressInput, tokenizer: Tokenizer, query?: string): PreparedInput {
  const segmentation = defaultSegmenter().segment(createSources(input));
  const context = buildScoringContext(segmentation, tokenizer, query);
  const { units, sources } = segmentation;
  const joinTokens = new Uint32Array(units.length);
  for (let i = 1; i < units.length; i++) {
    const previous = units[i - 1];
    const unit = units[i];
    if (previous === undefined || unit === undefined || previous.source !== unit.source) continue;
    const gap = sources[unit.source]?.text.slice(previous.end, unit.start) ?? '';
    // Plain spaces merge into the next word's token; a line break is a token of its own; anything else is counted.
    joinTokens[i] = gap.trim() !== '' ? tokenizer.count(gap) : gap.includes('\n') ? 1 : 0;
  }
  const separatorTokens = Math.max(tokenizer.count(SEPARATOR), tokenizer.count(DOCUMENT_SEPARATOR));
  return { segmentation, context, joinTokens, separatorTokens };
}

export interface Selection {
  readonly text: string;
  /** Exact token count of `text`. */
  readonly tokens: number;
  readonly keep: Uint8Array;
  /** Kept units in the order they were added. */
  readonly added: readonly number[];
}

export interface FillOptions {
  /** Stop at the first unit that does not fit (a prefix) instead of skipping it and trying the next. */
  readonly stopAtFirstMiss?: boolean;
}

/** Greedy passes over the order: the first with the raw estimate, later ones corrected by the measured error. */
const MAX_PASSES = 3;

/**
 * Adds units in `order` while the estimated rendered size fits `budget`; renders and recounts; when there is room left,
 * runs another pass with the estimate shifted by its measured error (the estimate ignores BPE merges at joins); finally
 * drops the last-added unit while the exact count is over budget.
 */
export function fillInOrder(prepared: PreparedInput, order: Iterable<number>, budget: number, tokenizer: Tokenizer, options: FillOptions = {}): Selection {
  const { segmentation, context, joinTokens, separatorTokens } = prepared;
  const { units } = segmentation;
  const count = units.length;
  const sequence = Array.from(order);
  const keep = new Uint8Array(count);
  const added: number[] = [];
  let unitTokens = 0;
  let joins = 0;
  let runs = 0;
  const estimate = (): number => unitTokens + joins + Math.max(0, runs - 1) * separatorTokens;

  /** Adds `index` when the corrected estimate stays within budget. */
  const tryAdd = (index: number, correction: number): boolean => {
    const unit = units[index];
    if (unit === undefined) return false;
    const left = index > 0 && keep[index - 1] === 1 && units[index - 1]?.source === unit.source;
    const right = index + 1 < count && keep[index + 1] === 1 && units[index + 1]?.source === unit.source;
    const joinDelta = (left ? (joinTokens[index] ?? 0) : 0) + (right ? (joinTokens[index + 1] ?? 0) : 0);
    const runDelta = left && right ? -1 : left || right ? 0 : 1;
    const tokens = context.tokens[index] ?? 0;
    const after = unitTokens + tokens + joins + joinDelta + Math.max(0, runs + runDelta - 1) * separatorTokens;
    if (after + correction > budget) return false;
    keep[index] = 1;
    added.push(index);
    unitTokens += tokens;
    joins += joinDelta;
    runs += runDelta;
    return true;
  };

  let text = '';
  let tokens = 0;
  let correction = 0;
  let resumeAt = 0; // head: the first unit that did not fit
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    let grew = false;
    for (let position = resumeAt; position < sequence.length; position++) {
      const index = sequence[position] as number;
      if (keep[index] === 1) continue;
      if (tryAdd(index, correction)) grew = true;
      else if (options.stopAtFirstMiss === true) {
        resumeAt = position;
        break;
      }
      if (position === sequence.length - 1 && options.stopAtFirstMiss === true) resumeAt = sequence.length;
    }
    if (!grew && pass > 0) break;
    text = render(segmentation, keep);
    tokens = tokenizer.count(text);
    if (tokens >= budget) break;
    correction = tokens - estimate();
  }

  while (tokens > budget && added.length > 0) {
    const last = added.pop() as number;
    keep[last] = 0;
    text = render(segmentation, keep);
    tokens = tokenizer.count(text);
  }
  return { text, tokens, keep, added };
}

function render(segmentation: Segmentation, keep: Uint8Array): string {
  return renderSelection(segmentation, keep, { separator: SEPARATOR, documentSeparator: DOCUMENT_SEPARATOR }).text;
}

/** Head truncation: the longest prefix of units, in source order, that fits. */
export function headSelection(prepared: PreparedInput, budget: number, tokenizer: Tokenizer): Selection {
  return fillInOrder(prepared, indices(prepared.segmentation.units.length), budget, tokenizer, { stopAtFirstMiss: true });
}

/** Units in a shuffled order (mulberry32 seeded by `seed`), each added when it still fits. */
export function randomSelection(prepared: PreparedInput, budget: number, tokenizer: Tokenizer, seed: number): Selection {
  return fillInOrder(prepared, seededShuffle(prepared.segmentation.units.length, seed), budget, tokenizer);
}

/** Units by plain Okapi BM25 (k1 1.2, b 0.75; no query expansion, no prefix matching) against the query, highest first (ties in source order), each added when it still fits: what a LangChain-style BM25 relevance filter does. */
export function bm25Selection(prepared: PreparedInput, budget: number, tokenizer: Tokenizer): Selection {
  const scores = bm25Scorer({ feedback: false, prefixWeight: 0 }).score(prepared.context);
  const order = Array.from(indices(prepared.segmentation.units.length)).sort((a, b) => (scores[b] ?? 0) - (scores[a] ?? 0) || a - b);
  return fillInOrder(prepared, order, budget, tokenizer);
}

function indices(count: number): Uint32Array {
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  return order;
}

/** mulberry32: a small, fast, deterministic 32-bit PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a hash of a string's UTF-16 code units: the seed for an example id. */
export function hashSeed(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A Fisher–Yates shuffle of 0..count-1 driven by mulberry32(seed). */
export function seededShuffle(count: number, seed: number): Uint32Array {
  const order = indices(count);
  const random = mulberry32(seed);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const swap = order[i] as number;
    order[i] = order[j] as number;
    order[j] = swap;
  }
  return order;
}
