/**
 * The language-independent model of a source file that code compression works on: a tree of items (imports, top-level
 * statements, classes, functions, methods, and blocks inside functions) with exact offsets, plus how to turn it into the
 * flat {@link Segmentation} the rest of ctxpress uses.
 * @module
 */
import type { Segmentation, Source, Unit, Group } from '../types.js';
import type { Segmenter } from '../options.js';

export type CodeItemKind = 'import' | 'statement' | 'class' | 'function' | 'method' | 'block';

/** One node of a file's outline. Offsets are `[start, end)` into the file's text. */
export interface CodeItem {
  readonly kind: CodeItemKind;
  /** Start including leading comments / decorators / doc comments attached to it. */
  readonly start: number;
  readonly end: number;
  /** Start of the declaration itself (after leading comments); equals `start` when there are none. */
  readonly declStart: number;
  /** Declared name ('' when it has none). */
  readonly name: string;
  /**
   * For classes and functions: the body `[bodyStart, bodyEnd)` (braces included for C-like languages; for Python the
   * indented block, from its first statement) that a skeleton replaces with an elision; -1 when there is no body.
   */
  readonly bodyStart: number;
  readonly bodyEnd: number;
  /** Index of the containing item in the outline, -1 at top level. Children are in source order and never overlap. */
  readonly parent: number;
}

/** A file's outline: items in pre-order (a parent before its children, siblings in source order). */
export interface CodeOutline {
  readonly language: string;
  readonly items: readonly CodeItem[];
  /** Parse errors met (tree-sitter ERROR / MISSING nodes); their regions are segmented by the fallback. 0 for the fallback itself. */
  readonly errors: number;
}

/** A segmenter for code: a plain {@link Segmenter} (units = outline leaves) that also gives the outline. */
export interface CodeSegmenter extends Segmenter {
  /** Language name (`typescript`, `python`, …, or `text` for the fallback). */
  readonly language: string;
  outline(text: string): CodeOutline;
}

/** How the elisions of a language are written so that a skeleton still parses. */
export interface ElisionSyntax {
  /** Replaces a dropped run of statements or members. */
  readonly marker: string;
  /** Replaces a whole function/class body (`bodyStart..bodyEnd`). */
  readonly body: string;
  /** Prefix of a one-line comment (file headers), '' when the language has none known. */
  readonly lineComment: string;
}

const C_LIKE = new Set([
  'typescript',
  'tsx',
  'javascript',
  'go',
  'java',
  'rust',
  'c',
  'cpp',
  'c_sharp',
  'kotlin',
  'swift',
  'scala',
  'php',
  'dart',
  'zig',
  'solidity',
]);
const HASH = new Set(['python', 'ruby', 'bash', 'elixir', 'toml', 'yaml']);

/** The elision syntax of `language`: `{ /* … *\/ }` for C-like languages, `...  # …` for Python, plain `…` otherwise. */
export function elisionSyntax(language: string): ElisionSyntax {
  if (C_LIKE.has(language)) return { marker: '/* … */', body: '{ /* … */ }', lineComment: '//' };
  if (language === 'python') return { marker: '...  # …', body: '...  # …', lineComment: '#' };
  if (HASH.has(language)) return { marker: '# …', body: '# …', lineComment: '#' };
  if (language === 'lua') return { marker: '-- …', body: '-- …', lineComment: '--' };
  return { marker: '…', body: '…', lineComment: '' };
}

/** True for items that can be shown as a skeleton (signature plus elided body). */
export function isDefinition(item: CodeItem): boolean {
  return (item.kind === 'class' || item.kind === 'function' || item.kind === 'method') && item.bodyStart >= 0;
}

/** A leaf of the outline: the pieces that tile a file (a definition's header and tail around its children, or a whole item). */
export interface OutlineLeaf {
  readonly item: number;
  readonly role: 'header' | 'tail' | 'whole' | 'gap';
  readonly start: number;
  readonly end: number;
}

/** Children of each item (and of the root at index `items.length`). */
export function childrenOf(outline: CodeOutline): number[][] {
  const n = outline.items.length;
  const children: number[][] = Array.from({ length: n + 1 }, () => []);
  outline.items.forEach((it, i) => children[it.parent < 0 ? n : it.parent]!.push(i));
  return children;
}

/** The leaves that tile `text` (white space left out): headers/tails of items with children, whole childless items, and uncovered text as gaps. */
export function outlineLeaves(text: string, outline: CodeOutline): OutlineLeaf[] {
  const children = childrenOf(outline);
  const leaves: OutlineLeaf[] = [];
  const push = (item: number, role: OutlineLeaf['role'], start: number, end: number): void => {
    let s = start;
    let e = end;
    while (s < e && isSpace(text.charCodeAt(s))) s++;
    while (e > s && isSpace(text.charCodeAt(e - 1))) e--;
    if (e > s) leaves.push({ item, role, start: s, end: e });
  };
  // depth-first over the item tree with an explicit stack (a deeply nested input cannot exhaust the call stack)
  interface Frame {
    readonly list: readonly number[];
    k: number;
    pos: number;
    readonly to: number;
    readonly owner: number;
  }
  const stack: Frame[] = [{ list: children[outline.items.length]!, k: 0, pos: 0, to: text.length, owner: -1 }];
  while (stack.length > 0) {
    const f = stack[stack.length - 1]!;
    if (f.k === f.list.length) {
      if (f.to > f.pos) push(f.owner, 'gap', f.pos, f.to);
      stack.pop();
      const parent = stack[stack.length - 1];
      if (parent !== undefined) {
        const c = parent.list[parent.k]!;
        const it = outline.items[c]!;
        push(c, 'tail', f.to, it.end);
        parent.pos = Math.max(parent.pos, it.end);
        parent.k++;
      }
      continue;
    }
    const c = f.list[f.k]!;
    const it = outline.items[c]!;
    if (it.start > f.pos) push(f.owner, 'gap', f.pos, it.start);
    const kids = children[c]!;
    if (kids.length === 0) {
      push(c, 'whole', it.start, it.end);
      f.pos = Math.max(f.pos, it.end);
      f.k++;
    } else {
      const first = outline.items[kids[0]!]!.start;
      const last = outline.items[kids[kids.length - 1]!]!.end;
      push(c, 'header', it.start, first);
      stack.push({ list: kids, k: 0, pos: first, to: last, owner: c });
    }
  }
  return leaves;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11 || c === 0xa0 || c === 0xfeff;
}

/**
 * Turns per-source outlines into a {@link Segmentation}: one unit (`code-symbol`) per outline leaf; a block per top-level
 * item, a section per source.
 */
export function outlineSegmentation(sources: readonly Source[], outlineOf: (source: Source) => CodeOutline): Segmentation {
  const units: Unit[] = [];
  const blocks: Group[] = [];
  const sections: Group[] = [];
  for (const src of sources) {
    const sectionStart = units.length;
    if (src.text.trim().length === 0) continue;
    const outline = outlineOf(src);
    const leaves = outlineLeaves(src.text, outline);
    const topOf = (item: number): number => {
      let i = item;
      while (i >= 0 && outline.items[i]!.parent >= 0) i = outline.items[i]!.parent;
      return i;
    };
    let blockStartUnit = units.length;
    let currentTop = Number.NaN;
    const closeBlock = (): void => {
      if (units.length > blockStartUnit) {
        blocks.push({
          index: blocks.length,
          source: src.index,
          start: units[blockStartUnit]!.start,
          end: units[units.length - 1]!.end,
          unitStart: blockStartUnit,
          unitEnd: units.length,
        });
      }
      blockStartUnit = units.length;
    };
    for (const leaf of leaves) {
      const top = leaf.item < 0 ? -1 - units.length : topOf(leaf.item);
      if (top !== currentTop) {
        closeBlock();
        currentTop = top;
      }
      units.push({
        index: units.length,
        source: src.index,
        section: sections.length,
        block: blocks.length,
        start: leaf.start,
        end: leaf.end,
        kind: 'code-symbol',
        positionInBlock: units.length - blockStartUnit,
        anchor: -1,
      });
    }
    closeBlock();
    if (units.length > sectionStart) {
      sections.push({
        index: sections.length,
        source: src.index,
        start: units[sectionStart]!.start,
        end: units[units.length - 1]!.end,
        unitStart: sectionStart,
        unitEnd: units.length,
      });
    }
  }
  return { sources, units, blocks, sections };
}
