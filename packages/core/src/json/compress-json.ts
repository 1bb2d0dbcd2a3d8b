/**
 * Structure-aware JSON compression: the output is always valid JSON with the input's shape (every kept key keeps its
 * original JSON type), values relevant to the query are kept, long arrays are folded, long strings truncated and, last,
 * low-value keys of large objects dropped — until the rendered text fits the token budget (recounted exactly).
 *
 * Markers (the only text not taken from the input), all of them JSON strings so the output stays valid:
 * - folded array: each gap of dropped items becomes one string element `"… N more items"` at the gap's position
 *   (for arrays of any element type, objects included — one marker form everywhere);
 * - truncated string: the kept prefix followed by `"… (N chars)"`, N = the original length in UTF-16 code units;
 * - dropped keys: one `"…": "K more keys"` entry at the end of the object (the key is `……` if the object has a `…` key).
 * @module
 */
import type { Budget, CompressionSummary, Tokenizer } from '../types.js';
import { CtxpressError } from '../errors.js';
import { keepPatterns } from '../keep-patterns.js';
import { checkCommonOptions } from '../check-options.js';
import { activeDeadline, withDeadline, type LimitOptions } from '../deadline.js';
import { resolveBudget } from '../compress.js';
import { terms } from '../text/terms.js';

/** `signal` and `timeLimitMs` (`LimitOptions`): opt-in limits, throwing ABORTED / TIME_LIMIT; results are unchanged when not reached. */
export interface JsonCompressionOptions extends LimitOptions {
  readonly budget: Budget;
  readonly tokenizer: Tokenizer;
  /** Values whose key path or text matches the query are kept first (BM25 over key path + value terms). */
  readonly query?: string;
  /** Strings match literally (case-sensitive), RegExps as given; a matching key or scalar is never dropped nor truncated. */
  readonly keep?: readonly (string | RegExp)[];
}

export interface JsonFold {
  /** JSON pointer (RFC 6901) of the array or object; `''` is the root. */
  readonly path: string;
  readonly kind: 'array' | 'object';
  /** Items (array) or keys (object) kept. */
  readonly kept: number;
  readonly total: number;
}

export interface JsonTruncation {
  readonly path: string;
  readonly originalLength: number;
}

export interface JsonCompressionResult extends CompressionSummary {
  /** Valid JSON, in the input's indentation style (2/4 spaces, tab or minified; minified for a non-string input). */
  readonly text: string;
  /** `JSON.parse(text)`. */
  readonly value: unknown;
  readonly tokens: { readonly original: number; readonly compressed: number; readonly budget: number };
  readonly ratio: number;
  readonly folded: readonly JsonFold[];
  readonly truncated: readonly JsonTruncation[];
}

type Scalar = string | number | boolean | null;

interface ScalarNode {
  readonly kind: 'scalar';
  readonly value: Scalar;
  score: number;
  pinned: boolean;
}
interface ArrayNode {
  readonly kind: 'array';
  readonly items: Node[];
  score: number;
  pinned: boolean;
}
interface ObjectNode {
  readonly kind: 'object';
  readonly keys: string[];
  readonly values: Node[];
  /** Structure prior of each key (ids, names, status/error fields). */
  readonly priors: number[];
  readonly keyPinned: boolean[];
  score: number;
  pinned: boolean;
}
type Node = ScalarNode | ArrayNode | ObjectNode;

/** One shrinking step: array items, string length and object keys allowed. */
interface Level {
  /** First items kept of each array. */
  readonly items: number;
  /** Query-matching items kept beyond the first ones. */
  readonly matches: number;
  /** String length kept (relevant strings get 3×). */
  readonly chars: number;
  /** Keys kept of each object. */
  readonly keys: number;
  /** Skeleton only: `{}` / `[]` / a top-level scalar. */
  readonly skeleton?: true;
}

const INF = Number.POSITIVE_INFINITY;
const ITEMS = [INF, 10000, 3000, 1000, 300, 100, 50, 30, 20, 14, 10, 7, 5, 4, 3, 2, 1];
const CHARS = [INF, 20000, 10000, 6000, 4000, 2000, 1000, 600, 400, 250, 160, 100, 70, 50, 35, 25, 25];
const KEYS = [INF, 40, 25, 16, 12, 9, 7, 5, 4, 3, 2, 1];

/** Levels from no compression to the bare skeleton; output size decreases (almost always) along the list. */
function levels(): Level[] {
  const out: Level[] = [];
  // arrays and strings shrink together first; query matches beyond the first items are capped by the item count
  for (let i = 0; i < ITEMS.length; i++) out.push({ items: ITEMS[i]!, matches: Math.max(ITEMS[i]!, 10), chars: CHARS[i]!, keys: INF });
  // then fewer query matches per array
  for (const matches of [5, 3]) out.push({ items: 1, matches, chars: 25, keys: INF });
  // then keys of large objects go (low-value first)
  for (const keys of KEYS.slice(1)) out.push({ items: 1, matches: 3, chars: 25, keys });
  out.push({ items: 1, matches: 1, chars: 12, keys: 1 });
  out.push({ items: 0, matches: 1, chars: 0, keys: 1 });
  out.push({ items: 0, matches: 0, chars: 0, keys: 1 });
  out.push({ items: 0, matches: 0, chars: 0, keys: 0 });
  out.push({ items: 0, matches: 0, chars: 0, keys: 0, skeleton: true });
  return out;
}

const PRIOR_KEYS = /^(id|uuid|key|name|title|status|state|phase|error|errors|message|msg|reason|type|kind|code|number|url|html_url|login|level|result|exit_code|ok|success)$/i;
const PRIOR_SUFFIX = /(Id|_id|ID|Name|_name|Status|_status|Error|_error)$/;

function keyPrior(key: string): number {
  if (PRIOR_KEYS.test(key)) return 1;
  if (PRIOR_SUFFIX.test(key)) return 0.6;
  return 0;
}

// ---------------------------------------------------------------------------------------------------------------------
// parsing and style

function lineColumn(text: string, position: number): string {
  let line = 1;
  let col = 1;
  for (let i = 0; i < position && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      col = 1;
    } else col++;
  }
  return `line ${line}, column ${col}`;
}

/** Offset of the first syntax error of a JSON text (the parser's messages do not always say where), or -1. */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const n = text.length;
  const ws = (): void => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const str = (): void => {
    i++; // opening quote
    while (i < n && text[i] !== '"') {
      const c = text.charCodeAt(i);
      if (c < 0x20) fail();
      if (c === 92) {
        i++;
        const e = text[i];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 4;
        } else if (e === undefined || !'"\\/bfnrt'.includes(e)) fail();
      }
      i++;
    }
    if (i >= n) fail();
    i++;
  };
  const value = (depth: number): void => {
    if (depth > MAX_JSON_DEPTH) throw 'deep'; // JSON.parse's own message then says what is wrong
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        str();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return;
        } else fail();
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return;
        } else fail();
      }
    } else if (c === '"') str();
    else {
      const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
      if (m === null) fail();
      else i += m[0].length;
    }
  };
  try {
    value(0);
    ws();
    return i < n ? i : -1;
  } catch (e) {
    if (typeof e === 'number') return e;
    return -1; // too deep for the checker: let JSON.parse speak
  }
}

function parseInput(input: string): unknown {
  if (input.trim().length === 0) throw new CtxpressError('INVALID_INPUT', 'compressJson: the input is empty; give a JSON text or a value.');
  try {
    return JSON.parse(input) as unknown;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const offset = jsonErrorOffset(input);
    const where = offset >= 0 ? ` at ${lineColumn(input, offset)} (offset ${offset}, near ${JSON.stringify(input.slice(offset, offset + 20))})` : '';
    throw new CtxpressError('INVALID_INPUT', `compressJson: the input is not valid JSON${where}: ${message}`, { cause: e });
  }
}

/** The indentation of a JSON text: a number of spaces, a tab, or 0 (minified). */
export function detectJsonIndent(text: string): number | '\t' {
  const m = /^[ \t]*[{[][ \t]*\r?\n([ \t]+)\S/.exec(text);
  if (m === null) return 0;
  const ws = m[1]!;
  if (ws.startsWith('\t')) return '\t';
  return Math.min(ws.length, 10);
}


// ---------------------------------------------------------------------------------------------------------------------
// tree and scoring

interface Leaf {
  readonly node: ScalarNode;
  readonly terms: string[];
  /** Key path without array indices (`items[].status.phase`): leaves with one path are the same field. */
  readonly path: string;
}

/**
 * Deepest nesting accepted. Checked without recursion before any recursive walk, so the walks below (and
 * JSON.stringify) stay far from the stack limit whatever the caller's own depth.
 */
export const MAX_JSON_DEPTH = 1000;

/** Throws `INVALID_INPUT` when arrays or objects nest deeper than `MAX_JSON_DEPTH` (an explicit stack, no recursion). */
function checkDepth(value: unknown): void {
  const stack: unknown[] = [value];
  const depths: number[] = [0];
  while (stack.length > 0) {
    const v = stack.pop();
    const d = depths.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d >= MAX_JSON_DEPTH) throw new CtxpressError('INVALID_INPUT', `compressJson: the value is nested more than ${MAX_JSON_DEPTH} levels deep.`);
    const children = Array.isArray(v) ? v : Object.values(v as Record<string, unknown>);
    for (const child of children) {
      if (child !== null && typeof child === 'object') {
        stack.push(child);
        depths.push(d + 1);
      }
    }
  }
}

function build(value: unknown, pathKeys: string[], path: string, leaves: Leaf[], keep: readonly RegExp[], depth: number): Node {
  if (depth > MAX_JSON_DEPTH) throw new CtxpressError('INVALID_INPUT', `compressJson: the value is nested more than ${MAX_JSON_DEPTH} levels deep.`);
  if (value === null || typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number') {
    const node: ScalarNode = { kind: 'scalar', value: typeof value === 'number' && !Number.isFinite(value) ? null : value, score: 0, pinned: false };
    const text = value === null ? '' : String(value);
    if (keep.length > 0 && keep.some((re) => re.test(text))) node.pinned = true;
    leaves.push({ node, path, terms: [...terms(pathKeys.join(' ')), ...(typeof value === 'string' ? terms(value) : value === null ? [] : [text.toLowerCase()])] });
    return node;
  }
  if (Array.isArray(value)) {
    const items: Node[] = [];
    for (const v of value as unknown[]) items.push(build(v, pathKeys, `${path}[]`, leaves, keep, depth + 1));
    return { kind: 'array', items, score: 0, pinned: false };
  }
  if (typeof value === 'object') {
    const keys: string[] = [];
    const values: Node[] = [];
    const priors: number[] = [];
    const keyPinned: boolean[] = [];
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
      keys.push(k);
      values.push(build(v, [...pathKeys.slice(-3), k], `${path}.${k}`, leaves, keep, depth + 1));
      priors.push(keyPrior(k));
      keyPinned.push(keep.length > 0 && keep.some((re) => re.test(k)));
    }
    return { kind: 'object', keys, values, priors, keyPinned, score: 0, pinned: false };
  }
  throw new CtxpressError('INVALID_INPUT', `compressJson: a ${typeof value} is not a JSON value.`);
}

/** BM25 of every leaf (key path + value terms) against the query. */
function scoreLeaves(leaves: readonly Leaf[], query: string): void {
  const q = [...new Set(terms(query))];
  if (q.length === 0 || leaves.length === 0) return;
  const qs = new Set(q);
  const df = new Map<string, number>();
  let totalLength = 0;
  for (const leaf of leaves) {
    totalLength += leaf.terms.length;
    const seen = new Set<string>();
    for (const t of leaf.terms) if (qs.has(t) && !seen.has(t)) {
      seen.add(t);
      df.set(t, (df.get(t) ?? 0) + 1);
    }
  }
  const n = leaves.length;
  const avg = Math.max(1, totalLength / n);
  const k1 = 1.2;
  const b = 0.75;
  for (const leaf of leaves) {
    const tf = new Map<string, number>();
    for (const t of leaf.terms) if (qs.has(t)) tf.set(t, (tf.get(t) ?? 0) + 1);
    let s = 0;
    for (const [t, f] of tf) {
      const d = df.get(t)!;
      const idf = Math.log(1 + (n - d + 0.5) / (d + 0.5));
      s += (idf * f * (k1 + 1)) / (f + k1 * (1 - b + (b * leaf.terms.length) / avg));
    }
    leaf.node.score = s;
  }
}

/**
 * Without a query: a rare value of a categorical field (`"ready": false` among 40 `true`, `"CrashLoopBackOff"` among
 * `"Running"`) makes its record worth keeping. A field is categorical when it has ≥ 4 values and at most a quarter as
 * many distinct ones (ids, names and timestamps are not); the score is log(count / count of this value) / log(count),
 * counted only from 0.5 up.
 */
function scoreRareValues(leaves: readonly Leaf[]): void {
  const byPath = new Map<string, Map<string, number>>();
  const keyOf = (leaf: Leaf): string | undefined => {
    const v = leaf.node.value;
    if (typeof v === 'string') return v.length <= 80 ? `s${v}` : undefined;
    return `${typeof v}${String(v)}`;
  };
  for (const leaf of leaves) {
    const k = keyOf(leaf);
    if (k === undefined) continue;
    let values = byPath.get(leaf.path);
    if (values === undefined) byPath.set(leaf.path, (values = new Map()));
    values.set(k, (values.get(k) ?? 0) + 1);
  }
  const totals = new Map<string, number>();
  for (const [path, values] of byPath) {
    let total = 0;
    for (const c of values.values()) total += c;
    totals.set(path, total);
  }
  for (const leaf of leaves) {
    const k = keyOf(leaf);
    if (k === undefined) continue;
    const values = byPath.get(leaf.path)!;
    const total = totals.get(leaf.path)!;
    if (total < 4 || values.size > Math.max(2, total / 4)) continue;
    const s = Math.log(total / values.get(k)!) / Math.log(total);
    if (s >= 0.5) leaf.node.score = s;
  }
}

/** Subtree score = max over its leaves; pinned = a leaf or key below is pinned. */
function propagate(node: Node): void {
  if (node.kind === 'array') {
    for (const item of node.items) {
      propagate(item);
      if (item.score > node.score) node.score = item.score;
      if (item.pinned) node.pinned = true;
    }
  } else if (node.kind === 'object') {
    for (let i = 0; i < node.values.length; i++) {
      const v = node.values[i]!;
      propagate(v);
      if (v.score > node.score) node.score = v.score;
      if (v.pinned || node.keyPinned[i]) node.pinned = true;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// rendering one level

function pointer(path: string, key: string | number): string {
  return `${path}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

function truncateString(s: string, keepChars: number): string {
  let cut = keepChars;
  const c = s.charCodeAt(cut - 1);
  if (cut > 0 && c >= 0xd800 && c <= 0xdbff) cut--; // never split a surrogate pair
  return `${s.slice(0, cut)}… (${s.length} chars)`;
}

interface RenderState {
  readonly level: Level;
  readonly folded: JsonFold[];
  readonly truncated: JsonTruncation[];
}

function renderNode(node: Node, path: string, st: RenderState): unknown {
  const { level } = st;
  if (node.kind === 'scalar') {
    const v = node.value;
    if (typeof v !== 'string' || node.pinned) return v;
    const limit = node.score > 0 ? level.chars * 3 : level.chars;
    const marker = 8 + String(v.length).length; // length of "… (N chars)"
    if (v.length <= limit + marker) return v;
    st.truncated.push({ path, originalLength: v.length });
    return truncateString(v, limit);
  }
  if (node.kind === 'array') {
    const n = node.items.length;
    const keep = new Uint8Array(n);
    let count = 0;
    for (let i = 0; i < n && i < level.items; i++) {
      keep[i] = 1;
      count++;
    }
    if (count < n) {
      const extra: number[] = [];
      for (let i = count; i < n; i++) {
        const item = node.items[i]!;
        if (item.pinned) {
          keep[i] = 1;
          count++;
        } else if (item.score > 0) extra.push(i);
      }
      if (extra.length > level.matches) extra.sort((a, b) => node.items[b]!.score - node.items[a]!.score || a - b);
      for (let j = 0; j < extra.length && j < level.matches; j++) {
        keep[extra[j]!] = 1;
        count++;
      }
    }
    const out: unknown[] = [];
    let gap = 0;
    for (let i = 0; i < n; i++) {
      if (keep[i] === 1) {
        if (gap > 0) out.push(`… ${gap} more items`);
        gap = 0;
        out.push(renderNode(node.items[i]!, pointer(path, i), st));
      } else gap++;
    }
    if (gap > 0) out.push(`… ${gap} more items`);
    if (count < n) st.folded.push({ path, kind: 'array', kept: count, total: n });
    return out;
  }
  const n = node.keys.length;
  const out: Record<string, unknown> = {};
  let order: number[] | undefined;
  if (n > level.keys) {
    // rank: pinned, then query relevance, then structure prior, then position
    const ranked = node.keys.map((_, i) => i);
    ranked.sort((a, b) => {
      const pa = node.keyPinned[a] || node.values[a]!.pinned ? 1 : 0;
      const pb = node.keyPinned[b] || node.values[b]!.pinned ? 1 : 0;
      return pb - pa || node.values[b]!.score - node.values[a]!.score || node.priors[b]! - node.priors[a]! || a - b;
    });
    const chosen = new Set<number>();
    for (let r = 0; r < ranked.length; r++) {
      const i = ranked[r]!;
      if (r < level.keys || node.keyPinned[i] || node.values[i]!.pinned) chosen.add(i);
    }
    order = [...chosen].sort((a, b) => a - b);
  }
  const indices = order ?? node.keys.map((_, i) => i);
  for (const i of indices) {
    const k = node.keys[i]!;
    // defineProperty: a "__proto__" key stays a plain own key
    Object.defineProperty(out, k, { value: renderNode(node.values[i]!, pointer(path, k), st), enumerable: true, writable: true, configurable: true });
  }
  if (indices.length < n) {
    let markerKey = '…';
    while (Object.prototype.hasOwnProperty.call(out, markerKey) || node.keys.includes(markerKey)) markerKey += '…';
    out[markerKey] = `${n - indices.length} more keys`;
    st.folded.push({ path, kind: 'object', kept: indices.length, total: n });
  }
  return out;
}

function skeleton(node: Node): unknown {
  if (node.kind === 'array') return [];
  if (node.kind === 'object') return {};
  const v = node.value;
  return typeof v === 'string' && v.length > 0 ? '' : v;
}

// ---------------------------------------------------------------------------------------------------------------------

/**
 * Compresses a JSON text (or a JSON-compatible value) to the token budget; the result is always valid JSON.
 *
 * @example
 * const r = compressJson(apiResponse, { budget: { ratio: 4 }, tokenizer, query: 'failing pods in payments' });
 * JSON.parse(r.text); // always parses; long arrays folded, long strings truncated, low-value keys dropped
 */
export function compressJson(input: string | unknown, options: JsonCompressionOptions): JsonCompressionResult {
  const tokenizer = checkCommonOptions(options);
  return withDeadline(options, () => compressJsonWith(input, options, tokenizer));
}

function compressJsonWith(input: string | unknown, options: JsonCompressionOptions, tokenizer: Tokenizer): JsonCompressionResult {
  const deadline = activeDeadline(); // options.timeLimitMs / signal (deadline.ts); undefined without them
  const keep = keepPatterns(options.keep, false);
  let value: unknown;
  let originalText: string;
  let indent: number | '\t';
  if (typeof input === 'string') {
    value = parseInput(input);
    originalText = input;
    indent = detectJsonIndent(input);
  } else {
    if (input === undefined || typeof input === 'function' || typeof input === 'symbol' || typeof input === 'bigint') {
      throw new CtxpressError('INVALID_INPUT', `compressJson: a ${typeof input} is not a JSON value.`);
    }
    value = input;
    indent = 0;
    try {
      originalText = JSON.stringify(input);
    } catch (e) {
      throw new CtxpressError('INVALID_INPUT', `compressJson: the value cannot be serialised as JSON: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
  checkDepth(value);
  deadline?.check();
  const original = tokenizer.count(originalText);
  const budget = resolveBudget(options.budget, original);
  const stringify = (v: unknown): string => (indent === 0 ? JSON.stringify(v) : JSON.stringify(v, null, indent));

  const leaves: Leaf[] = [];
  const root = build(value, [], '', leaves, keep, 0);
  if (options.query !== undefined && terms(options.query).length > 0) scoreLeaves(leaves, options.query);
  else scoreRareValues(leaves);
  propagate(root);
  deadline?.check();

  const finish = (text: string, compressed: number, out: unknown, folded: JsonFold[], truncated: JsonTruncation[]): JsonCompressionResult => ({
    text,
    value: out,
    tokens: { original, compressed, budget },
    ratio: compressed === 0 ? (original === 0 ? 1 : Number.POSITIVE_INFINITY) : original / compressed,
    folded,
    truncated,
  });

  if (original <= budget) {
    const text = typeof input === 'string' ? input : originalText;
    return finish(text, original, JSON.parse(text) as unknown, [], []);
  }

  const all = levels();
  let maxItems = 0;
  let maxChars = 0;
  const measure = (node: Node): void => {
    if (node.kind === 'array') {
      if (node.items.length > maxItems) maxItems = node.items.length;
      for (const item of node.items) measure(item);
    } else if (node.kind === 'object') for (const v of node.values) measure(v);
    else if (typeof node.value === 'string' && node.value.length > maxChars) maxChars = node.value.length;
  };
  measure(root);
  type Attempt = { text: string; tokens: number; st: RenderState };
  const memo = new Map<string, Attempt>();
  const attemptLevel = (level: Level): Attempt => {
    const key = `${level.items}|${level.matches}|${level.chars}|${level.keys}|${level.skeleton === true}`;
    let r = memo.get(key);
    if (r === undefined) {
      deadline?.check();
      const st: RenderState = { level, folded: [], truncated: [] };
      const out = level.skeleton === true ? skeleton(root) : renderNode(root, '', st);
      if (level.skeleton === true) {
        if (root.kind === 'array') st.folded.push({ path: '', kind: 'array', kept: 0, total: root.items.length });
        else if (root.kind === 'object') st.folded.push({ path: '', kind: 'object', kept: 0, total: root.keys.length });
        else if (typeof root.value === 'string' && root.value.length > 0) st.truncated.push({ path: '', originalLength: root.value.length });
      }
      const text = stringify(out);
      r = { text, tokens: tokenizer.count(text), st };
      memo.set(key, r);
    }
    return r;
  };
  const attempt = (i: number): Attempt => attemptLevel(all[i]!);

  // binary search for the least compressed level that fits, then make sure by scanning forward
  let lo = 1;
  let hi = all.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (attempt(mid).tokens <= budget) hi = mid;
    else lo = mid + 1;
  }
  for (let i = lo; i < all.length; i++) {
    let r = attempt(i);
    if (r.tokens > budget) continue;
    const level = all[i]!;
    if (level.skeleton === true && root.pinned) {
      throw new CtxpressError('BUDGET_UNSATISFIABLE', `compressJson: the values matched by options.keep do not fit in ${budget} tokens.`);
    }
    // refine: the previous level did not fit; give back array items, then string length, as far as the budget allows
    const prev = all[i - 1];
    if (prev !== undefined && level.skeleton !== true) {
      let best = level;
      for (const field of ['items', 'chars'] as const) {
        const make = (v: number): Level => (field === 'items' ? { ...best, items: v, matches: Math.max(best.matches, v) } : { ...best, chars: v });
        let low = best[field];
        let lowTokens = r.tokens;
        let high = Math.min(prev[field], field === 'items' ? maxItems : maxChars);
        if (high <= low) continue;
        let highTokens = attemptLevel(make(high)).tokens;
        if (highTokens <= budget) {
          best = make(high);
          r = attemptLevel(best);
          continue;
        }
        // tokens grow about linearly with the allowance: interpolate, bisect every other step so it always converges
        const tolerance = field === 'items' ? 1 : 5;
        for (let step = 0; high - low > tolerance; step++) {
          let mid = step % 2 === 0 && highTokens > lowTokens ? Math.floor(low + ((budget - lowTokens) * (high - low)) / (highTokens - lowTokens)) : Math.floor((low + high) / 2);
          mid = Math.min(high - 1, Math.max(low + 1, mid));
          const a = attemptLevel(make(mid));
          if (a.tokens <= budget) {
            low = mid;
            lowTokens = a.tokens;
            best = make(mid);
            r = a;
          } else {
            high = mid;
            highTokens = a.tokens;
          }
        }
      }
    }
    return finish(r.text, r.tokens, JSON.parse(r.text) as unknown, r.st.folded, r.st.truncated);
  }
  const sk = attempt(all.length - 1);
  throw new CtxpressError(
    'BUDGET_UNSATISFIABLE',
    `compressJson: even the skeleton ${sk.text.length > 40 ? sk.text.slice(0, 40) + '…' : sk.text} takes ${sk.tokens} tokens, more than the budget of ${budget}.`,
  );
}
