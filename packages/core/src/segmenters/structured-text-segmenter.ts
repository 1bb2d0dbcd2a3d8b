/**
 * Segmenter for plain text and Markdown. Builds the tree source > section > block > unit:
 * - Markdown headings start sections; fenced code blocks, list items and table rows are units that are never cut;
 *   table rows carry the header row as their anchor.
 * - Blank lines separate blocks. In a block of several lines (a transcript, a log, a list of records) each line is a unit,
 *   split into sentences only when it is long; a block that is one flowing paragraph (also hard-wrapped prose, whose
 *   line breaks are joined) is split into sentences.
 * - A short first line without sentence punctuation heading a multi-line block ("[Session 3 - 8 May]") is the block's
 *   header and the anchor of the block's other units.
 * @module
 */

import type { Segmenter } from '../options.js';
import type { Group, Segmentation, Source, Unit, UnitKind } from '../types.js';
import { forEachSentence } from '../text/sentences.js';
import { activeDeadline } from '../deadline.js';

export interface StructuredTextSegmenterOptions {
  /** A line of a multi-line block longer than this (UTF-16 units) is split into sentences. Default 320. */
  readonly maxLineUnitLength?: number;
  /** A sentence longer than this is split further at clause punctuation (; , :) so selection stays fine-grained. Default 1200. */
  readonly maxSentenceLength?: number;
  /** Treat short unpunctuated first lines of blocks as headers that their block's units keep. Default true. */
  readonly blockHeaders?: boolean;
  /** A document's title is the anchor of its units (kept with any of them) rather than a unit competing on its own. Default false: at tight budgets the title's tokens cost more retention than they bring (measured on HotpotQA at 10x). */
  readonly titleAnchors?: boolean;
}

interface Builder {
  units: Unit[];
  blocks: Group[];
  sections: Group[];
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const HEADING = /^ {0,3}#{1,6}(?:\s|$)/;
const LIST_ITEM = /^\s{0,8}(?:[-*+•]|\d{1,3}[.)])\s+\S/;
const INDENTED = /^(?: {2,}|\t)\S/;
const TABLE_ROW = /^\s{0,3}\|/;
const TABLE_DELIMITER = /^\s{0,3}\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$/;

function isSpaceCode(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 0xa0;
}

/** Lines of text[start, end) as [start, end) pairs without the newline (and without a trailing \r). */
function lineRanges(text: string, start: number, end: number): Array<[number, number]> {
  // a lone CR (old Mac line ends) breaks lines too; without one, the fast path below
  if (LONE_CR.test(text)) return lineRangesAnyBreak(text, start, end);
  const lines: Array<[number, number]> = [];
  let s = start;
  while (s <= end) {
    let e = text.indexOf('\n', s);
    if (e === -1 || e > end) e = end;
    let le = e;
    if (le > s && text.charCodeAt(le - 1) === 13) le--;
    lines.push([s, le]);
    if (e >= end) break;
    s = e + 1;
  }
  return lines;
}

const LONE_CR = /\r(?!\n)/;

/** `lineRanges` where LF, CRLF and a lone CR all end a line. */
function lineRangesAnyBreak(text: string, start: number, end: number): Array<[number, number]> {
  const lines: Array<[number, number]> = [];
  let s = start;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c !== 10 && c !== 13) continue;
    lines.push([s, i]);
    if (c === 13 && i + 1 < end && text.charCodeAt(i + 1) === 10) i++;
    s = i + 1;
  }
  lines.push([s, end]);
  return lines;
}

const WORDISH = /[\p{L}\p{M}]/u;
const NUMBER = /\p{N}/u;
/** Character class of the code point at `i` for token-boundary cuts: 1 letter or mark, 2 number, 3 white space, 4 other. */
function cutClass(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c < 128) {
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90)) return 1;
    if (c >= 48 && c <= 57) return 2;
    return c === 32 || (c >= 9 && c <= 13) ? 3 : 4;
  }
  if (isSpaceCode(c) || c === 0x3000 || c === 0x2028 || c === 0x2029) return 3;
  // CJK ideographs (Unified, Extension A) and Hangul syllables are all letters (Lo): skip the regex on long CJK runs
  if ((c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0xac00 && c <= 0xd7a3)) return 1;
  const ch = String.fromCodePoint(text.codePointAt(i)!);
  return WORDISH.test(ch) ? 1 : NUMBER.test(ch) ? 2 : 4;
}

/** Characters that join the grapheme before them although they are not marks (ZWJ/ZWNJ, emoji modifiers, tags). */
function extendsGrapheme(text: string, i: number): boolean {
  const c = text.codePointAt(i)!;
  return c === 0x200d || c === 0x200c || (c >= 0x1f3fb && c <= 0x1f3ff) || (c >= 0xe0020 && c <= 0xe007f);
}

/**
 * True when `p` (inside an unbroken run) is a boundary of the BPE pre-tokenizers (GPT-style split regexes): after a
 * letter or number run and before a different class, or after other symbols and before a number. A cut there never
 * splits a pre-token, so a one-pass range count (a token placed by its first non-space character) gives each side its
 * true count; it never falls inside a surrogate pair or before a grapheme extender either.
 */
function isTokenBoundary(text: string, p: number): boolean {
  const c = text.charCodeAt(p);
  if (c >= 0xdc00 && c <= 0xdfff) return false;
  if (c === 39 || c === 0x2019) return false; // contractions ('s, 'll) stay with their word
  let q = p - 1;
  if (q > 0 && text.charCodeAt(q) >= 0xdc00 && text.charCodeAt(q) <= 0xdfff) q--;
  const before = cutClass(text, q);
  const after = cutClass(text, p);
  if (before === after || before === 3 || after === 3) return false;
  if (extendsGrapheme(text, p)) return false;
  // letters after other symbols belong to them ("-word", ".To"): not a boundary
  return !(before === 4 && after === 1);
}

function isBlank(text: string, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (!isSpaceCode(text.charCodeAt(i))) return false;
  return true;
}

function trimRange(text: string, s: number, e: number): [number, number] {
  while (s < e && (isSpaceCode(text.charCodeAt(s)) || text.charCodeAt(s) === 10)) s++;
  while (e > s && (isSpaceCode(text.charCodeAt(e - 1)) || text.charCodeAt(e - 1) === 10)) e--;
  return [s, e];
}

function lastNonSpace(text: string, s: number, e: number): number {
  for (let i = e - 1; i >= s; i--) {
    const c = text.charCodeAt(i);
    if (!isSpaceCode(c)) return c;
  }
  return 0;
}
function firstNonSpace(text: string, s: number, e: number): number {
  for (let i = s; i < e; i++) {
    const c = text.charCodeAt(i);
    if (!isSpaceCode(c)) return c;
  }
  return 0;
}

function endsClause(c: number): boolean {
  // . ! ? : ; " ' ) ] … and CJK full stops
  return c === 46 || c === 33 || c === 63 || c === 58 || c === 59 || c === 34 || c === 39 || c === 41 || c === 93 || c === 0x2026 || c === 0x3002 || c === 0x201d;
}
function endsSentence(c: number): boolean {
  return c === 46 || c === 33 || c === 63 || c === 0x3002 || c === 0x2026;
}

/** A plain-text / Markdown segmenter (the default). */
export function structuredTextSegmenter(options: StructuredTextSegmenterOptions = {}): Segmenter {
  const maxLine = options.maxLineUnitLength ?? 320;
  const maxSentence = options.maxSentenceLength ?? 1200;
  const blockHeaders = options.blockHeaders ?? true;
  const titleAnchors = options.titleAnchors ?? false;

  function addUnit(b: Builder, source: number, section: number, block: number, start: number, end: number, kind: UnitKind, positionInBlock: number, anchor: number): number {
    const index = b.units.length;
    b.units.push({ index, source, section, block, start, end, kind, positionInBlock, anchor });
    return index;
  }

  /** Emits sentence units for text[s, e), splitting over-long sentences at clause punctuation. */
  function addSentences(b: Builder, text: string, source: number, section: number, block: number, s: number, e: number, position: { n: number }, anchor: number): void {
    forEachSentence(text, s, e, (ss, se) => {
      if (se - ss <= maxSentence) {
        addUnit(b, source, section, block, ss, se, 'sentence', position.n++, anchor);
        return;
      }
      let from = ss;
      while (se - from > maxSentence) {
        let cut = -1;
        for (let i = from + maxSentence; i > from + (maxSentence >> 2); i--) {
          const c = text.charCodeAt(i);
          if ((c === 59 || c === 44 || c === 58) && isSpaceCode(text.charCodeAt(i + 1))) {
            cut = i + 1;
            break;
          }
        }
        if (cut === -1) {
          for (let i = from + maxSentence; i > from; i--) {
            if (isSpaceCode(text.charCodeAt(i))) {
              cut = i;
              break;
            }
          }
        }
        if (cut === -1) {
          // an unbroken run: cut where a pre-token ends (never inside one, so every piece is counted right), last in
          // the window, else the first one after it; with none, the rest of the run stays one unit (cut when it must be)
          for (let i = from + maxSentence; i > from + (maxSentence >> 2); i--) {
            if (isTokenBoundary(text, i)) {
              cut = i;
              break;
            }
          }
          for (let i = from + maxSentence + 1; cut === -1 && i < se; i++) if (isTokenBoundary(text, i)) cut = i;
          if (cut === -1) break;
        }
        const [ts, te] = trimRange(text, from, cut);
        if (te > ts) addUnit(b, source, section, block, ts, te, 'sentence', position.n++, anchor);
        from = cut;
      }
      const [ts, te] = trimRange(text, from, se);
      if (te > ts) addUnit(b, source, section, block, ts, te, 'sentence', position.n++, anchor);
    });
  }

  /** A paragraph-like block made of lines (blank lines excluded). */
  function addTextBlock(b: Builder, text: string, source: number, section: number, lines: Array<[number, number]>, titleAnchor: number): void {
    if (lines.length === 0) return;
    const block = b.blocks.length;
    const unitStart = b.units.length;
    // join hard-wrapped lines into logical lines
    const logical: Array<{ s: number; e: number; joined: boolean }> = [];
    for (const [s, e] of lines) {
      const prev = logical[logical.length - 1];
      if (prev !== undefined) {
        const last = lastNonSpace(text, prev.s, prev.e);
        const first = firstNonSpace(text, s, e);
        const continues = !endsClause(last) && first >= 97 && first <= 122;
        if (continues) {
          prev.e = e;
          prev.joined = true;
          continue;
        }
      }
      logical.push({ s, e, joined: false });
    }
    const position = { n: 0 };
    let anchor = titleAnchor;
    let from = 0;
    const firstLine = logical[0];
    if (blockHeaders && logical.length > 1 && firstLine !== undefined && !firstLine.joined) {
      const [hs, he] = trimRange(text, firstLine.s, firstLine.e);
      if (he - hs > 0 && he - hs <= 100 && !endsSentence(lastNonSpace(text, hs, he))) {
        anchor = addUnit(b, source, section, block, hs, he, 'heading', position.n++, titleAnchor);
        from = 1;
      }
    }
    const records = logical.length - from > 1;
    for (let k = from; k < logical.length; k++) {
      const line = logical[k] as { s: number; e: number; joined: boolean };
      const [s, e] = trimRange(text, line.s, line.e);
      if (e <= s) continue;
      if (records && !line.joined && e - s <= maxLine) addUnit(b, source, section, block, s, e, 'line', position.n++, anchor);
      else addSentences(b, text, source, section, block, s, e, position, anchor);
    }
    pushGroup(b.blocks, block, source, b.units, unitStart);
  }

  function pushGroup(groups: Group[], index: number, source: number, units: readonly Unit[], unitStart: number): void {
    const unitEnd = units.length;
    if (unitEnd === unitStart) return;
    const first = units[unitStart] as Unit;
    const last = units[unitEnd - 1] as Unit;
    groups.push({ index, source, start: first.start, end: last.end, unitStart, unitEnd });
  }

  function segmentSource(b: Builder, src: Source): void {
    const text = src.text;
    const source = src.index;
    let section = b.sections.length;
    let sectionUnitStart = b.units.length;
    const closeSection = (): void => {
      pushGroup(b.sections, section, source, b.units, sectionUnitStart);
      if (b.units.length > sectionUnitStart) section = b.sections.length;
      sectionUnitStart = b.units.length;
    };
    let bodyStart = 0;
    let titleAnchor = -1;
    if (src.titleLength > 0) {
      const block = b.blocks.length;
      const unitStart = b.units.length;
      const [s, e] = trimRange(text, 0, src.titleLength);
      if (e > s) {
        const title = addUnit(b, source, section, block, s, e, 'title', 0, -1);
        if (titleAnchors) titleAnchor = title;
      }
      pushGroup(b.blocks, block, source, b.units, unitStart);
      bodyStart = src.titleLength;
    }
    const lines = lineRanges(text, bodyStart, text.length);
    const markdown = src.format === 'markdown';
    let paragraph: Array<[number, number]> = [];
    const flushParagraph = (): void => {
      addTextBlock(b, text, source, section, paragraph, titleAnchor);
      paragraph = [];
    };
    const deadline = activeDeadline();
    for (let li = 0; li < lines.length; li++) {
      deadline?.tick();
      const [s, e] = lines[li] as [number, number];
      if (isBlank(text, s, e)) {
        flushParagraph();
        continue;
      }
      if (!markdown) {
        paragraph.push([s, e]);
        continue;
      }
      const line = text.slice(s, Math.min(e, s + 200));
      const fence = FENCE.exec(line);
      if (fence !== null) {
        flushParagraph();
        const marker = (fence[1] as string).slice(0, 3);
        let endLine = li + 1;
        while (endLine < lines.length) {
          const [fs, fe] = lines[endLine] as [number, number];
          if (text.slice(fs, fe).trimStart().startsWith(marker)) break;
          endLine++;
        }
        const last = lines[Math.min(endLine, lines.length - 1)] as [number, number];
        const block = b.blocks.length;
        const unitStart = b.units.length;
        const [us, ue] = trimRange(text, s, last[1]);
        addUnit(b, source, section, block, us, ue, 'code-block', 0, titleAnchor);
        pushGroup(b.blocks, block, source, b.units, unitStart);
        li = endLine;
        continue;
      }
      if (HEADING.test(line)) {
        flushParagraph();
        closeSection();
        const block = b.blocks.length;
        const unitStart = b.units.length;
        const [us, ue] = trimRange(text, s, e);
        addUnit(b, source, section, block, us, ue, 'heading', 0, titleAnchor);
        pushGroup(b.blocks, block, source, b.units, unitStart);
        continue;
      }
      if (TABLE_ROW.test(line)) {
        flushParagraph();
        const block = b.blocks.length;
        const unitStart = b.units.length;
        let end = li;
        while (end + 1 < lines.length) {
          const [ns, ne] = lines[end + 1] as [number, number];
          if (!TABLE_ROW.test(text.slice(ns, Math.min(ne, ns + 20)))) break;
          end++;
        }
        let row = li;
        let header = -1;
        // header row + delimiter row form one unit, the anchor of the body rows
        const second = lines[li + 1];
        if (second !== undefined && li + 1 <= end && TABLE_DELIMITER.test(text.slice(second[0], second[1]))) {
          const [us, ue] = trimRange(text, s, second[1]);
          header = addUnit(b, source, section, block, us, ue, 'table-row', 0, titleAnchor);
          row = li + 2;
        }
        let position = header === -1 ? 0 : 1;
        for (; row <= end; row++) {
          const [rs, re] = lines[row] as [number, number];
          const [us, ue] = trimRange(text, rs, re);
          if (ue > us) addUnit(b, source, section, block, us, ue, 'table-row', position++, header);
        }
        pushGroup(b.blocks, block, source, b.units, unitStart);
        li = end;
        continue;
      }
      if (LIST_ITEM.test(line)) {
        flushParagraph();
        const block = b.blocks.length;
        const unitStart = b.units.length;
        const position = { n: 0 };
        const addItem = (from: number, to: number): void => {
          const [us, ue] = trimRange(text, from, to);
          if (ue <= us) return;
          // an item is kept whole; an over-long one is cut into sentences so that it can still be selected
          if (ue - us <= maxSentence) addUnit(b, source, section, block, us, ue, 'list-item', position.n++, titleAnchor);
          else addSentences(b, text, source, section, block, us, ue, position, titleAnchor);
        };
        let itemStart = s;
        let itemEnd = e;
        let k = li + 1;
        for (; k < lines.length; k++) {
          const [ns, ne] = lines[k] as [number, number];
          if (isBlank(text, ns, ne)) break;
          const next = text.slice(ns, Math.min(ne, ns + 200));
          if (LIST_ITEM.test(next)) {
            addItem(itemStart, itemEnd);
            itemStart = ns;
            itemEnd = ne;
            continue;
          }
          if (!INDENTED.test(next)) break; // an unindented line ends the list; it is read as a paragraph
          itemEnd = ne; // indented continuation line of the item
        }
        addItem(itemStart, itemEnd);
        pushGroup(b.blocks, block, source, b.units, unitStart);
        li = k - 1;
        continue;
      }
      paragraph.push([s, e]);
    }
    flushParagraph();
    closeSection();
  }

  return {
    name: 'structured-text',
    segment(sources: readonly Source[]): Segmentation {
      const b: Builder = { units: [], blocks: [], sections: [] };
      const deadline = activeDeadline();
      for (const src of sources) {
        deadline?.tick();
        segmentSource(b, src);
      }
      return { sources, units: b.units, blocks: b.blocks, sections: b.sections };
    },
  };
}
