/**
 * The fallback code segmenter for any language: items from indentation and blank lines, kinds and names from keywords.
 * @module
 */
import type { CodeItem, CodeItemKind, CodeOutline, CodeSegmenter } from './outline.js';
import { outlineSegmentation } from './outline.js';

interface Line {
  readonly start: number;
  /** Offset of the first non-space character (or the line end when blank). */
  readonly content: number;
  readonly end: number;
  readonly indent: number;
  readonly blank: boolean;
}

function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  let s = 0;
  while (s <= text.length) {
    let e = text.indexOf('\n', s);
    if (e < 0) e = text.length;
    let c = s;
    let indent = 0;
    while (c < e && (text[c] === ' ' || text[c] === '\t' || text[c] === '\r')) {
      indent += text[c] === '\t' ? 4 : 1;
      c++;
    }
    let lineEnd = e;
    while (lineEnd > c && (text[lineEnd - 1] === '\r' || text[lineEnd - 1] === ' ' || text[lineEnd - 1] === '\t')) lineEnd--;
    lines.push({ start: s, content: c, end: lineEnd, indent, blank: c >= lineEnd });
    if (e >= text.length) break;
    s = e + 1;
  }
  return lines;
}

const IMPORT = /^(import|from\s+\S+\s+import|#\s*include|using|require|use|package|library|open|extern\s+crate)\b/;
const CLASS =
  /^(?:(?:export|public|private|protected|internal|abstract|final|sealed|static|default|pub(?:\([^)]*\))?|data|open|partial)\s+)*(class|struct|interface|enum|trait|impl|module|object|record|union|protocol|type\s+\w+\s+(?:struct|interface))\b\s*([A-Za-z_$][\w$]*)?/;
const FUNC_KEYWORD =
  /^(?:(?:export|public|private|protected|internal|static|async|abstract|final|override|virtual|inline|pub(?:\([^)]*\))?|unsafe|const|extern|def|local|suspend|open)\s+)*(?:def|function\*?|func|fn|fun|sub|proc|procedure|method)\s+(?:\([^)]*\)\s*)?([A-Za-z_$][\w$]*)/;
const FUNC_CALLLIKE = /^[\w$<>[\]*&:,\s]*?\b([A-Za-z_$][\w$]*)\s*\([^;]*$/;
const CLOSER = /^[}\])]+[;,)]*\s*$|^end\b|^(else|elif|except|finally|catch)\b/;

function classify(first: string, multiLine: boolean, nested: boolean): { kind: CodeItemKind; name: string } {
  if (IMPORT.test(first)) return { kind: 'import', name: '' };
  const c = CLASS.exec(first);
  if (c !== null) return { kind: 'class', name: c[2] ?? '' };
  const f = FUNC_KEYWORD.exec(first);
  if (f !== null) return { kind: nested ? 'method' : 'function', name: f[1] ?? '' };
  if (multiLine) {
    const g = FUNC_CALLLIKE.exec(first);
    if (g !== null && !/^(if|for|while|switch|return|catch|with|elif|else)$/.test(g[1] ?? ''))
      return { kind: nested ? 'method' : 'function', name: g[1] ?? '' };
  }
  return { kind: 'statement', name: '' };
}

/**
 * Fallback {@link CodeSegmenter} for any language (and for regions a parser could not read): a top-level item starts at a
 * non-blank line at the base indentation and runs over the more-indented, blank and closing-bracket lines after it;
 * leading comment lines join the item they precede. Items whose first line looks like a definition (`def`, `function`,
 * `func`, `fn`, `class`, `struct`, … or `name(…) {`) get a body — the lines after the header — split into blocks at blank
 * lines (and every 12 lines); class bodies are split into members the same way, one level down.
 */
export function indentationSegmenter(options: { readonly language?: string } = {}): CodeSegmenter {
  const language = options.language ?? 'text';
  const outline = (text: string): CodeOutline => ({ language, items: indentationItems(text, 0, text.length), errors: 0 });
  return { name: 'indentation', language, outline, segment: (sources) => outlineSegmentation(sources, (s) => outline(s.text)) };
}

/** Outline items of `text[from, to)` by indentation (used for whole files and for parser ERROR regions). */
export function indentationItems(text: string, from: number, to: number): CodeItem[] {
  const items: CodeItem[] = [];
  const lines = splitLines(text).filter((l) => l.end > from && l.start < to);
  parseItems(text, lines, 0, lines.length, -1, false, items);
  return items;
}

function isComment(text: string, l: Line): boolean {
  const s = text.slice(l.content, Math.min(l.end, l.content + 3));
  return s.startsWith('//') || s.startsWith('#') || s.startsWith('/*') || s.startsWith('*') || s.startsWith('--') || s.startsWith(';');
}

function parseItems(text: string, lines: readonly Line[], from: number, to: number, parent: number, nested: boolean, out: CodeItem[]): void {
  let base = Number.POSITIVE_INFINITY;
  for (let i = from; i < to; i++) if (!lines[i]!.blank) base = Math.min(base, lines[i]!.indent);
  let i = from;
  while (i < to) {
    if (lines[i]!.blank) {
      i++;
      continue;
    }
    // leading comment lines attach to the next item
    let j = i;
    while (j < to && !lines[j]!.blank && lines[j]!.indent === base && isComment(text, lines[j]!)) j++;
    // a comment block on its own is an item; otherwise the comments join the item after them
    const first = j === to || lines[j]!.blank ? i : j;
    let last = first;
    let k = first + 1;
    while (k < to) {
      const l = lines[k]!;
      if (l.blank) {
        k++;
        continue;
      }
      if (l.indent > base || CLOSER.test(text.slice(l.content, l.end))) {
        last = k;
        k++;
        continue;
      }
      break;
    }
    const header = text.slice(lines[first]!.content, lines[first]!.end);
    const multiLine = last > first;
    const { kind, name } =
      first === j && j < to && !isComment(text, lines[first]!) ? classify(header, multiLine, nested) : { kind: 'statement' as CodeItemKind, name: '' };
    const start = lines[i]!.content;
    const end = lines[last]!.end;
    const index = out.length;
    const isDef = (kind === 'class' || kind === 'function' || kind === 'method') && multiLine;
    if (!isDef) {
      out.push({
        kind: kind === 'class' || kind === 'function' || kind === 'method' ? 'statement' : kind,
        start,
        end,
        declStart: lines[first]!.content,
        name,
        bodyStart: -1,
        bodyEnd: -1,
        parent,
      });
    } else {
      // body: the lines after the header, up to a closing line at the base indentation
      let bodyLast = last;
      const lastLine = lines[last]!;
      if (lastLine.indent <= base && CLOSER.test(text.slice(lastLine.content, lastLine.end))) bodyLast = last - 1;
      let bodyFirst = first + 1;
      while (bodyFirst <= bodyLast && lines[bodyFirst]!.blank) bodyFirst++;
      if (bodyFirst > bodyLast) {
        out.push({ kind: 'statement', start, end, declStart: lines[first]!.content, name, bodyStart: -1, bodyEnd: -1, parent });
      } else {
        const bodyStart = lines[bodyFirst]!.content;
        const bodyEnd = lines[bodyLast]!.end;
        out.push({ kind, start, end, declStart: lines[first]!.content, name, bodyStart, bodyEnd, parent });
        if (kind === 'class') parseItems(text, lines, bodyFirst, bodyLast + 1, index, true, out);
        else blocksOf(text, lines, bodyFirst, bodyLast + 1, index, out);
      }
    }
    i = last + 1;
  }
}

function blocksOf(text: string, lines: readonly Line[], from: number, to: number, parent: number, out: CodeItem[]): void {
  let base = Number.POSITIVE_INFINITY;
  for (let i = from; i < to; i++) if (!lines[i]!.blank) base = Math.min(base, lines[i]!.indent);
  let start = -1;
  let count = 0;
  let lastEnd = -1;
  const flush = (): void => {
    if (start >= 0) out.push({ kind: 'block', start, end: lastEnd, declStart: start, name: '', bodyStart: -1, bodyEnd: -1, parent });
    start = -1;
    count = 0;
  };
  for (let i = from; i < to; i++) {
    const l = lines[i]!;
    if (l.blank) {
      // a blank line ends a block only at the body's base indentation
      const next = lines.slice(i + 1, to).find((x) => !x.blank);
      if (next !== undefined && next.indent <= base && !CLOSER.test(text.slice(next.content, next.end))) flush();
      continue;
    }
    if (count >= 12 && l.indent <= base && !CLOSER.test(text.slice(l.content, l.end))) flush();
    if (start < 0) start = l.content;
    lastEnd = l.end;
    count++;
  }
  flush();
}
