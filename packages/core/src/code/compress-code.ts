/**
 * Code-aware compression following LongCodeZip: a coarse stage ranks functions by relevance to the instruction
 * (identifier-aware BM25 over code, comments and docstrings, plus dependency links), a fine stage keeps blocks inside
 * functions with an exact 0/1 knapsack under each function's adaptive share of the budget, and dropped definitions stay
 * as skeletons (signature plus an elision in the language's comment syntax) so the API surface survives.
 * @module
 */
import { exactCount } from '../exact-count.js';
import type { Budget, CompressionSummary, Source, Span, Tokenizer } from '../types.js';
import { CtxpressError } from '../errors.js';
import { checkCommonOptions } from '../check-options.js';
import { activeDeadline, withDeadline, type LimitOptions } from '../deadline.js';
import { fitToBudget, type Fitted } from '../verify.js';
import { resolveBudget } from '../compress.js';
import { buildScoringContext } from '../scoring-context.js';
import { bm25Scorer } from '../scorers/bm25-scorer.js';
import { informationScorer } from '../scorers/information-scorer.js';
import { knapsack } from './knapsack.js';
import { childrenOf, elisionSyntax, isDefinition, outlineLeaves, outlineSegmentation } from './outline.js';
import type { CodeItem, CodeItemKind, CodeOutline, CodeSegmenter, ElisionSyntax } from './outline.js';
import { indentationSegmenter } from './indentation-segmenter.js';
import { languageFromPath, normalizeLanguage } from './languages.js';

export interface CodeFile {
  readonly path: string;
  readonly text: string;
  /** Overrides detection from the path's extension. */
  readonly language?: string;
}

/** `signal` and `timeLimitMs` (`LimitOptions`): opt-in limits, throwing ABORTED / TIME_LIMIT; results are unchanged when not reached. */
export interface CodeCompressOptions extends LimitOptions {
  readonly budget: Budget;
  readonly tokenizer: Tokenizer;
  /** The instruction, or the code around the completion point. Identifiers in it pull their definitions in. */
  readonly query?: string;
  /** Language of a string input, and of files whose extension says nothing. */
  readonly language?: string;
  /**
   * The segmenter: one for every file, or a function from a file's language to one. Default: `indentationSegmenter()`
   * (`@ctxpress/node`'s `compressCode` passes tree-sitter segmenters).
   */
  readonly segmenter?: CodeSegmenter | ((language: string, path: string) => CodeSegmenter);
  /** Adds `units`: every outline item with its score and decision. */
  readonly explain?: boolean;
  /** Put a `// path` comment line before each file's content. Default: true for a list of files, false for a string. */
  readonly fileHeaders?: boolean;
  /** Between files. Default `"\n\n"`. */
  readonly fileSeparator?: string;
  /** How much more of its tokens a more relevant function keeps (LongCodeZip's importance_beta): its share ∝ relevance^beta. Default 1. */
  readonly importanceBeta?: number;
}

export type CodeDecision = 'full' | 'partial' | 'skeleton' | 'dropped';

export interface CodeUnitReport {
  readonly path: string;
  readonly kind: CodeItemKind;
  readonly name: string;
  readonly start: number;
  readonly end: number;
  readonly tokens: number;
  readonly score: number;
  readonly decision: CodeDecision;
}

export interface CodeFileReport {
  readonly path: string;
  readonly language: string;
  /** Verbatim spans of the file in the output, in order. */
  readonly kept: Span[];
  /** Signature spans of definitions shown as a skeleton (their bodies are elided). */
  readonly skeleton: Span[];
  /** Parse errors met while segmenting (0 when it parsed cleanly or with the fallback). */
  readonly parseErrors: number;
}

export interface CodeCompressionResult extends CompressionSummary {
  readonly text: string;
  readonly tokens: { readonly original: number; readonly compressed: number; readonly budget: number };
  readonly ratio: number;
  readonly files: CodeFileReport[];
  readonly timings: Readonly<Record<string, number>>;
  readonly units?: CodeUnitReport[];
}

const MODE_DROPPED = 0;
const MODE_SKELETON = 1;
const MODE_FULL = 2;
const MODE_OPEN = 3;

interface FileState {
  readonly path: string;
  readonly language: string;
  readonly text: string;
  readonly outline: CodeOutline;
  readonly syntax: ElisionSyntax;
  readonly children: number[][];
  /** Global index of the file's item 0. */
  readonly base: number;
  readonly header: string;
}

const IDENT = /[A-Za-z_$][\w$]*/g;

function identifiers(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(IDENT)) if (m[0].length >= 2) out.add(m[0]);
  return out;
}


/** Normalises the input: a string becomes one file (`input` + the language's extension unknown → `language` option). */
export function normalizeCodeFiles(input: readonly CodeFile[] | string, language: string | undefined): Array<{ path: string; text: string; language: string }> {
  if (typeof input === 'string') return [{ path: 'input', text: input, language: normalizeLanguage(language ?? 'text') }];
  if (!Array.isArray(input)) throw new CtxpressError('INVALID_INPUT', 'compressCode input must be a string or an array of { path, text, language? }.');
  return input.map((f: unknown, i) => {
    const file = f as Partial<CodeFile> | null;
    if (typeof file !== 'object' || file === null || typeof file.text !== 'string') {
      throw new CtxpressError('INVALID_INPUT', `files[${i}] must be { path: string, text: string, language?: string }.`);
    }
    const path = typeof file.path === 'string' && file.path.length > 0 ? file.path : `file-${i}`;
    const lang = file.language ?? languageFromPath(path) ?? language ?? 'text';
    return { path, text: file.text, language: normalizeLanguage(lang) };
  });
}

/**
 * Compresses source files to a token budget, synchronously, with an explicit tokenizer and segmenter
 * (`@ctxpress/node`'s `compressCode` adds tree-sitter parsing and tokenizers by name).
 *
 * Output: per file (with a `// path` header line for a list of files), imports, kept code verbatim, and skeletons —
 * the signature of a dropped function or class with its body replaced by an elision (`{ /* … *\/ }` in C-like
 * languages, `...  # …` in Python) — and one elision marker per run of dropped statements. The result is recounted
 * with the tokenizer and never exceeds the budget.
 */
export function compressCodeSync(input: readonly CodeFile[] | string, options: CodeCompressOptions): CodeCompressionResult {
  const tokenizer = checkCommonOptions(options);
  return withDeadline(options, () => compressCodeWith(input, options, tokenizer));
}

/** The items of every file in one index space (file `f`'s item `i` is `f.base + i`), with their tree. */
interface CodeGraph {
  readonly files: readonly FileState[];
  readonly items: readonly CodeItem[];
  readonly fileOfItem: Uint32Array;
  readonly n: number;
  parent(g: number): number;
  kids(g: number): number[];
  fileOf(g: number): FileState;
  textOf(g: number, start: number, end: number): string;
}

/** Relevance of every item (0…1, plus 0.5 for definitions the query names). */
interface ItemScores {
  /** Relevance: own leaves, descendants (×0.8), references from relevant code (×0.6), the class around (×0.3). */
  readonly rel: Float64Array;
  /** Best leaf score of the item's own leaves (header / whole / tail). */
  readonly leafScore: Float64Array;
  /** 1 for definitions named by the query. */
  readonly pulled: Uint8Array;
}

/** Token costs of every item, each with the elision marker it may open. */
interface ItemCosts {
  readonly full: Uint32Array;
  readonly skeleton: Uint32Array;
  /** Header + tail of an opened definition. */
  readonly open: Uint32Array;
  /** Per file: its elision marker plus a line end. */
  readonly marker: Uint32Array;
}

/** Stage 1, segment: each file's outline (the segmenter's items), its elision syntax and header. */
function outlineFiles(
  inputFiles: ReadonlyArray<{ path: string; text: string; language: string }>,
  options: CodeCompressOptions,
  fileHeaders: boolean,
): FileState[] {
  const deadline = activeDeadline();
  const segmenterFor = (language: string, path: string): CodeSegmenter => {
    const s = options.segmenter;
    if (s === undefined) return indentationSegmenter({ language });
    if (typeof s === 'function') return s(language, path);
    return s;
  };
  const files: FileState[] = [];
  let base = 0;
  for (const f of inputFiles) {
    deadline?.check();
    const segmenter = segmenterFor(f.language, f.path);
    const outline = f.text.trim().length === 0 ? { language: f.language, items: [], errors: 0 } : segmenter.outline(f.text);
    const syntax = elisionSyntax(outline.language);
    const header = fileHeaders ? `${syntax.lineComment || '//'} ${f.path}\n` : '';
    files.push({ path: f.path, language: outline.language, text: f.text, outline, syntax, children: childrenOf(outline), base, header });
    base += outline.items.length;
  }
  return files;
}

function codeGraph(files: readonly FileState[]): CodeGraph {
  const last = files[files.length - 1];
  const n = last === undefined ? 0 : last.base + last.outline.items.length;
  const items: CodeItem[] = [];
  const fileOfItem = new Uint32Array(n);
  files.forEach((f, fi) =>
    f.outline.items.forEach((it) => {
      fileOfItem[items.length] = fi;
      items.push(it);
    }),
  );
  const fileOf = (g: number): FileState => files[fileOfItem[g]!]!;
  return {
    files,
    items,
    fileOfItem,
    n,
    parent: (g) => {
      const p = items[g]!.parent;
      return p < 0 ? -1 : fileOf(g).base + p;
    },
    kids: (g) => {
      const f = fileOf(g);
      return f.children[g - f.base]!.map((c) => c + f.base);
    },
    fileOf,
    textOf: (g, start, end) => fileOf(g).text.slice(start, end),
  };
}

/**
 * Stage 2, score (LongCodeZip's coarse ranking): BM25 with identifier-aware terms over the outline leaves (information
 * content without a query), lifted to definitions, then dependency links — definitions the query names, and
 * definitions the relevant code references (two hops).
 */
function scoreItems(graph: CodeGraph, tokenizer: Tokenizer, query: string | undefined): ItemScores {
  const deadline = activeDeadline();
  const { files, items, n } = graph;
  const sources: Source[] = files.map((f, i) => ({ id: f.path, index: i, text: f.text, format: 'text', titleLength: 0 }));
  const segmentation = outlineSegmentation(sources, (s) => files[s.index]!.outline);
  const context = buildScoringContext(segmentation, tokenizer, query);
  const hasQuery = context.queryTermIds.length > 0;
  const raw = hasQuery ? bm25Scorer().score(context) : informationScorer().score(context);
  let maxRaw = 0;
  for (const v of raw) maxRaw = Math.max(maxRaw, v);
  const leafScore = new Float64Array(n);
  let u = 0;
  files.forEach((f) => {
    if (f.text.trim().length === 0) return;
    for (const leaf of outlineLeaves(f.text, f.outline)) {
      const s = maxRaw > 0 ? raw[u]! / maxRaw : 0;
      if (leaf.item >= 0) leafScore[f.base + leaf.item] = Math.max(leafScore[f.base + leaf.item]!, s);
      u++;
    }
  });
  // relevance of each item: its own leaves, and for definitions the best of their descendants
  const rel = new Float64Array(n);
  for (let g = n - 1; g >= 0; g--) {
    rel[g] = Math.max(rel[g]!, leafScore[g]!);
    const p = graph.parent(g);
    if (p >= 0) rel[p] = Math.max(rel[p]!, 0.8 * rel[g]!);
  }
  // dependency links: definitions named by the query, then definitions the relevant code references (two hops)
  const byName = new Map<string, number[]>();
  for (let g = 0; g < n; g++) {
    const it = items[g]!;
    if (it.name.length > 0 && (it.kind === 'function' || it.kind === 'method' || it.kind === 'class')) {
      const list = byName.get(it.name) ?? [];
      list.push(g);
      byName.set(it.name, list);
    }
  }
  const pulled = new Uint8Array(n);
  if (query !== undefined) {
    for (const id of identifiers(query)) {
      for (const g of byName.get(id) ?? []) {
        rel[g] = Math.max(rel[g]!, 1) + 0.5;
        pulled[g] = 1;
      }
    }
  }
  const refs: number[][] = Array.from({ length: n }, () => []);
  for (let g = 0; g < n; g++) {
    deadline?.tick();
    const it = items[g]!;
    if (!(it.kind === 'function' || it.kind === 'method' || (it.kind === 'class' && graph.kids(g).length === 0))) continue;
    const text = graph.textOf(g, it.declStart, it.end);
    for (const id of identifiers(text)) for (const d of byName.get(id) ?? []) if (d !== g) refs[g]!.push(d);
  }
  for (let round = 0; round < 2; round++) {
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => rel[b]! - rel[a]! || a - b);
    for (const g of order) for (const d of refs[g]!) if (0.6 * rel[g]! > rel[d]!) rel[d] = 0.6 * rel[g]!;
  }
  // a relevant class pulls its members' skeletons a little; a relevant member keeps its class header (rendering)
  for (let g = 0; g < n; g++) {
    const p = graph.parent(g);
    if (p >= 0 && items[p]!.kind === 'class') rel[g] = Math.max(rel[g]!, 0.3 * rel[p]!);
  }
  return { rel, leafScore, pulled };
}

/** Stage 3, count: what each item costs shown in full, as a skeleton, or opened (header and tail around kept blocks). */
function itemCosts(graph: CodeGraph, tokenizer: Tokenizer): ItemCosts {
  const deadline = activeDeadline();
  const { files, items, n, fileOfItem } = graph;
  const count = (s: string): number => exactCount(tokenizer, s);
  const full = new Uint32Array(n);
  const skeleton = new Uint32Array(n);
  const open = new Uint32Array(n);
  const marker = new Uint32Array(files.length);
  files.forEach((f, i) => (marker[i] = count(f.syntax.marker) + 1));
  for (let g = 0; g < n; g++) {
    deadline?.tick();
    const it = items[g]!;
    // a visible item may open a run of elided siblings before it: its cost carries one marker (blocks: half, in the knapsack)
    const overhead = it.kind === 'block' ? 1 : marker[fileOfItem[g]!]!;
    full[g] = count(graph.textOf(g, it.start, it.end)) + overhead;
    if (isDefinition(it)) {
      const syntax = graph.fileOf(g).syntax;
      skeleton[g] = count(graph.textOf(g, it.declStart, it.bodyStart) + syntax.body + graph.textOf(g, it.bodyEnd, it.end)) + overhead;
      const k = graph.kids(g);
      if (k.length > 0) open[g] = count(graph.textOf(g, it.start, items[k[0]!]!.start)) + count(graph.textOf(g, items[k[k.length - 1]!]!.end, it.end)) + 1;
    } else skeleton[g] = full[g]!;
  }
  return { full, skeleton, open, marker };
}

/**
 * What the selection phases share: each item's mode, the tokens spent by the estimate, and the tree walks that
 * open an item's ancestors (a kept block shows its function's header and tail).
 */
class Selection {
  readonly mode: Uint8Array;
  spent = 0;
  constructor(
    readonly graph: CodeGraph,
    readonly costs: ItemCosts,
  ) {
    this.mode = new Uint8Array(graph.n);
  }
  visible(g: number): boolean {
    return this.mode[g] !== MODE_DROPPED;
  }
  /** Cost of opening the ancestors of g that are not visible yet. */
  ancestorCost(g: number): number {
    let c = 0;
    for (let p = this.graph.parent(g); p >= 0 && !this.visible(p); p = this.graph.parent(p)) c += this.costs.open[p]! + this.costs.marker[this.graph.fileOfItem[p]!]!;
    return c;
  }
  openAncestors(g: number): void {
    // a container shown as a skeleton opens too (its header is already paid for)
    const mode = this.mode;
    for (let p = this.graph.parent(g); p >= 0 && mode[p] !== MODE_OPEN && mode[p] !== MODE_FULL; p = this.graph.parent(p)) mode[p] = MODE_OPEN;
  }
  /** Shows `g` in mode `m` (and its ancestors) when `cost` fits under `limit`. */
  take(g: number, m: number, cost: number, limit: number): boolean {
    if (this.spent + cost > limit) return false;
    this.openAncestors(g);
    this.mode[g] = m;
    this.spent += cost;
    return true;
  }
  /** A function, method or class whose members are all statements or blocks: the unit the fine stage cuts into. */
  isBody(g: number): boolean {
    const { items } = this.graph;
    const it = items[g]!;
    return (
      (it.kind === 'function' || it.kind === 'method' || it.kind === 'class') &&
      !(it.kind === 'class' && this.graph.kids(g).some((c) => items[c]!.kind !== 'statement' && items[c]!.kind !== 'block'))
    );
  }
  isInsideBody(g: number): boolean {
    for (let p = this.graph.parent(g); p >= 0; p = this.graph.parent(p)) if (this.isBody(p)) return true;
    return false;
  }
}

const byRelevance =
  (rel: Float64Array) =>
  (a: number, b: number): number =>
    rel[b]! - rel[a]! || a - b;

/** Phase 0: imports, most relevant first, up to 10 % of the budget. */
function keepImports(sel: Selection, rel: Float64Array, budget: number): void {
  const { items, n } = sel.graph;
  const imports = [];
  for (let g = 0; g < n; g++) if (items[g]!.kind === 'import') imports.push(g);
  imports.sort(byRelevance(rel));
  for (const g of imports) sel.take(g, MODE_FULL, sel.costs.full[g]! + sel.ancestorCost(g), budget * 0.1);
}

/** Phase 0b: signatures of the definitions the query names (the cheapest way to keep the API the cursor uses), up to half the budget. */
function keepNamedSignatures(sel: Selection, scores: ItemScores, budget: number): void {
  const { items, n } = sel.graph;
  const named = Array.from({ length: n }, (_, g) => g).filter((g) => scores.pulled[g] === 1 && isDefinition(items[g]!));
  named.sort(byRelevance(scores.rel));
  for (const g of named) sel.take(g, MODE_SKELETON, sel.costs.skeleton[g]! + sel.ancestorCost(g), budget * 0.5);
}

/**
 * Phases 1 (coarse) and fine: the most relevant function bodies, over-selected by 30 % of the pool, each given an
 * adaptive share of it (∝ relevance^beta, by bisection on a common multiplier); a function whose share covers 85 % of
 * it is kept whole, else an exact 0/1 knapsack picks its blocks, else it stays a skeleton. A share a function cannot use
 * (knapsack granularity) passes to the next one.
 */
function keepRelevantBodies(sel: Selection, scores: ItemScores, bodies: readonly number[], budget: number, spentBeforeNamed: number, beta: number): void {
  const { rel, leafScore } = scores;
  const { full, skeleton, open, marker } = sel.costs;
  const { items, fileOfItem } = sel.graph;
  const mode = sel.mode;
  const deadline = activeDeadline();
  // the pool is what is left after imports; the signatures of phase 0b come out of it unless their function is selected
  const poolBudget = Math.max(0, (budget - spentBeforeNamed) * 0.85);
  const selected: number[] = [];
  let selectedCost = 0;
  for (const g of bodies) {
    if (rel[g]! <= 0) break;
    if (selectedCost >= poolBudget * 1.3) break;
    selected.push(g);
    selectedCost += full[g]!;
  }
  let keptSignatures = sel.spent - spentBeforeNamed; // phase-0b signatures outside the selection stay paid for
  for (const g of selected) if (mode[g] === MODE_SKELETON) keptSignatures -= skeleton[g]!;
  const coarseBudget = Math.max(0, poolBudget - Math.max(0, keptSignatures));
  if (selected.length === 0) return;
  const top = rel[selected[0]!]!;
  const weight = selected.map((g) => Math.pow(rel[g]! / top, beta));
  let lo = 0;
  let hi = 1 / Math.max(1e-9, Math.min(...weight));
  const spend = (lambda: number): number => selected.reduce((sum, g, i) => sum + Math.min(1, lambda * weight[i]!) * full[g]!, 0);
  for (let it = 0; it < 40; it++) {
    const mid = (lo + hi) / 2;
    if (spend(mid) <= coarseBudget) lo = mid;
    else hi = mid;
  }
  let carry = 0; // share a function could not use (knapsack granularity) passes to the next one; a rounded-up one is paid back
  selected.forEach((g, i) => {
    deadline?.tick();
    if (mode[g] === MODE_SKELETON) {
      // its signature is already in (phase 0b): decide afresh, with the skeleton's tokens back in the pool
      sel.spent -= skeleton[g]!;
      mode[g] = MODE_DROPPED;
    }
    const planned = Math.min(1, lo * weight[i]!) * full[g]!;
    const share = Math.floor(planned + carry);
    const spentBefore = sel.spent;
    const settle = (): void => {
      carry = planned + carry - (sel.spent - spentBefore);
    };
    const anc = sel.ancestorCost(g);
    if (share >= full[g]! * 0.85 && sel.take(g, MODE_FULL, full[g]! + anc, budget)) {
      settle();
      return;
    }
    const blocks = sel.graph.kids(g);
    const cap = Math.min(share, budget - sel.spent - anc) - open[g]!;
    if (blocks.length > 0 && cap > 0) {
      const mc = marker[fileOfItem[g]!]!;
      const values = Float64Array.from(blocks, (b, k) => 0.05 + leafScore[b]! + (k === 0 ? 0.05 : 0));
      const weights = Uint32Array.from(blocks, (b) => full[b]! + Math.ceil(mc / 2));
      const take = knapsack(values, weights, cap);
      let used = 0;
      blocks.forEach((b, k) => {
        if (take[k] === 1) {
          mode[b] = MODE_FULL;
          used += weights[k]!;
        }
      });
      if (used > 0) {
        sel.openAncestors(g);
        mode[g] = MODE_OPEN;
        sel.spent += used + open[g]! + anc;
        settle();
        return;
      }
    }
    if (isDefinition(items[g]!)) sel.take(g, MODE_SKELETON, skeleton[g]! + anc, budget);
    settle();
  });
}

/**
 * Phases 2 and 3: skeletons of the other definitions, most relevant first (the API surface); then other statements
 * (top level and class members); then whole definitions that now fit.
 */
function keepSurface(sel: Selection, rel: Float64Array, bodies: readonly number[], budget: number): void {
  const { items, n } = sel.graph;
  const { full, skeleton } = sel.costs;
  for (const g of bodies) {
    if (sel.visible(g) || !isDefinition(items[g]!)) continue;
    sel.take(g, MODE_SKELETON, skeleton[g]! + sel.ancestorCost(g), budget);
  }
  const rest: number[] = [];
  for (let g = 0; g < n; g++) {
    const k = items[g]!.kind;
    if ((k === 'statement' || k === 'import') && !sel.isInsideBody(g) && !sel.visible(g)) rest.push(g);
  }
  rest.sort(byRelevance(rel));
  for (const g of rest) sel.take(g, MODE_FULL, full[g]! + sel.ancestorCost(g), budget);
  for (const g of bodies) {
    if (sel.mode[g] !== MODE_SKELETON) continue;
    const c = full[g]! - skeleton[g]!;
    if (sel.spent + c <= budget) {
      sel.mode[g] = MODE_FULL;
      sel.spent += c;
    }
  }
}

/** Stage 4, select: every item's mode (dropped, skeleton, open, full) under the budget, by the costs' estimate. */
function selectItems(graph: CodeGraph, scores: ItemScores, costs: ItemCosts, budget: number, beta: number, headerCost: number): Selection {
  const sel = new Selection(graph, costs);
  sel.spent = headerCost;
  keepImports(sel, scores.rel, budget);
  const spentBeforeNamed = sel.spent;
  keepNamedSignatures(sel, scores, budget);
  const bodies: number[] = [];
  for (let g = 0; g < graph.n; g++) if (sel.isBody(g) && !sel.isInsideBody(g)) bodies.push(g);
  bodies.sort(byRelevance(scores.rel));
  keepRelevantBodies(sel, scores, bodies, budget, spentBeforeNamed, beta);
  keepSurface(sel, scores.rel, bodies, budget);
  return sel;
}

interface RenderedCode {
  readonly text: string;
  readonly spans: Array<{ kept: Span[]; skeleton: Span[] }>;
}

/**
 * Stage 5, render: each file's header and its items by mode — verbatim, a skeleton (signature + body elision), or
 * opened around its kept children — with one elision marker per run of dropped siblings.
 */
function renderCode(graph: CodeGraph, mode: Uint8Array, fileSeparator: string): RenderedCode {
  const parts: string[] = [];
  const spans: Array<{ kept: Span[]; skeleton: Span[] }> = [];
  graph.files.forEach((f) => {
    const kept: Span[] = [];
    const skeleton: Span[] = [];
    const out: string[] = [];
    const emit = (s: number, e: number, into: Span[] = kept): void => {
      if (e <= s) return;
      out.push(f.text.slice(s, e));
      const last = into[into.length - 1];
      if (last !== undefined && last.end === s) into[into.length - 1] = { sourceId: f.path, start: last.start, end: e };
      else into.push({ sourceId: f.path, start: s, end: e });
    };
    const renderList = (list: readonly number[], from: number, to: number): void => {
      let pos = from;
      let dropStart = -1;
      let dropEnd = -1;
      for (const local of list) {
        const it = f.outline.items[local]!;
        if (mode[f.base + local] === MODE_DROPPED) {
          if (dropStart < 0) dropStart = it.start;
          dropEnd = it.end;
          continue;
        }
        if (dropStart >= 0) {
          emit(pos, dropStart);
          out.push(f.syntax.marker);
          pos = dropEnd;
          dropStart = -1;
        }
        emit(pos, it.start);
        renderItem(local);
        pos = it.end;
      }
      if (dropStart >= 0) {
        emit(pos, dropStart);
        out.push(f.syntax.marker);
        pos = dropEnd;
      }
      emit(pos, to);
    };
    const renderSkeleton = (it: CodeItem): void => {
      emit(it.declStart, it.bodyStart, skeleton);
      out.push(f.syntax.body);
      emit(it.bodyEnd, it.end, skeleton);
    };
    const renderItem = (local: number): void => {
      const it = f.outline.items[local]!;
      const m = mode[f.base + local]!;
      const children = f.children[local]!;
      if (m === MODE_FULL || (m !== MODE_SKELETON && !isDefinition(it) && children.length === 0)) emit(it.start, it.end);
      else if (m === MODE_SKELETON) {
        if (isDefinition(it)) renderSkeleton(it);
        else emit(it.start, it.end);
      } else if (children.every((c) => mode[f.base + c] === MODE_DROPPED)) {
        if (isDefinition(it)) renderSkeleton(it);
        else emit(it.start, it.end);
      } else renderList(children, it.start, it.end);
    };
    const roots = f.children[f.outline.items.length]!;
    if (!roots.some((c) => mode[f.base + c] !== MODE_DROPPED)) {
      spans.push({ kept, skeleton });
      return;
    }
    let from = 0;
    let to = f.text.length;
    while (from < to && /\s/.test(f.text[from]!)) from++;
    while (to > from && /\s/.test(f.text[to - 1]!)) to--;
    renderList(roots, Math.min(from, f.outline.items[roots[0]!]!.start), Math.max(to, f.outline.items[roots[roots.length - 1]!]!.end));
    spans.push({ kept, skeleton });
    parts.push(f.header + out.join(''));
  });
  return { text: parts.join(fileSeparator), spans };
}

/**
 * The verifier's shedding step for code: downgrade the least valuable visible pieces — a whole definition to its
 * skeleton, anything else (a block, a statement, a skeleton, an emptied container) to dropped — worth the overflow.
 */
function downgradeLeastValuable(sel: Selection, scores: ItemScores, overflow: number): boolean {
  const { items, n } = sel.graph;
  const { full, skeleton } = sel.costs;
  const { rel, leafScore } = scores;
  const mode = sel.mode;
  const candidates: Array<{ g: number; value: number; saves: number; to: number }> = [];
  for (let g = 0; g < n; g++) {
    const m = mode[g]!;
    if (m === MODE_DROPPED) continue;
    if (m === MODE_OPEN && sel.graph.kids(g).some((c) => sel.visible(c))) continue;
    const it = items[g]!;
    if (m === MODE_FULL && isDefinition(it)) candidates.push({ g, value: rel[g]! * 0.8, saves: full[g]! - skeleton[g]!, to: MODE_SKELETON });
    else
      candidates.push({
        g,
        value: it.kind === 'block' ? leafScore[g]! * 0.5 : rel[g]! + (isDefinition(it) ? 0.2 : 0),
        saves: m === MODE_SKELETON || m === MODE_OPEN ? skeleton[g]! : full[g]!,
        to: MODE_DROPPED,
      });
  }
  if (candidates.length === 0) return false;
  candidates.sort((a, b) => a.value - b.value || b.g - a.g);
  let left = overflow;
  for (const c of candidates) {
    if (left <= 0) break;
    mode[c.g] = c.to;
    left -= Math.max(1, c.saves);
  }
  return true;
}

/**
 * Stage 7, refill: the estimate is conservative; spend the measured slack on the most relevant dropped definitions
 * (as skeletons) and statements, each tried with an exact recount (at most 24 tries).
 */
function refillCode(sel: Selection, scores: ItemScores, fitted: Fitted<RenderedCode>, budget: number, tokenizer: Tokenizer, fileSeparator: string): Fitted<RenderedCode> {
  const { items, n, fileOfItem } = sel.graph;
  const mode = sel.mode;
  let { rendered, tokens } = fitted;
  const refill: number[] = [];
  for (let g = 0; g < n; g++) {
    const it = items[g]!;
    if (mode[g] === MODE_DROPPED && it.kind !== 'block' && !sel.isInsideBody(g)) refill.push(g);
  }
  refill.sort(byRelevance(scores.rel));
  let attempts = 0;
  for (const g of refill) {
    if (tokens >= budget || attempts >= 24) break;
    const toMode = isDefinition(items[g]!) ? MODE_SKELETON : MODE_FULL;
    const cost = (toMode === MODE_SKELETON ? sel.costs.skeleton[g]! : sel.costs.full[g]!) + sel.ancestorCost(g);
    if (cost > budget - tokens + sel.costs.marker[fileOfItem[g]!]!) continue;
    attempts++;
    const before = mode.slice();
    sel.openAncestors(g);
    mode[g] = toMode;
    const next = renderCode(sel.graph, mode, fileSeparator);
    const nextCount = exactCount(tokenizer, next.text);
    if (nextCount <= budget) {
      rendered = next;
      tokens = nextCount;
    } else mode.set(before);
  }
  return { rendered, tokens };
}

/** `explain`: every outline item with its relevance, full cost and decision. */
function explainCode(sel: Selection, scores: ItemScores): CodeUnitReport[] {
  const { items, kids } = { items: sel.graph.items, kids: sel.graph.kids };
  const mode = sel.mode;
  const decisionOf = (g: number): CodeDecision => {
    const m = mode[g]!;
    if (m === MODE_DROPPED) return 'dropped';
    if (m === MODE_FULL) return 'full';
    if (m === MODE_SKELETON) return 'skeleton';
    return kids(g).every((c) => mode[c] === MODE_FULL) ? 'full' : kids(g).some((c) => sel.visible(c)) ? 'partial' : 'skeleton';
  };
  return items.map((it, g) => ({
    path: sel.graph.fileOf(g).path,
    kind: it.kind,
    name: it.name,
    start: it.start,
    end: it.end,
    tokens: sel.costs.full[g]! - 1,
    score: scores.rel[g]!,
    decision: decisionOf(g),
  }));
}

/** The stages in order: segment, (all fits: done), score, count, select, render + verify, refill, explain. */
function compressCodeWith(input: readonly CodeFile[] | string, options: CodeCompressOptions, tokenizer: Tokenizer): CodeCompressionResult {
  const t0 = performance.now();
  const beta = options.importanceBeta ?? 1;
  if (typeof beta !== 'number' || !(beta >= 0))
    throw new CtxpressError('INVALID_OPTION', `options.importanceBeta must be a number ≥ 0, got ${JSON.stringify(beta)}.`);
  const inputFiles = normalizeCodeFiles(input, options.language);
  const fileHeaders = options.fileHeaders ?? typeof input !== 'string';
  const fileSeparator = options.fileSeparator ?? '\n\n';
  const timings: Record<string, number> = {};
  let t = performance.now();
  const files = outlineFiles(inputFiles, options, fileHeaders);
  timings['segment'] = performance.now() - t;

  const fullText = (): string =>
    files
      .filter((f) => f.text.length > 0)
      .map((f) => f.header + f.text)
      .join(fileSeparator);
  const original = exactCount(tokenizer, fullText());
  const budget = resolveBudget(options.budget, original);
  const fileReports = (spans: Array<{ kept: Span[]; skeleton: Span[] }> | undefined): CodeFileReport[] =>
    files.map((f, i) => ({
      path: f.path,
      language: f.language,
      kept: spans?.[i]?.kept ?? (f.text.length > 0 ? [{ sourceId: f.path, start: 0, end: f.text.length }] : []),
      skeleton: spans?.[i]?.skeleton ?? [],
      parseErrors: f.outline.errors,
    }));
  if (original <= budget) {
    timings['total'] = performance.now() - t0;
    return { text: fullText(), tokens: { original, compressed: original, budget }, ratio: 1, files: fileReports(undefined), timings };
  }
  const graph = codeGraph(files);

  t = performance.now();
  const scores = scoreItems(graph, tokenizer, options.query);
  timings['score'] = performance.now() - t;

  t = performance.now();
  const costs = itemCosts(graph, tokenizer);
  timings['count'] = performance.now() - t;

  t = performance.now();
  let headerCost = 0;
  for (const f of files) if (f.text.trim().length > 0) headerCost += exactCount(tokenizer, f.header + fileSeparator);
  const sel = selectItems(graph, scores, costs, budget, beta, headerCost);
  timings['select'] = performance.now() - t;

  t = performance.now();
  const fitted = fitToBudget(
    {
      render: () => renderCode(graph, sel.mode, fileSeparator),
      shed: (overflow) => downgradeLeastValuable(sel, scores, overflow),
      unsatisfiable: (tokens, limit) =>
        new CtxpressError(
          'BUDGET_UNSATISFIABLE',
          `The file headers alone need ${tokens} tokens, more than the budget of ${limit}. Raise the budget or pass fileHeaders: false.`,
        ),
    },
    budget,
    tokenizer,
  );
  const { rendered, tokens: compressed } = refillCode(sel, scores, fitted, budget, tokenizer, fileSeparator);
  timings['render'] = performance.now() - t;
  timings['total'] = performance.now() - t0;
  const result: CodeCompressionResult = {
    text: rendered.text,
    tokens: { original, compressed, budget },
    ratio: compressed === 0 ? (original === 0 ? 1 : Number.POSITIVE_INFINITY) : original / compressed,
    files: fileReports(rendered.spans),
    timings,
  };
  if (options.explain !== true) return result;
  return { ...result, units: explainCode(sel, scores) };
}
