/**
 * Code-aware compression following LongCodeZip: a coarse stage ranks functions by relevance to the instruction
 * (identifier-aware BM25 over code, comments and docstrings, plus dependency links), a fine stage keeps blocks inside
 * functions with an exact 0/1 knapsack under each function's adaptive share of the budget, and dropped definitions stay
 * as skeletons (signature plus an elision in the language's comment syntax) so the API surface survives.
 * @module
 */
import { exactCount } from '../exact-count.js';
import type { Budget, Source, Span, Tokenizer } from '../types.js';
import { CtxpressError } from '../errors.js';
import { checkCommonOptions } from '../check-options.js';
import { activeDeadline, withDeadline, type LimitOptions } from '../deadline.js';
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

export interface CodeCompressionResult {
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

function compressCodeWith(input: readonly CodeFile[] | string, options: CodeCompressOptions, tokenizer: Tokenizer): CodeCompressionResult {
  const deadline = activeDeadline(); // options.timeLimitMs / signal (deadline.ts); undefined without them
  const t0 = performance.now();
  const beta = options.importanceBeta ?? 1;
  if (typeof beta !== 'number' || !(beta >= 0))
    throw new CtxpressError('INVALID_OPTION', `options.importanceBeta must be a number ≥ 0, got ${JSON.stringify(beta)}.`);
  const inputFiles = normalizeCodeFiles(input, options.language);
  const fileHeaders = options.fileHeaders ?? typeof input !== 'string';
  const fileSeparator = options.fileSeparator ?? '\n\n';
  const segmenterFor = (language: string, path: string): CodeSegmenter => {
    const s = options.segmenter;
    if (s === undefined) return indentationSegmenter({ language });
    if (typeof s === 'function') return s(language, path);
    return s;
  };
  const timings: Record<string, number> = {};
  let t = performance.now();
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
  timings['segment'] = performance.now() - t;
  const n = base;
  const itemOf = (g: number): { file: FileState; local: number; item: CodeItem } => {
    let lo = 0;
    let hi = files.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (files[mid]!.base <= g) lo = mid;
      else hi = mid - 1;
    }
    const file = files[lo]!;
    return { file, local: g - file.base, item: file.outline.items[g - file.base]! };
  };
  const items: CodeItem[] = [];
  const fileOfItem = new Uint32Array(n);
  files.forEach((f, fi) =>
    f.outline.items.forEach((it) => {
      fileOfItem[items.length] = fi;
      items.push(it);
    }),
  );
  const parent = (g: number): number => {
    const p = items[g]!.parent;
    return p < 0 ? -1 : files[fileOfItem[g]!]!.base + p;
  };
  const kids = (g: number): number[] => {
    const f = files[fileOfItem[g]!]!;
    return f.children[g - f.base]!.map((c) => c + f.base);
  };

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

  // ---- scoring: BM25 (identifier-aware terms) over the outline leaves, reusing the core scoring context
  t = performance.now();
  const sources: Source[] = files.map((f, i) => ({ id: f.path, index: i, text: f.text, format: 'text', titleLength: 0 }));
  const segmentation = outlineSegmentation(sources, (s) => files[s.index]!.outline);
  const context = buildScoringContext(segmentation, tokenizer, options.query);
  const hasQuery = context.queryTermIds.length > 0;
  const raw = hasQuery ? bm25Scorer().score(context) : informationScorer().score(context);
  let maxRaw = 0;
  for (const v of raw) maxRaw = Math.max(maxRaw, v);
  const leafScore = new Float64Array(n); // best leaf score of each item's own leaves (header/whole/tail)
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
    const p = parent(g);
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
  const pulled = new Uint8Array(n); // named by the query
  if (options.query !== undefined) {
    for (const id of identifiers(options.query)) {
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
    if (!(it.kind === 'function' || it.kind === 'method' || (it.kind === 'class' && kids(g).length === 0))) continue;
    const text = files[fileOfItem[g]!]!.text.slice(it.declStart, it.end);
    for (const id of identifiers(text)) for (const d of byName.get(id) ?? []) if (d !== g) refs[g]!.push(d);
  }
  for (let round = 0; round < 2; round++) {
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => rel[b]! - rel[a]! || a - b);
    for (const g of order) for (const d of refs[g]!) if (0.6 * rel[g]! > rel[d]!) rel[d] = 0.6 * rel[g]!;
  }
  // a relevant class pulls its members' skeletons a little; a relevant member keeps its class header (rendering)
  for (let g = 0; g < n; g++) {
    const p = parent(g);
    if (p >= 0 && items[p]!.kind === 'class') rel[g] = Math.max(rel[g]!, 0.3 * rel[p]!);
  }
  timings['score'] = performance.now() - t;

  // ---- costs
  t = performance.now();
  const textOf = (g: number, s: number, e: number): string => files[fileOfItem[g]!]!.text.slice(s, e);
  const count = (s: string): number => exactCount(tokenizer, s);
  const fullCost = new Uint32Array(n);
  const skelCost = new Uint32Array(n);
  const openCost = new Uint32Array(n); // header + tail of an opened definition
  const markerCost = new Uint32Array(files.length);
  files.forEach((f, i) => (markerCost[i] = count(f.syntax.marker) + 1));
  for (let g = 0; g < n; g++) {
    deadline?.tick();
    const it = items[g]!;
    // a visible item may open a run of elided siblings before it: its cost carries one marker (blocks: half, in the knapsack)
    const overhead = it.kind === 'block' ? 1 : markerCost[fileOfItem[g]!]!;
    fullCost[g] = count(textOf(g, it.start, it.end)) + overhead;
    if (isDefinition(it)) {
      const syntax = files[fileOfItem[g]!]!.syntax;
      skelCost[g] = count(textOf(g, it.declStart, it.bodyStart) + syntax.body + textOf(g, it.bodyEnd, it.end)) + overhead;
      const k = kids(g);
      if (k.length > 0) openCost[g] = count(textOf(g, it.start, items[k[0]!]!.start)) + count(textOf(g, items[k[k.length - 1]!]!.end, it.end)) + 1;
    } else skelCost[g] = fullCost[g]!;
  }
  timings['count'] = performance.now() - t;

  // ---- selection
  t = performance.now();
  const mode = new Uint8Array(n);
  let spent = 0;
  for (const f of files) if (f.text.trim().length > 0) spent += count(f.header + fileSeparator);
  const visible = (g: number): boolean => mode[g] !== MODE_DROPPED;
  /** Cost of opening the ancestors of g that are not visible yet. */
  const ancestorCost = (g: number): number => {
    let c = 0;
    for (let p = parent(g); p >= 0 && !visible(p); p = parent(p)) c += openCost[p]! + markerCost[fileOfItem[p]!]!;
    return c;
  };
  const openAncestors = (g: number): void => {
    // a container shown as a skeleton opens too (its header is already paid for)
    for (let p = parent(g); p >= 0 && mode[p] !== MODE_OPEN && mode[p] !== MODE_FULL; p = parent(p)) mode[p] = MODE_OPEN;
  };
  const isBody = (g: number): boolean => {
    const it = items[g]!;
    return (
      (it.kind === 'function' || it.kind === 'method' || it.kind === 'class') &&
      !(it.kind === 'class' && kids(g).some((c) => items[c]!.kind !== 'statement' && items[c]!.kind !== 'block'))
    );
  };
  const isInsideBody = (g: number): boolean => {
    for (let p = parent(g); p >= 0; p = parent(p)) if (isBody(p)) return true;
    return false;
  };
  // phase 0: imports, up to 10 % of the budget
  const imports = [];
  for (let g = 0; g < n; g++) if (items[g]!.kind === 'import') imports.push(g);
  imports.sort((a, b) => rel[b]! - rel[a]! || a - b);
  for (const g of imports) {
    const c = fullCost[g]! + ancestorCost(g);
    if (spent + c <= budget * 0.1) {
      openAncestors(g);
      mode[g] = MODE_FULL;
      spent += c;
    }
  }
  // phase 0b: signatures of the definitions the query names (the cheapest way to keep the API the cursor uses)
  const spentBeforeNamed = spent;
  const named = Array.from({ length: n }, (_, g) => g).filter((g) => pulled[g] === 1 && isDefinition(items[g]!));
  named.sort((a, b) => rel[b]! - rel[a]! || a - b);
  for (const g of named) {
    const c = skelCost[g]! + ancestorCost(g);
    if (spent + c <= budget * 0.5) {
      openAncestors(g);
      mode[g] = MODE_SKELETON;
      spent += c;
    }
  }
  // phase 1 (coarse): the most relevant functions, over-selected by 30 % for the fine stage to trim
  const bodies: number[] = [];
  for (let g = 0; g < n; g++) if (isBody(g) && !isInsideBody(g)) bodies.push(g);
  bodies.sort((a, b) => rel[b]! - rel[a]! || a - b);
  // the pool is what is left after imports; the signatures of phase 0b come out of it unless their function is selected
  const poolBudget = Math.max(0, (budget - spentBeforeNamed) * 0.85);
  let coarseBudget: number;
  const selected: number[] = [];
  let selectedCost = 0;
  for (const g of bodies) {
    if (rel[g]! <= 0) break;
    if (selectedCost >= poolBudget * 1.3) break;
    selected.push(g);
    selectedCost += fullCost[g]!;
  }
  {
    let kept = spent - spentBeforeNamed; // phase-0b signatures outside the selection stay paid for
    for (const g of selected) if (mode[g] === MODE_SKELETON) kept -= skelCost[g]!;
    coarseBudget = Math.max(0, poolBudget - Math.max(0, kept));
  }
  // fine: adaptive budget per function (share grows with relevance^beta), exact knapsack over its blocks
  if (selected.length > 0) {
    const top = rel[selected[0]!]!;
    const weight = selected.map((g) => Math.pow(rel[g]! / top, beta));
    let lo = 0;
    let hi = 1 / Math.max(1e-9, Math.min(...weight));
    const spend = (lambda: number): number => selected.reduce((sum, g, i) => sum + Math.min(1, lambda * weight[i]!) * fullCost[g]!, 0);
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
        spent -= skelCost[g]!;
        mode[g] = MODE_DROPPED;
      }
      const planned = Math.min(1, lo * weight[i]!) * fullCost[g]!;
      const share = Math.floor(planned + carry);
      const spentBefore = spent;
      const settle = (): void => {
        carry = planned + carry - (spent - spentBefore);
      };
      const anc = ancestorCost(g);
      if (share >= fullCost[g]! * 0.85 && spent + fullCost[g]! + anc <= budget) {
        openAncestors(g);
        mode[g] = MODE_FULL;
        spent += fullCost[g]! + anc;
        settle();
        return;
      }
      const blocks = kids(g);
      const cap = Math.min(share, budget - spent - anc) - openCost[g]!;
      if (blocks.length > 0 && cap > 0) {
        const mc = markerCost[fileOfItem[g]!]!;
        const values = Float64Array.from(blocks, (b, k) => 0.05 + leafScore[b]! + (k === 0 ? 0.05 : 0));
        const weights = Uint32Array.from(blocks, (b) => fullCost[b]! + Math.ceil(mc / 2));
        const take = knapsack(values, weights, cap);
        let used = 0;
        blocks.forEach((b, k) => {
          if (take[k] === 1) {
            mode[b] = MODE_FULL;
            used += weights[k]!;
          }
        });
        if (used > 0) {
          openAncestors(g);
          mode[g] = MODE_OPEN;
          spent += used + openCost[g]! + anc;
          settle();
          return;
        }
      }
      if (isDefinition(items[g]!) && spent + skelCost[g]! + anc <= budget) {
        openAncestors(g);
        mode[g] = MODE_SKELETON;
        spent += skelCost[g]! + anc;
      }
      settle();
    });
  }
  // phase 2: skeletons of the other definitions, most relevant first (the API surface)
  for (const g of bodies) {
    if (visible(g) || !isDefinition(items[g]!)) continue;
    const c = skelCost[g]! + ancestorCost(g);
    if (spent + c <= budget) {
      openAncestors(g);
      mode[g] = MODE_SKELETON;
      spent += c;
    }
  }
  // phase 3: other statements (top level and class members), then whole definitions that now fit, by relevance
  const rest: number[] = [];
  for (let g = 0; g < n; g++) {
    const k = items[g]!.kind;
    if ((k === 'statement' || k === 'import') && !isInsideBody(g) && !visible(g)) rest.push(g);
  }
  rest.sort((a, b) => rel[b]! - rel[a]! || a - b);
  for (const g of rest) {
    const c = fullCost[g]! + ancestorCost(g);
    if (spent + c <= budget) {
      openAncestors(g);
      mode[g] = MODE_FULL;
      spent += c;
    }
  }
  for (const g of bodies) {
    if (mode[g] !== MODE_SKELETON) continue;
    const c = fullCost[g]! - skelCost[g]!;
    if (spent + c <= budget) {
      mode[g] = MODE_FULL;
      spent += c;
    }
  }
  timings['select'] = performance.now() - t;

  // ---- render and verify
  t = performance.now();
  const render = (): { text: string; spans: Array<{ kept: Span[]; skeleton: Span[] }> } => {
    const parts: string[] = [];
    const spans: Array<{ kept: Span[]; skeleton: Span[] }> = [];
    files.forEach((f) => {
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
  };
  let rendered = render();
  let compressed = count(rendered.text);
  // verifier: downgrade the least valuable visible pieces until the recount fits
  while (compressed > budget) {
    deadline?.check();
    const candidates: Array<{ g: number; value: number; saves: number; to: number }> = [];
    for (let g = 0; g < n; g++) {
      const m = mode[g]!;
      if (m === MODE_DROPPED) continue;
      if (m === MODE_OPEN && kids(g).some(visible)) continue;
      const it = items[g]!;
      if (m === MODE_FULL && isDefinition(it)) candidates.push({ g, value: rel[g]! * 0.8, saves: fullCost[g]! - skelCost[g]!, to: MODE_SKELETON });
      else
        candidates.push({
          g,
          value: it.kind === 'block' ? leafScore[g]! * 0.5 : rel[g]! + (isDefinition(it) ? 0.2 : 0),
          saves: m === MODE_SKELETON || m === MODE_OPEN ? skelCost[g]! : fullCost[g]!,
          to: MODE_DROPPED,
        });
    }
    if (candidates.length === 0) break;
    candidates.sort((a, b) => a.value - b.value || b.g - a.g);
    let overflow = compressed - budget;
    for (const c of candidates) {
      if (overflow <= 0) break;
      mode[c.g] = c.to;
      overflow -= Math.max(1, c.saves);
    }
    rendered = render();
    compressed = count(rendered.text);
  }
  // refill: the estimate is conservative; spend measured slack on the most relevant dropped definitions and statements
  const refill: number[] = [];
  for (let g = 0; g < n; g++) {
    const it = items[g]!;
    if (mode[g] === MODE_DROPPED && it.kind !== 'block' && !isInsideBody(g)) refill.push(g);
  }
  refill.sort((a, b) => rel[b]! - rel[a]! || a - b);
  let attempts = 0;
  for (const g of refill) {
    if (compressed >= budget || attempts >= 24) break;
    const it = items[g]!;
    const toMode = isDefinition(it) ? MODE_SKELETON : MODE_FULL;
    const cost = (toMode === MODE_SKELETON ? skelCost[g]! : fullCost[g]!) + ancestorCost(g);
    if (cost > budget - compressed + markerCost[fileOfItem[g]!]!) continue;
    attempts++;
    const before = mode.slice();
    openAncestors(g);
    mode[g] = toMode;
    const next = render();
    const nextCount = count(next.text);
    if (nextCount <= budget) {
      rendered = next;
      compressed = nextCount;
    } else mode.set(before);
  }
  if (compressed > budget) {
    throw new CtxpressError(
      'BUDGET_UNSATISFIABLE',
      `The file headers alone need ${compressed} tokens, more than the budget of ${budget}. Raise the budget or pass fileHeaders: false.`,
    );
  }
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
  const decisionOf = (g: number): CodeDecision => {
    const m = mode[g]!;
    if (m === MODE_DROPPED) return 'dropped';
    if (m === MODE_FULL) return 'full';
    if (m === MODE_SKELETON) return 'skeleton';
    return kids(g).every((c) => mode[c] === MODE_FULL) ? 'full' : kids(g).some(visible) ? 'partial' : 'skeleton';
  };
  const units: CodeUnitReport[] = items.map((it, g) => ({
    path: itemOf(g).file.path,
    kind: it.kind,
    name: it.name,
    start: it.start,
    end: it.end,
    tokens: fullCost[g]! - 1,
    score: rel[g]!,
    decision: decisionOf(g),
  }));
  return { ...result, units };
}
