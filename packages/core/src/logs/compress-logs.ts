/**
 * Log compression: repeated and near-repeated lines fold into one group, errors/warnings/stack traces are always kept
 * (whole), and the rest of the budget goes to lines relevant to the query and to rare templates.
 *
 * - Template: each line with its variable parts masked (uuids, timestamps, IPs, hex ≥ 6, long quoted strings, paths
 *   with digits, numbers). A run of ≥ 4 consecutive lines (so at least two are hidden) with the same template folds into its first line, one marker
 *   line and its last line. The marker is the only text not taken from the input; its format is
 *   `… ×N similar lines (lines A–B)` where N is the number of lines hidden between the first and the last line of the run
 *   and A–B their 1-based line numbers (inclusive). Stack-trace lines never fold.
 * - Pinned: error/fatal/warning lines, exceptions, tracebacks, panics, HTTP 5xx access-log lines, with their stack
 *   frames and continuation lines (one block, kept or dropped whole), `keep` matches, and the first and last line.
 * - When the pinned blocks alone exceed the budget, the most recent blocks are kept first (then the last line, then the
 *   first) and `truncatedErrors` says how many pinned blocks were left out; no error is thrown.
 * - Kept lines are rendered in input order joined by `\n`; the text is recounted until it fits the budget.
 * @module
 */
import type { Budget, CompressionSummary, Span, Tokenizer } from '../types.js';
import { CtxpressError } from '../errors.js';
import { keepPatterns } from '../keep-patterns.js';
import { fitToBudget } from '../verify.js';
import { checkCommonOptions } from '../check-options.js';
import { activeDeadline, withDeadline, type LimitOptions } from '../deadline.js';
import { resolveBudget } from '../compress.js';
import { terms } from '../text/terms.js';

/** `signal` and `timeLimitMs` (`LimitOptions`): opt-in limits, throwing ABORTED / TIME_LIMIT; results are unchanged when not reached. */
export interface LogCompressionOptions extends LimitOptions {
  readonly budget: Budget;
  readonly tokenizer: Tokenizer;
  readonly query?: string;
  /** Lines matching any of these (strings literally) are pinned like errors. */
  readonly keep?: readonly (string | RegExp)[];
}

export interface LogGroup {
  /** The masked template shared by the run. */
  readonly template: string;
  /** Lines in the run. */
  readonly count: number;
  /** 1-based line numbers of the run's first and last line. */
  readonly firstLine: number;
  readonly lastLine: number;
}

export interface LogCompressionResult extends CompressionSummary {
  readonly text: string;
  readonly tokens: { readonly original: number; readonly compressed: number; readonly budget: number };
  readonly ratio: number;
  /** Kept input lines as `[start, end)` offsets of the input (adjacent lines merge; sourceId `'0'`). */
  readonly kept: readonly Span[];
  /** Every folded run (≥ 4 consecutive lines with one template), kept or not. */
  readonly groups: readonly LogGroup[];
  /** Pinned blocks (errors, warnings, stack traces, keep matches) left out because they alone exceed the budget. */
  readonly truncatedErrors: number;
}

/** Shortest run that folds: first line + marker + last line must hide at least two lines. */
const MIN_RUN = 4;

const MASKS: readonly [RegExp, string][] = [
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>'],
  [/\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?/g, '<ts>'],
  [/\[\d{1,2}\/[A-Z][a-z]{2}\/\d{4}(?::\d{2}){3}(?: [+-]\d{4})?\]/g, '<ts>'],
  [/\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} \d{2}:\d{2}:\d{2}\b/g, '<ts>'],
  [/\b\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\b/g, '<ts>'],
  [/\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b/g, '<ip>'],
  [/\b0x[0-9a-f]+\b|\b(?=[0-9a-f]*\d)[0-9a-f]{6,}\b/gi, '<hex>'],
  [/"(?:[^"\\]|\\.){32,}"|'(?:[^'\\]|\\.){32,}'/g, '<str>'],
  [/(?:\/[\w.@:-]+)*\/[\w.@:-]*\d[\w.@:-]*(?:\/[\w.@:-]+)*/g, '<path>'],
  [/\d+(?:\.\d+)?/g, '<n>'],
];

/** The template of a log line: variable parts masked, white space runs collapsed. */
export function logTemplate(line: string): string {
  let t = line;
  for (const [re, rep] of MASKS) t = t.replace(re, rep);
  return t.replace(/\s+/g, ' ').trim();
}

// level words must be upper case (or a level= field): "no errors found" is not an error line
const ERROR_RE_CASED = /\b(?:ERROR|ERR|FATAL|CRIT|CRITICAL|SEVERE|PANIC|EMERG|ALERT|WARN|WARNING)\b|\b\w*(?:Exception|Error)\b(?::|\s|$)|^Traceback \(most recent call last\)|^panic: |^fatal error: |"\s5\d\d\s/;
const LEVEL_FIELD_RE = /\blevel[=:]"?(?:error|fatal|crit|critical|warn|warning)\b|"level"\s*:\s*"(?:error|fatal|critical|warn|warning)"/i;
const FRAME_RE = /^\s+at\s|^\s*File ".*", line \d+|^\s+\.\.\. \d+ (?:more|common frames omitted)|^Caused by:|^\s*Suppressed:|^During handling of the above exception|^The above exception was the direct cause|^goroutine \d+ \[/;

const SEVERE_RE = /\b(?:ERROR|ERR|FATAL|CRIT|CRITICAL|SEVERE|PANIC|EMERG|ALERT)\b|\blevel[=:]"?(?:error|fatal|crit|critical)\b|"level"\s*:\s*"(?:error|fatal|critical)"|\b\w*(?:Exception|Error)\b(?::|\s|$)|Traceback \(most recent call last\)|^panic: |^fatal error: |"\s5\d\d\s/i;

/** True when the line is an error, warning, exception or the start of a stack trace. */
export function isErrorLine(line: string): boolean {
  return ERROR_RE_CASED.test(line) || LEVEL_FIELD_RE.test(line);
}


interface Line {
  readonly start: number;
  /** End of the line's text (before `\r\n` / `\n`). */
  readonly end: number;
  readonly text: string;
}

function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  let s = 0;
  while (s <= text.length) {
    let nl = text.indexOf('\n', s);
    if (nl === -1) nl = text.length;
    const e = nl > s && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
    lines.push({ start: s, end: e, text: text.slice(s, e) });
    s = nl + 1;
  }
  // a trailing newline does not make an extra (empty) line
  if (lines.length > 1 && lines[lines.length - 1]!.start === text.length) lines.pop();
  return lines;
}

/** A unit the selector keeps or drops whole: one line, one folded run, or one pinned block. */
interface LogUnit {
  readonly first: number;
  readonly last: number;
  /** Rendered text of the unit. */
  readonly text: string;
  /** Line indices whose text is output (for spans). */
  readonly shown: readonly number[];
  readonly pinned: boolean;
  /** Pinned blocks only: 2 for errors, exceptions and traces, 1 for warnings and keep matches. */
  readonly severity: number;
  score: number;
  cost: number;
}

/**
 * Compresses a log to the token budget: folds repeats, keeps every error/warning/stack trace (whole), the first and
 * the last line, then the lines most relevant to the query and the rarest templates.
 *
 * @example
 * const r = compressLogs(serverLog, { budget: { ratio: 10 }, tokenizer, query: 'payment timeout' });
 * r.groups; // [{ template: '<ip> - - <ts> "GET /health HTTP/<n>.<n>" <n> <n>', count: 500, firstLine: 12, lastLine: 511 }, …]
 */
export function compressLogs(text: string, options: LogCompressionOptions): LogCompressionResult {
  if (typeof text !== 'string') throw new CtxpressError('INVALID_INPUT', `compressLogs: the input must be a string, got ${typeof text}.`);
  const tokenizer = checkCommonOptions(options);
  return withDeadline(options, () => compressLogsWith(text, options, tokenizer));
}

function compressLogsWith(text: string, options: LogCompressionOptions, tokenizer: Tokenizer): LogCompressionResult {
  const deadline = activeDeadline(); // options.timeLimitMs / signal (deadline.ts); undefined without them
  const keep = keepPatterns(options.keep, false);
  const original = tokenizer.count(text);
  const budget = resolveBudget(options.budget, original);
  if (text.length === 0) {
    return { text: '', tokens: { original: 0, compressed: 0, budget }, ratio: 1, kept: [], groups: [], truncatedErrors: 0 };
  }
  const lines = splitLines(text);
  const n = lines.length;
  const templates = lines.map((l) => {
    deadline?.tick();
    return logTemplate(l.text);
  });

  // ---- pinned blocks: an error line with its frames / continuation lines
  const blockOf = new Int32Array(n).fill(-1); // block id of each line in a pinned block
  const blockStarts: number[] = [];
  let current = -1;
  let traceback = false;
  for (let i = 0; i < n; i++) {
    deadline?.tick();
    const t = lines[i]!.text;
    const blank = t.trim().length === 0;
    const err = !blank && isErrorLine(t);
    let continuation = false;
    if (current >= 0 && !blank) {
      if (FRAME_RE.test(t) || /^\s/.test(t)) continuation = true;
      else if (traceback && /^[\w.]+(?::|$)/.test(t)) {
        continuation = true; // the exception line closing a Python traceback
        traceback = false;
      } else if (/^[\w.$/*]+\(.*\)(?: \+0x[0-9a-f]+)?$/.test(t)) continuation = true; // Go frame "main.main()"
      else if (err && !/^\s*(?:\[|\d|[A-Z][a-z]{2} +\d)/.test(t)) continuation = true; // exception line without a timestamp
    }
    if (continuation) {
      blockOf[i] = current;
      if (/^Traceback \(most recent call last\)/.test(t)) traceback = true;
    } else if (err || (!blank && keep.some((re) => re.test(t)))) {
      current = blockStarts.length;
      blockStarts.push(i);
      blockOf[i] = current;
      traceback = /^Traceback \(most recent call last\)/.test(t.trim()) || /Traceback \(most recent call last\)/.test(t);
    } else if (blank && current >= 0 && i + 1 < n && /^(?:goroutine \d+ \[|Traceback|During handling|The above exception)/.test(lines[i + 1]!.text)) {
      blockOf[i] = current; // the blank line inside a Go panic / chained Python traceback
    } else {
      current = -1;
      traceback = false;
    }
  }
  // a keep match anywhere pins its line's block (or the line)
  const keepLine = new Uint8Array(n);
  if (keep.length > 0) for (let i = 0; i < n; i++) if (keep.some((re) => re.test(lines[i]!.text))) keepLine[i] = 1;

  // ---- units: pinned blocks, folded runs, single lines
  const units: LogUnit[] = [];
  const groups: LogGroup[] = [];
  const severityOf = (from: number, to: number): number => {
    for (let k = from; k <= to; k++) if (SEVERE_RE.test(lines[k]!.text)) return 2;
    return 1;
  };
  const marker = (a: number, b: number): string => `… ×${b - a + 1} similar lines (lines ${a + 1}–${b + 1})`;
  let i = 0;
  while (i < n) {
    deadline?.tick();
    const block = blockOf[i]!;
    if (block >= 0) {
      let e = i;
      while (e + 1 < n && blockOf[e + 1] === block) e++;
      if (e === i) {
        // one-line pinned blocks (a repeated error or warning) fold like any run of one template
        const single = (k: number): boolean => blockOf[k]! >= 0 && blockOf[k - 1] !== blockOf[k] && (k + 1 >= n || blockOf[k + 1] !== blockOf[k]);
        let j = i;
        while (j + 1 < n && templates[j + 1] === templates[i] && single(j + 1)) j++;
        if (j - i + 1 >= MIN_RUN) {
          groups.push({ template: templates[i]!, count: j - i + 1, firstLine: i + 1, lastLine: j + 1 });
          units.push({ first: i, last: j, text: `${lines[i]!.text}\n${marker(i + 1, j - 1)}\n${lines[j]!.text}`, shown: [i, j], pinned: true, severity: severityOf(i, i), score: 0, cost: 0 });
          i = j + 1;
          continue;
        }
      }
      const shown: number[] = [];
      for (let k = i; k <= e; k++) shown.push(k);
      units.push({ first: i, last: e, text: shown.map((k) => lines[k]!.text).join('\n'), shown, pinned: true, severity: severityOf(i, e), score: 0, cost: 0 });
      i = e + 1;
      continue;
    }
    let j = i;
    while (j + 1 < n && blockOf[j + 1]! < 0 && templates[j + 1] === templates[i] && lines[i]!.text.trim().length > 0) j++;
    if (j - i + 1 >= MIN_RUN) {
      groups.push({ template: templates[i]!, count: j - i + 1, firstLine: i + 1, lastLine: j + 1 });
      const pinned = keepLine.subarray(i, j + 1).some((x) => x === 1);
      units.push({ first: i, last: j, text: `${lines[i]!.text}\n${marker(i + 1, j - 1)}\n${lines[j]!.text}`, shown: [i, j], pinned, severity: pinned ? 1 : 0, score: 0, cost: 0 });
      i = j + 1;
      continue;
    }
    for (let k = i; k <= j; k++) {
      units.push({ first: k, last: k, text: lines[k]!.text, shown: [k], pinned: keepLine[k] === 1, severity: keepLine[k] === 1 ? 1 : 0, score: 0, cost: 0 });
    }
    i = j + 1;
  }

  // ---- scores: query relevance (BM25 over unit texts) + template rarity + a little recency
  const templateCount = new Map<string, number>();
  for (const t of templates) templateCount.set(t, (templateCount.get(t) ?? 0) + 1);
  const unitTerms = units.map((u) => terms(u.shown.map((k) => lines[k]!.text).join(' ')));
  const relevance = new Float64Array(units.length);
  const query = options.query === undefined ? [] : [...new Set(terms(options.query))];
  if (query.length > 0) {
    const qs = new Set(query);
    const df = new Map<string, number>();
    let total = 0;
    for (const ts of unitTerms) {
      total += ts.length;
      for (const t of new Set(ts)) if (qs.has(t)) df.set(t, (df.get(t) ?? 0) + 1);
    }
    const avg = Math.max(1, total / Math.max(1, units.length));
    for (let u = 0; u < units.length; u++) {
      const ts = unitTerms[u]!;
      const tf = new Map<string, number>();
      for (const t of ts) if (qs.has(t)) tf.set(t, (tf.get(t) ?? 0) + 1);
      let s = 0;
      for (const [t, f] of tf) {
        const d = df.get(t)!;
        s += (Math.log(1 + (units.length - d + 0.5) / (d + 0.5)) * f * 2.2) / (f + 1.2 * (0.25 + (0.75 * ts.length) / avg));
      }
      relevance[u] = s;
    }
  }
  let maxRel = 0;
  for (const r of relevance) if (r > maxRel) maxRel = r;
  for (let u = 0; u < units.length; u++) {
    deadline?.tick();
    const unit = units[u]!;
    const freq = templateCount.get(templates[unit.first]!)!;
    const rarity = Math.log((n + 1) / freq) / Math.log(n + 1);
    const rel = maxRel > 0 ? relevance[u]! / maxRel : 0;
    unit.score = (maxRel > 0 ? rel + 0.3 * rarity : rarity) + (0.05 * unit.first) / n;
    unit.cost = tokenizer.count(unit.text + '\n');
  }

  if (original <= budget) {
    return {
      text,
      tokens: { original, compressed: original, budget },
      ratio: 1,
      kept: [{ sourceId: '0', start: 0, end: text.length }],
      groups,
      truncatedErrors: 0,
    };
  }

  // ---- selection: pinned first (most recent error blocks first when they do not all fit), then by score
  const keepUnit = new Uint8Array(units.length);
  const firstUnit = 0;
  const lastUnit = units.length - 1;
  const pinnedOrder: number[] = [];
  pinnedOrder.push(lastUnit);
  // errors before warnings and keep matches, the most recent first
  for (const severity of [2, 1]) {
    for (let u = units.length - 1; u >= 0; u--) if (units[u]!.pinned && units[u]!.severity === severity && u !== lastUnit && u !== firstUnit) pinnedOrder.push(u);
  }
  if (firstUnit !== lastUnit) pinnedOrder.push(firstUnit);
  let used = 0;
  let truncatedErrors = 0;
  for (const u of pinnedOrder) {
    const unit = units[u]!;
    if (used + unit.cost <= budget) {
      keepUnit[u] = 1;
      used += unit.cost;
    } else if (unit.pinned) truncatedErrors++;
  }
  const rest: number[] = [];
  for (let u = 0; u < units.length; u++) if (keepUnit[u] === 0 && !units[u]!.pinned && u !== firstUnit && u !== lastUnit) rest.push(u);
  rest.sort((a, b) => units[b]!.score - units[a]!.score || a - b);
  for (const u of rest) {
    const unit = units[u]!;
    if (used + unit.cost <= budget) {
      keepUnit[u] = 1;
      used += unit.cost;
    }
  }

  // ---- render and verify: drop the lowest-value units (pinned ones last, oldest first) until the recount fits
  const pinnedSet = new Set(pinnedOrder);
  const dropOrder: number[] = [];
  for (let u = 0; u < units.length; u++) if (keepUnit[u] === 1 && !pinnedSet.has(u)) dropOrder.push(u);
  dropOrder.sort((a, b) => units[a]!.score - units[b]!.score || b - a);
  const pinnedDrop = pinnedOrder.filter((u) => keepUnit[u] === 1).reverse(); // oldest pinned first, the last line last
  const { rendered, tokens: count } = fitToBudget(
    {
      render: () => {
        const parts: string[] = [];
        for (let u = 0; u < units.length; u++) if (keepUnit[u] === 1) parts.push(units[u]!.text);
        return { text: parts.join('\n') };
      },
      // units worth at least the overshoot (estimated)
      shed: (overflow) => {
        let over = overflow;
        let dropped = false;
        while (over > 0) {
          const u = dropOrder.shift() ?? pinnedDrop.shift();
          if (u === undefined) break;
          keepUnit[u] = 0;
          dropped = true;
          if (units[u]!.pinned) truncatedErrors++;
          over -= Math.max(1, units[u]!.cost);
        }
        return dropped;
      },
    },
    budget,
    tokenizer,
  );
  const out = rendered.text;

  // ---- spans
  const kept: Span[] = [];
  let prevLine = -2;
  for (let u = 0; u < units.length; u++) {
    if (keepUnit[u] !== 1) continue;
    for (const k of units[u]!.shown) {
      const line = lines[k]!;
      const prev = kept[kept.length - 1];
      if (prev !== undefined && k === prevLine + 1) kept[kept.length - 1] = { sourceId: '0', start: prev.start, end: line.end };
      else kept.push({ sourceId: '0', start: line.start, end: line.end });
      prevLine = k;
    }
  }
  return {
    text: out,
    tokens: { original, compressed: count, budget },
    ratio: count === 0 ? (original === 0 ? 1 : Number.POSITIVE_INFINITY) : original / count,
    kept,
    groups,
    truncatedErrors,
  };
}
