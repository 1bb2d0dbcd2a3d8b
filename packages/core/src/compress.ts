import { exactCount } from './exact-count.js';
import { graphemeBoundaryAtOrBefore } from './text/graphemes.js';
import type { CompressOptions, Pipeline } from './options.js';
import type {
  Budget,
  CompressInput,
  CompressionResult,
  PruneContext,
  ScoringContext,
  Segmentation,
  Source,
  Span,
  Tokenizer,
  UnitDecision,
  UnitReport,
} from './types.js';
import { CtxpressError } from './errors.js';
import { keepPatterns } from './keep-patterns.js';
import { checkCommonOptions } from './check-options.js';
import { activeDeadline, deadlineFor, runWithDeadline } from './deadline.js';
import { createSources } from './sources.js';
import { buildScoringContext } from './scoring-context.js';
import { combineScores } from './scorers/combine.js';
import { renderSelection } from './render.js';
import { fitToBudget } from './verify.js';
import { structuredTextSegmenter } from './segmenters/structured-text-segmenter.js';
import { bm25Scorer } from './scorers/bm25-scorer.js';
import { neighbourScorer } from './scorers/neighbour-scorer.js';
import { groupScorer } from './scorers/group-scorer.js';
import { referenceScorer } from './scorers/reference-scorer.js';
import { informationScorer, termSurprisal } from './scorers/information-scorer.js';
import { positionScorer } from './scorers/position-scorer.js';
import { migAllocator } from './allocators/mig-allocator.js';
import { greedySelector } from './selectors/greedy-selector.js';
import { wordPruner } from './pruners/word-pruner.js';
import { isStopWord, stem, forEachTerm } from './text/terms.js';
import {
  checkCacheOptions,
  contextFromEntries,
  decodeCounts,
  encodeCounts,
  loadSegments,
  segmenterCacheId,
  sourceCountsKey,
  storeCounts,
} from './cache/segment-cache.js';
import { getSync, setQuietly } from './cache/store.js';
import { hash128 } from './cache/hash.js';
import type { CachedInput } from './cache/segment-cache.js';

/**
 * The default stages. Each is a plain value; pass `pipeline` to replace any of them. The weights were chosen on the
 * quality benchmark (docs/decisions/0004-default-pipeline.md has the figures behind each choice).
 */
export function defaultPipeline(): Pipeline {
  const bm25 = bm25Scorer();
  return {
    segmenter: structuredTextSegmenter(),
    queryScorers: [
      { scorer: bm25, weight: 1 },
      { scorer: neighbourScorer(bm25, { window: 2, decay: 0.5, replyDecay: 0.8 }), weight: 0.3 },
      { scorer: groupScorer(bm25, { level: 'block' }), weight: 0.25 },
      { scorer: groupScorer(bm25, { level: 'source' }), weight: 0.15 },
      { scorer: referenceScorer(bm25), weight: 0.5 },
      { scorer: positionScorer(), weight: 0.2 },
    ],
    agnosticScorers: [
      { scorer: informationScorer(), weight: 1 },
      { scorer: positionScorer(), weight: 1 },
    ],
    allocator: migAllocator({ minValue: 0.6, coarseShare: 0.3 }),
    selector: greedySelector({ redundancy: 0, costExponent: 0 }),
    // without a query nothing says which repeats matter: penalise redundancy, and prefer dense units
    agnosticSelector: greedySelector({ redundancy: 0.5, costExponent: 0.5 }),
    pruner: wordPruner(),
  };
}

/**
 * The default stages, built once and shared by every call. Stages are stateless values (per-call state lives in the
 * scoring context), and reusing them keeps V8's optimized code for their methods: code compiled for one call's fresh
 * closures is thrown away once a full GC collects them.
 */
let sharedDefaults: Pipeline | undefined;
function defaultStages(): Pipeline {
  sharedDefaults ??= defaultPipeline();
  return sharedDefaults;
}

/** Checks a budget and returns the target token count for an input of `original` tokens. */
export function resolveBudget(budget: Budget | undefined, original: number): number {
  if (budget === undefined || budget === null || typeof budget !== 'object') {
    throw new CtxpressError('INVALID_BUDGET', 'options.budget is required: give { tokens: N } (N ≥ 1) or { ratio: R } (R ≥ 1).');
  }
  const b = budget as Record<string, unknown>;
  const hasTokens = b['tokens'] !== undefined;
  const hasRatio = b['ratio'] !== undefined;
  if (hasTokens === hasRatio) {
    throw new CtxpressError('INVALID_BUDGET', 'options.budget needs exactly one of { tokens: N } or { ratio: R }.');
  }
  if (hasTokens) {
    const t = b['tokens'];
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 1) {
      throw new CtxpressError('INVALID_BUDGET', `budget.tokens must be a whole number ≥ 1, got ${JSON.stringify(t)}.`);
    }
    return t;
  }
  const r = b['ratio'];
  if (typeof r !== 'number' || !Number.isFinite(r) || r < 1) {
    throw new CtxpressError('INVALID_BUDGET', `budget.ratio must be a finite number ≥ 1 (2 = half the tokens), got ${JSON.stringify(r)}.`);
  }
  return Math.floor(original / r);
}

function now(): number {
  return performance.now();
}

/** Marks every unit that overlaps a match of a keep pattern. */
function pinMatches(segmentation: Segmentation, keep: readonly RegExp[]): Uint8Array {
  const pinned = new Uint8Array(segmentation.units.length);
  if (keep.length === 0) return pinned;
  const { units, sources } = segmentation;
  let first = 0;
  for (const src of sources) {
    let last = first;
    while (last < units.length && units[last]!.source === src.index) last++;
    for (const re of keep) {
      re.lastIndex = 0;
      let u = first;
      for (let m = re.exec(src.text); m !== null; m = re.exec(src.text)) {
        if (m[0].length === 0) {
          re.lastIndex++;
          continue;
        }
        const ms = m.index;
        const me = ms + m[0].length;
        while (u < last && units[u]!.end <= ms) u++;
        for (let k = u; k < last && units[k]!.start < me; k++) pinned[k] = 1;
      }
    }
    first = last;
  }
  return pinned;
}

/**
 * Compresses `input` to the token budget, synchronously, with an explicit tokenizer. `@ctxpress/node`'s `compress()` wraps
 * this with tokenizers by name.
 *
 * @example
 * const result = compressSync(longText, { budget: { ratio: 4 }, query: 'Who won?', tokenizer });
 * result.text; // ≤ budget tokens, made only of spans of the input
 *
 * With `options.timeLimitMs` / `options.signal` (opt-in) it throws `TIME_LIMIT` / `ABORTED` instead of finishing late.
 */
export function compressSync(input: CompressInput, options: CompressOptions): CompressionResult {
  const prepared = prepareCompression(input, options);
  return prepared.compress(resolveBudget(options.budget, prepared.original));
}

/** How `prepareCompression` counts. */
export interface PrepareOptions {
  /**
   * Count each source on its own (its units' counts and total, cached per source with `options.cache`) instead of the
   * joined input: `original` is then the sum plus the document separators, off by the odd token where BPE would merge
   * across a join. For callers whose sources change from call to call (a growing conversation), where a count of the
   * whole set could never be reused. Ignored for tokenizers without `countRanges`.
   */
  readonly countSourcesApart?: boolean;
}

/** An input segmented, counted (and, on first use, scored) once, to be compressed to several budgets. */
export interface PreparedCompression {
  /** Tokens of the whole input (non-empty sources joined by the document separator). */
  readonly original: number;
  /**
   * The result for a budget of `budget` tokens (a whole number ≥ 1), as `compressSync` with `{ tokens: budget }` would
   * return it; segmentation, counts, the scoring context and the scores are computed once and shared by every call.
   */
  compress(budget: number): CompressionResult;
  /**
   * Only the selection at `budget`: the kept spans the selector picks (pinned `keep` matches included), without
   * pruning, rendering's exact recount or the verifier — for callers that render and count the spans themselves.
   */
  select(budget: number): readonly Span[];
}

/**
 * `compressSync` in two steps, for callers that try several budgets on one input (chat compression calibrates its
 * budget this way): the budget-independent work happens once. `options.budget` is ignored.
 */
export function prepareCompression(
  input: CompressInput,
  options: Omit<CompressOptions, 'budget'> & { readonly budget?: CompressOptions['budget'] },
  prepare: PrepareOptions = {},
): PreparedCompression {
  const tokenizer = checkCommonOptions(options);
  // options.signal / options.timeLimitMs: the limit counts from here and covers every later compress() / select() too
  const deadline = deadlineFor(options);
  if (deadline === undefined) return prepareWith(input, options, prepare, tokenizer);
  const prepared = runWithDeadline(deadline, () => prepareWith(input, options, prepare, tokenizer));
  return {
    original: prepared.original,
    compress: (budget) => runWithDeadline(deadline, () => prepared.compress(budget)),
    select: (budget) => runWithDeadline(deadline, () => prepared.select(budget)),
  };
}

function prepareWith(
  input: CompressInput,
  options: Omit<CompressOptions, 'budget'> & { readonly budget?: CompressOptions['budget'] },
  prepare: PrepareOptions,
  tokenizer: Tokenizer,
): PreparedCompression {
  const t0 = now();
  let calls = 0;
  const separator = options.separator ?? '\n';
  const documentSeparator = options.documentSeparator ?? '\n\n';
  if (typeof separator !== 'string' || typeof documentSeparator !== 'string') {
    throw new CtxpressError('INVALID_OPTION', 'options.separator and options.documentSeparator must be strings.');
  }
  const prune = options.prune ?? false;
  if (prune !== false && (typeof prune !== 'number' || !(prune > 0 && prune < 1))) {
    throw new CtxpressError('INVALID_OPTION', `options.prune must be false or a fraction between 0 and 1 (e.g. 0.3), got ${JSON.stringify(prune)}.`);
  }
  const keepRegExps = keepPatterns(options.keep, true);
  const pipeline: Pipeline = { ...defaultStages(), ...(options.pipeline ?? {}) };
  const sources = createSources(input, options.format ?? 'auto');
  const timings: Record<string, number> = {};

  // original size: the whole input as it would be sent uncompressed (non-empty sources joined by the document separator)
  const nonEmpty = sources.filter((s) => s.text.length > 0);
  const fullText = nonEmpty.length === 1 ? nonEmpty[0]!.text : nonEmpty.map((s) => s.text).join(documentSeparator);
  const sourceReports = sources.map((s) => ({ id: s.id, titleLength: s.titleLength, length: s.text.length }));
  let t = now();
  // with a cache (docs/decisions/0010-segment-cache.md), segmentation, term lists and counts come from cached entries
  if (options.cache !== undefined) checkCacheOptions(options.cache);
  const segmenterId = options.cache === undefined ? undefined : segmenterCacheId(pipeline.segmenter, options.pipeline?.segmenter === undefined);
  const cached: CachedInput | undefined =
    options.cache === undefined || segmenterId === undefined
      ? undefined
      : loadSegments(options.cache, pipeline.segmenter, segmenterId, tokenizer, documentSeparator, sources);
  const segmentation = cached?.segmentation ?? pipeline.segmenter.segment(sources);
  timings['segment'] = now() - t;
  t = now();
  const apart = prepare.countSourcesApart === true && tokenizer.countRanges !== undefined;
  const { original, unitTokens } = apart
    ? countApart(tokenizer, segmentation, nonEmpty.length, documentSeparator, options.cache, cached?.keys.sourceKeys)
    : (cached?.counts ?? countInput(tokenizer, fullText, segmentation, nonEmpty, documentSeparator));
  if (!apart && cached !== undefined && options.cache !== undefined && cached.counts === undefined)
    storeCounts(options.cache, cached.keys.countsKey, { original, unitTokens });
  timings['count'] = now() - t;
  activeDeadline()?.check();
  const prepareTimings = { ...timings };

  /** The scoring state, built on the first budget that needs it (an input that already fits needs none). */
  let scored:
    | {
        context: ScoringContext;
        pinned: Uint8Array;
        selector: Pipeline['selector'];
        combined: Float64Array;
        parts: Array<{ name: string; scores: Float64Array }>;
        /** Tokens the `keep` matches force (budget-independent). */
        pinnedTokens: number;
        separatorTokens: number;
        timings: Record<string, number>;
      }
    | undefined;
  const score = (): NonNullable<typeof scored> => {
    if (scored !== undefined) return scored;
    const scoreTimings: Record<string, number> = {};
    let ts = now();
    const context =
      cached === undefined
        ? buildScoringContext(segmentation, tokenizer, options.query, unitTokens)
        : contextFromEntries(segmentation, cached.entries, tokenizer, options.query, unitTokens);
    if (cached !== undefined && options.cache !== undefined && unitTokens === undefined)
      storeCounts(options.cache, cached.keys.countsKey, { original, unitTokens: context.tokens });
    scoreTimings['tokenize'] = now() - ts;
    activeDeadline()?.check();
    ts = now();
    const pinned = pinMatches(segmentation, keepRegExps);
    const hasQuery = options.query !== undefined && options.query.trim().length > 0;
    const queryMode = hasQuery && context.queryTermIds.length > 0;
    const scorers = queryMode ? pipeline.queryScorers : pipeline.agnosticScorers;
    const selector = queryMode ? pipeline.selector : (pipeline.agnosticSelector ?? pipeline.selector);
    const { combined, parts } = combineScores(scorers, context);
    scoreTimings['score'] = now() - ts;
    let pinnedTokens = 0;
    for (let u = 0; u < pinned.length; u++) if (pinned[u] === 1) pinnedTokens += context.tokens[u]!;
    const separatorTokens = separator.length === 0 ? 0 : tokenizer.count(separator);
    scored = { context, pinned, selector, combined, parts, pinnedTokens, separatorTokens, timings: scoreTimings };
    return scored;
  };
  /** BUDGET_UNSATISFIABLE when what `keep` forces does not fit `budget` (after `score()`). */
  const keepFits = (budget: number): void => {
    const pinnedTokens = scored!.pinnedTokens;
    if (pinnedTokens > budget) {
      throw new CtxpressError(
        'BUDGET_UNSATISFIABLE',
        `The text matched by options.keep alone needs about ${pinnedTokens} tokens, more than the budget of ${budget}. Raise the budget or keep less.`,
      );
    }
  };

  const compress = (budget: number): CompressionResult => {
    // the first call's total includes the preparation, later calls count their own work only
    const started = calls++ === 0 ? t0 : now();
    const timings: Record<string, number> = calls === 1 ? { ...prepareTimings } : { segment: 0, count: 0 };
    if (original <= budget) {
      // nothing to do: the input already fits
      const kept = nonEmpty.map((s) => ({ sourceId: s.id, start: 0, end: s.text.length }));
      timings['total'] = now() - started;
      return { text: fullText, tokens: { original, compressed: original, budget }, ratio: 1, sources: sourceReports, kept, dropped: [], timings };
    }
    const firstScoring = scored === undefined;
    const { context, pinned, selector, combined, parts } = score();
    if (firstScoring) Object.assign(timings, scored!.timings);
    else Object.assign(timings, { tokenize: 0, score: 0 });

    const n = segmentation.units.length;
    keepFits(budget);
    const { separatorTokens } = scored!;

    let t = now();
    const allocation = pipeline.allocator?.allocate({ context, unitScores: combined, budget, pinned });
    timings['allocate'] = now() - t;

    const pruneRatio = prune === false || pipeline.pruner === undefined ? 0 : prune;
    const renderOptions = { separator, documentSeparator };
    let selectMs = 0;
    let pruneMs = 0;
    let renderMs = 0;
    /** One selection at `selectionBudget`, pruned and rendered, recounted exactly. */
    const attempt = (selectionBudget: number): Attempt => {
      activeDeadline()?.check();
      let ts = now();
      const selection = selector.select({ context, unitScores: combined, allocation, pinned, budget: selectionBudget, separatorTokens });
      selectMs += now() - ts;
      ts = now();
      const pieces =
        pruneRatio > 0 && pipeline.pruner !== undefined
          ? prunePieces(pipeline.pruner, segmentation, context, selection.keep, pinned, keepRegExps, pruneRatio)
          : undefined;
      pruneMs += now() - ts;
      ts = now();
      const rendered = renderSelection(segmentation, selection.keep, renderOptions, pieces);
      const compressed = exactCount(tokenizer, rendered.text);
      renderMs += now() - ts;
      return { selection, pieces, rendered, compressed, trimmed: new Uint8Array(n) };
    };
    // with pruning, sentences shrink after selection, so select against a proportionally larger budget
    const firstBudget = pruneRatio > 0 ? Math.floor(budget / (1 - pruneRatio * 0.5)) : budget;
    let best: Attempt = attempt(firstBudget);
    // calibrate: the selector's estimate of joins and separators is conservative (BPE often merges ".\n" into one token);
    // spend the measured slack in a second selection, and keep whichever fills the budget better without going over
    // (skipped for large budgets when the slack is under 1% of it: a second pass would not fit a unit worth having)
    const slack = budget - best.compressed;
    if (slack > 0 && (budget < 2000 || slack >= budget * 0.01)) {
      const second = attempt(firstBudget + (budget - best.compressed));
      if (second.compressed <= budget && second.compressed > best.compressed) best = second;
      else if (second.compressed > budget) {
        const fitted = fitAttempt(second, budget, context, segmentation, pinned, combined, renderOptions, tokenizer);
        if (fitted.compressed > best.compressed) best = fitted;
      }
    }
    t = now();
    let final = best.compressed > budget ? fitAttempt(best, budget, context, segmentation, pinned, combined, renderOptions, tokenizer) : best;
    // nothing fitted whole (one huge fence, an unbroken run): keep the most valuable unit cut to the budget
    if (final.rendered.kept.length === 0 && budget >= MIN_CUT_BUDGET) final = cutToFit(final, budget, segmentation, combined, context.tokens, renderOptions, tokenizer);
    const { selection, trimmed } = final;
    const keep = selection.keep;
    const rendered = final.rendered;
    const compressed = final.compressed;
    renderMs += now() - t;
    timings['select'] = selectMs;
    timings['prune'] = pruneMs;
    timings['render'] = renderMs;
    timings['total'] = now() - started;

    const result: CompressionResult = {
      text: rendered.text,
      tokens: { original, compressed, budget },
      ratio: compressed === 0 ? (original === 0 ? 1 : Number.POSITIVE_INFINITY) : original / compressed,
      sources: sourceReports,
      kept: rendered.kept,
      dropped: rendered.dropped,
      timings,
    };
    if (options.explain !== true) return result;
    const units: UnitReport[] = segmentation.units.map((unit, u) => {
      const scores: Record<string, number> = {};
      for (const p of parts) scores[p.name] = p.scores[u]!;
      const decision: UnitDecision = trimmed[u] === 1 ? 'trimmed' : pinned[u] === 1 ? 'pinned' : keep[u] === 1 ? 'kept' : 'dropped';
      return {
        span: { sourceId: sources[unit.source]!.id, start: unit.start, end: unit.end },
        kind: unit.kind,
        tokens: context.tokens[u]!,
        scores,
        score: combined[u]!,
        groupValue: allocation === undefined ? 0 : allocation.values[allocation.groupOfUnit[u]!]!,
        gain: selection.gains[u]!,
        decision,
      };
    });
    return { ...result, units };
  };
  const select = (budget: number): readonly Span[] => {
    if (original <= budget) return nonEmpty.map((s) => ({ sourceId: s.id, start: 0, end: s.text.length }));
    const { context, pinned, selector, combined, separatorTokens } = score();
    keepFits(budget);
    const allocation = pipeline.allocator?.allocate({ context, unitScores: combined, budget, pinned });
    const selection = selector.select({ context, unitScores: combined, allocation, pinned, budget, separatorTokens });
    return renderSelection(segmentation, selection.keep, { separator, documentSeparator }).kept;
  };
  return { original, compress, select };
}

interface Attempt {
  readonly selection: { readonly keep: Uint8Array; readonly gains: Float64Array };
  readonly pieces: Map<number, ReadonlyArray<readonly [number, number]>> | undefined;
  readonly rendered: ReturnType<typeof renderSelection>;
  readonly compressed: number;
  /** Units the verifier dropped to fit the budget. */
  readonly trimmed: Uint8Array;
}

/**
 * The text pipeline on the shared verifier (verify.ts): sheds the least valuable kept units (never pinned ones, never
 * an anchor whose dependants stay) until the recounted text fits. Mutates `attempt.selection.keep` and marks the units
 * it drops in `attempt.trimmed`.
 */
function fitAttempt(
  attempt: Attempt,
  budget: number,
  context: ScoringContext,
  segmentation: Segmentation,
  pinned: Uint8Array,
  combined: Float64Array,
  renderOptions: { separator: string; documentSeparator: string },
  tokenizer: Tokenizer,
): Attempt {
  const n = segmentation.units.length;
  const keep = attempt.selection.keep;
  const gains = attempt.selection.gains;
  const pieces = attempt.pieces;
  const trimmed = attempt.trimmed;
  const isAnchor = new Uint8Array(n);
  for (let u = 0; u < n; u++) {
    const a = segmentation.units[u]!.anchor;
    if (keep[u] === 1 && a >= 0) isAnchor[a] = 1;
  }
  const removable: number[] = [];
  for (let u = 0; u < n; u++) if (keep[u] === 1 && pinned[u] === 0) removable.push(u);
  // a long unit counted 0 tokens (a range count placed its tokens in the unit before: a cut inside a pre-token) still
  // costs its own count; short ones ("matter.Notes") keep their range count, as they always have
  const cost = (u: number): number => context.tokens[u]! || (context.texts[u]!.length > 64 ? tokenizer.count(context.texts[u]!) : 0);
  const value = (u: number): number => (Number.isNaN(gains[u]!) ? combined[u]! : gains[u]!);
  removable.sort((a, b) => value(a) - value(b) || b - a);
  const { rendered, tokens } = fitToBudget(
    {
      render: () => renderSelection(segmentation, keep, renderOptions, pieces),
      // least valuable first; an anchor whose dependants are still kept waits until they are gone
      shed: (overflow) => {
        let removed = 0;
        for (let pass = 0; overflow > 0 && pass < 2; pass++) {
          for (let k = 0; k < removable.length && overflow > 0; k++) {
            const u = removable[k]!;
            if (keep[u] === 0) continue;
            if (isAnchor[u] === 1 && hasKeptDependant(segmentation, keep, u)) continue;
            keep[u] = 0;
            trimmed[u] = 1;
            pieces?.delete(u);
            overflow -= cost(u);
            removed++;
          }
        }
        return removed > 0;
      },
    },
    budget,
    tokenizer,
    { rendered: attempt.rendered, tokens: attempt.compressed },
  );
  return { selection: attempt.selection, pieces, rendered, compressed: tokens, trimmed };
}

/** Below this budget an empty result stays empty rather than holding a cut unit. */
const MIN_CUT_BUDGET = 50;

/**
 * The end of a longest prefix of `text[start, end)` whose count is at most `room` tokens (within `room / 256` tokens of
 * it), on a grapheme boundary, preferably at a line end, else at white space, when one is in the prefix's second half;
 * `start` when none fits. `estimate` is the whole range's token count (0 when unknown).
 *
 * A secant search safeguarded by bisection: a guess scales the last prefix by `room / its count` (every other step,
 * once a prefix is known not to fit, halves the bracket instead, so it always converges); usually one to three exact
 * counts of about `room` tokens find the cut (a plain bisection counted up to 17 prefixes of up to half the unit,
 * ~110 ms on a 126k-character CJK run where one count of the result takes 4 ms).
 */
function prefixEnd(text: string, start: number, end: number, room: number, tokenizer: Tokenizer, estimate: number): number {
  const limit = Math.min(end, start + room * 64);
  const tolerance = Math.max(1, Math.floor(room / 256));
  let lo = start; // fits
  let loCount = 0;
  let hi = limit + 1; // the first position known not to fit (limit + 1: none known)
  let perToken = estimate > 0 ? (end - start) / estimate : 1;
  for (let step = 0; step < 48 && hi - lo > 1; step++) {
    // secant guesses, with a bisection every other step once both ends are known, so it always converges
    let guess = lo + Math.floor((room - loCount) * perToken * 0.995);
    if (hi <= limit && (step % 2 === 1 || guess <= lo || guess >= hi)) guess = lo + ((hi - lo) >> 1);
    else if (hi > limit) guess = Math.min(limit, Math.max(lo + 1, guess));
    if (guess <= lo) break;
    const count = tokenizer.count(text.slice(start, guess));
    if (count <= room) {
      lo = guess;
      loCount = count;
      if (guess === limit || room - count <= tolerance) break;
    } else hi = guess;
    perToken = (guess - start) / Math.max(1, count);
  }
  let cut = graphemeBoundaryAtOrBefore(text, start, lo);
  if (cut < end) {
    const half = start + ((cut - start) >> 1);
    const line = text.lastIndexOf('\n', cut - 1);
    if (line > half) cut = line;
    else {
      for (let i = cut - 1; i > half; i--) {
        const ch = text.charCodeAt(i);
        if (ch === 32 || ch === 9 || ch === 13) {
          cut = i;
          break;
        }
      }
    }
  }
  while (cut > start && /\s/.test(text[cut - 1]!)) cut--;
  return cut;
}

/**
 * Unit trimming for an empty result: the most valuable unit, cut to its longest prefix that fits the budget (a long
 * fence or an unbroken run is split only here, when it must be). The cut unit is rendered as a piece of itself.
 */
function cutToFit(
  attempt: Attempt,
  budget: number,
  segmentation: Segmentation,
  combined: Float64Array,
  unitTokens: Uint32Array,
  renderOptions: { separator: string; documentSeparator: string },
  tokenizer: Tokenizer,
): Attempt {
  const units = segmentation.units;
  let best = -1;
  for (let u = 0; u < units.length; u++) if (best === -1 || combined[u]! > combined[best]!) best = u;
  if (best === -1) return attempt;
  const unit = units[best]!;
  const text = segmentation.sources[unit.source]!.text;
  let room = budget;
  const deadline = activeDeadline();
  for (let tries = 0; tries < 8 && room > 0; tries++) {
    deadline?.check();
    const cut = prefixEnd(text, unit.start, unit.end, room, tokenizer, unitTokens[best]!);
    if (cut <= unit.start) return attempt;
    const keep = attempt.selection.keep;
    keep.fill(0);
    keep[best] = 1;
    const pieces = new Map<number, ReadonlyArray<readonly [number, number]>>();
    if (cut < unit.end) pieces.set(best, [[unit.start, cut]]);
    const rendered = renderSelection(segmentation, keep, renderOptions, pieces);
    const compressed = exactCount(tokenizer, rendered.text);
    if (compressed <= budget) {
      attempt.trimmed[best] = 1; // explain: 'trimmed'
      const dropped = cut < unit.end ? withCutTail(rendered.dropped, segmentation, best, cut) : rendered.dropped;
      return { selection: attempt.selection, pieces, rendered: { ...rendered, dropped }, compressed, trimmed: attempt.trimmed };
    }
    keep[best] = 0;
    room -= Math.max(1, compressed - budget);
  }
  return attempt;
}

/** `dropped` plus the tail `[cut, end)` of cut unit `u`, merged with the dropped unit that follows it. */
function withCutTail(dropped: readonly Span[], segmentation: Segmentation, u: number, cut: number): Span[] {
  const unit = segmentation.units[u]!;
  const id = segmentation.sources[unit.source]!.id;
  const next = segmentation.units[u + 1];
  const order = new Map(segmentation.sources.map((s, i) => [s.id, i]));
  const rank = (d: Span): number => order.get(d.sourceId) ?? 0;
  const all = [...dropped, { sourceId: id, start: cut, end: unit.end }].sort((x, y) => rank(x) - rank(y) || x.start - y.start);
  const out: Span[] = [];
  for (const span of all) {
    const prev = out[out.length - 1];
    if (
      prev !== undefined &&
      prev.sourceId === id &&
      span.sourceId === id &&
      prev.start === cut &&
      next !== undefined &&
      next.source === unit.source &&
      span.start === next.start
    ) {
      out[out.length - 1] = { sourceId: id, start: cut, end: span.end };
    } else out.push(span);
  }
  return out;
}

/** Per-source counting (`PrepareOptions.countSourcesApart`), each source's counts read from or written to the cache. */
function countApart(
  tokenizer: Tokenizer,
  segmentation: Segmentation,
  nonEmptyCount: number,
  documentSeparator: string,
  cache: CompressOptions['cache'],
  sourceKeys: readonly string[] | undefined,
): { original: number; unitTokens: Uint32Array } {
  const units = segmentation.units;
  const unitTokens = new Uint32Array(units.length);
  const hash = cache?.hash ?? hash128;
  let original = 0;
  let u = 0;
  for (const src of segmentation.sources) {
    let end = u;
    while (end < units.length && units[end]!.source === src.index) end++;
    const key = cache === undefined || sourceKeys === undefined ? undefined : sourceCountsKey(hash, tokenizer, sourceKeys[src.index]!);
    const bytes = key === undefined ? undefined : getSync(cache!.store, key);
    let entry = bytes === undefined ? undefined : decodeCounts(bytes, end - u);
    if (entry?.unitTokens === undefined) {
      const starts = new Uint32Array(end - u);
      const ends = new Uint32Array(end - u);
      for (let k = u; k < end; k++) {
        starts[k - u] = units[k]!.start;
        ends[k - u] = units[k]!.end;
      }
      const counted = src.text.length === 0 ? { total: 0, counts: new Uint32Array(0) } : tokenizer.countRanges!(src.text, starts, ends);
      entry = { original: counted.total, unitTokens: counted.counts };
      if (key !== undefined) setQuietly(cache!.store, key, encodeCounts(entry));
    }
    unitTokens.set(entry.unitTokens!, u);
    original += entry.original;
    u = end;
  }
  if (nonEmptyCount > 1 && documentSeparator.length > 0) original += (nonEmptyCount - 1) * tokenizer.count(documentSeparator);
  return { original, unitTokens };
}

/**
 * Counts the whole input and every unit. With `Tokenizer.countRanges` this is one pass over the text; otherwise the
 * whole text is counted once and each unit once more while the scoring context is built.
 */
function countInput(
  tokenizer: Tokenizer,
  fullText: string,
  segmentation: Segmentation,
  nonEmpty: readonly Source[],
  documentSeparator: string,
): { original: number; unitTokens: Uint32Array | undefined } {
  if (fullText.length === 0) return { original: 0, unitTokens: new Uint32Array(0) };
  if (tokenizer.countRanges === undefined) return { original: tokenizer.count(fullText), unitTokens: undefined };
  const offset = new Map<number, number>();
  let at = 0;
  for (const src of nonEmpty) {
    offset.set(src.index, at);
    at += src.text.length + documentSeparator.length;
  }
  const units = segmentation.units;
  const starts = new Uint32Array(units.length);
  const ends = new Uint32Array(units.length);
  for (let u = 0; u < units.length; u++) {
    const base = offset.get(units[u]!.source)!;
    starts[u] = base + units[u]!.start;
    ends[u] = base + units[u]!.end;
  }
  const { total, counts } = tokenizer.countRanges(fullText, starts, ends);
  return { original: total, unitTokens: counts };
}

function hasKeptDependant(segmentation: Segmentation, keep: Uint8Array, anchor: number): boolean {
  const units = segmentation.units;
  for (let u = anchor + 1; u < units.length && units[u]!.source === units[anchor]!.source; u++) {
    if (keep[u] === 1 && units[u]!.anchor === anchor) return true;
  }
  return false;
}

function prunePieces(
  pruner: NonNullable<Pipeline['pruner']>,
  segmentation: Segmentation,
  context: ScoringContext,
  keep: Uint8Array,
  pinned: Uint8Array,
  keepRegExps: readonly RegExp[],
  ratio: number,
): Map<number, ReadonlyArray<readonly [number, number]>> {
  const surprisal = termSurprisal(context);
  const queryTerms = new Set<string>(context.queryTermsMissing);
  context.vocabulary.forEach((id, term) => {
    if (context.queryTermIds.includes(id)) queryTerms.add(term);
  });
  if (context.query !== undefined) forEachTerm(context.query, 0, context.query.length, (term) => queryTerms.add(term));
  const information = (word: string): number => {
    if (isStopWord(word)) return 0;
    const id = context.vocabulary.get(stem(word));
    return id === undefined ? 100 : surprisal[id]!;
  };
  const pieces = new Map<number, ReadonlyArray<readonly [number, number]>>();
  const sourceContexts = new Map<number, PruneContext>();
  const units = segmentation.units;
  const deadline = activeDeadline();
  for (let u = 0; u < units.length; u++) {
    deadline?.tick();
    if (keep[u] !== 1 || pinned[u] === 1) continue;
    const unit = units[u]!;
    let pc = sourceContexts.get(unit.source);
    if (pc === undefined) {
      pc = { source: segmentation.sources[unit.source] as Source, queryTerms, keep: keepRegExps, information };
      sourceContexts.set(unit.source, pc);
    }
    const ranges = pruner.prune(unit, pc, ratio);
    if (ranges.length !== 1 || ranges[0]![0] !== unit.start || ranges[0]![1] !== unit.end) pieces.set(u, ranges);
  }
  return pieces;
}
