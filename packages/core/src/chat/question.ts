/**
 * Finding the question (or instruction) inside a long user message: the part a RAG prompt or a stuffed request puts
 * around its material (documents, pasted files, logs). That part is kept verbatim and is what the material is scored
 * against; the material in between is compressed like documents.
 *
 * Rules, in order (docs/decisions/0014-chat-on-the-shared-pipeline.md):
 * 1. A tagged question: the last `<question>…</question>` element (also `query`, `task`, `instruction(s)`, `request`).
 * 2. A labelled question: the last line starting with `Question:` / `Q:` / `Query:` / `Task:` / `Instruction(s):` /
 *    `Request:` / `User question:` (Markdown emphasis and heading marks allowed), when it is near the end (what follows
 *    its paragraph is short) or near the start (in the first fifth, and the last paragraph does not ask a question of
 *    its own): that paragraph, and when it is near the end, everything after it.
 * 3. The trailing paragraphs after the material, while together they stay short (`TRAILING_WORDS`); when the last
 *    paragraph alone is long, its trailing sentences up to the last question sentence (or the last sentence).
 * 4. A short leading paragraph (`LEADING_WORDS`) that asks or instructs (a question mark, a closing colon, a label, or
 *    an instruction cue such as "Answer", "Use the following", "Based on").
 * The query is the text of the ranges that ask (a question mark, a tag or a label); when none does, all of them.
 * @module
 */
import { paragraphRanges } from '../text/paragraphs.js';

/** Trailing paragraphs are taken while they hold at most this many words together. */
export const TRAILING_WORDS = 80;
/** A leading paragraph of at most this many words may be an instruction. */
export const LEADING_WORDS = 50;

export interface QuestionParts {
  /** Sorted, non-overlapping `[start, end)` ranges of the text that are the question or an instruction: kept verbatim. */
  readonly ranges: ReadonlyArray<readonly [number, number]>;
  /** What the rest is scored against. */
  readonly query: string;
}

const TAGGED = /<(question|query|task|instructions?|request|user_query|user_question)>[\s\S]*?<\/\1\s*>/gi;
const LABEL =
  /^[ \t]*(?:#{1,6}[ \t]*|>[ \t]*)?(?:\*\*|__|\*|_)?(?:question|q|query|task|instructions?|request|user question|user query|user request)(?:[ \t]*\d+)?(?:\*\*|__|\*|_)?[ \t]*[:：]/gim;
const INSTRUCTION_CUE =
  /^\s*(?:answer|use|using|given|based on|read|respond|reply|summari[sz]e|explain|please|you are|you will|here (?:are|is)|below|the following|consider|according to|from the|find|write|list|tell me)\b/i;
const QUESTION_WORD = /^\s*(?:who|whom|whose|what|when|where|which|why|how|is|are|was|were|do|does|did|can|could|should|would|will|has|have|had)\b/i;

function words(text: string, start: number, end: number): number {
  let n = 0;
  let inWord = false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    const space = c === 32 || c === 10 || c === 13 || c === 9;
    if (!space && !inWord) n++;
    inWord = !space;
  }
  return n;
}

/** Sentence starts inside `[start, end)`: after `.`, `?`, `!` (and closing quotes/brackets) followed by white space, or a line break. */
function sentenceStarts(text: string, start: number, end: number): number[] {
  const starts = [start];
  const re = /[.?!…]["'”’)\]]*\s+|\n+/g;
  re.lastIndex = start;
  for (let m = re.exec(text); m !== null && m.index < end; m = re.exec(text)) {
    const next = m.index + m[0].length;
    if (next < end) starts.push(next);
  }
  return starts;
}

function asks(text: string, start: number, end: number): boolean {
  const s = text.slice(start, end);
  return s.includes('?') || QUESTION_WORD.test(s);
}

function merge(ranges: Array<[number, number]>): Array<[number, number]> {
  ranges.sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const r of ranges) {
    const last = out[out.length - 1];
    if (last !== undefined && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

/**
 * The question/instruction ranges of a long user message and the query to score its material against (see the module
 * comment for the rules). A text that is all question (no material found) comes back as one whole range.
 */
export function findQuestion(text: string): QuestionParts {
  const paras = paragraphRanges(text);
  if (paras.length === 0) return { ranges: [], query: '' };
  const total = words(text, 0, text.length);
  const ranges: Array<[number, number]> = [];
  const asking: Array<[number, number]> = [];
  let trailingFound = false;

  // 1. tagged
  let tagged: [number, number] | undefined;
  TAGGED.lastIndex = 0;
  for (let m = TAGGED.exec(text); m !== null; m = TAGGED.exec(text)) tagged = [m.index, m.index + m[0].length];
  if (tagged !== undefined) {
    ranges.push(tagged);
    asking.push(tagged);
    if (words(text, tagged[1], text.length) <= TRAILING_WORDS) {
      ranges.push([tagged[1], text.length]);
      trailingFound = true;
    }
  }

  // 2. labelled
  if (tagged === undefined) {
    let label = -1;
    LABEL.lastIndex = 0;
    for (let m = LABEL.exec(text); m !== null; m = LABEL.exec(text)) {
      const at = m.index + (m[0].length - m[0].trimStart().length);
      const para = paras.find(([s, e]) => at >= s && at < e);
      if (para === undefined) continue;
      const tail = words(text, para[1], text.length);
      const nearEnd = tail <= TRAILING_WORDS;
      // near the start only when the end does not ask a question of its own (a FAQ inside the material)
      const last = paras[paras.length - 1]!;
      const nearStart = words(text, 0, at) <= total * 0.2 && para !== last && !asks(text, last[0], last[1]);
      if (nearEnd || nearStart) label = at;
    }
    if (label >= 0) {
      const para = paras.find(([s, e]) => label >= s && label < e)!;
      const nearEnd = words(text, para[1], text.length) <= TRAILING_WORDS;
      const range: [number, number] = [label, nearEnd ? text.length : para[1]];
      // a labelled line inside a long paragraph: the label's line and the lines after it in that paragraph
      ranges.push(range);
      asking.push([label, para[1]]);
      if (nearEnd) trailingFound = true;
    }
  }

  // 3. trailing paragraphs
  if (!trailingFound) {
    let k = paras.length - 1;
    let taken = 0;
    let from = -1;
    while (k >= 1) {
      const [s, e] = paras[k]!;
      const w = words(text, s, e);
      if (taken + w > TRAILING_WORDS) break;
      taken += w;
      from = s;
      k--;
    }
    if (from >= 0) {
      ranges.push([from, text.length]);
      for (let j = k + 1; j < paras.length; j++) if (asks(text, paras[j]![0], paras[j]![1])) asking.push([paras[j]![0], paras[j]![1]]);
    } else {
      // the last paragraph is long: its trailing sentences up to the last question sentence, or its last sentence
      const [s, e] = paras[paras.length - 1]!;
      const starts = sentenceStarts(text, s, e);
      let chosen = starts[starts.length - 1]!;
      let w = 0;
      for (let j = starts.length - 1; j >= 0; j--) {
        const end = j + 1 < starts.length ? starts[j + 1]! : e;
        w += words(text, starts[j]!, end);
        if (w > TRAILING_WORDS) break;
        if (text.slice(starts[j]!, end).includes('?')) chosen = starts[j]!;
      }
      ranges.push([chosen, text.length]);
      if (asks(text, chosen, text.length)) asking.push([chosen, text.length]);
    }
  }

  // 4. a short leading instruction or question
  const [ls, le] = paras[0]!;
  if (paras.length > 1 && words(text, ls, le) <= LEADING_WORDS) {
    const lead = text.slice(ls, le);
    const isQuestion = lead.includes('?');
    LABEL.lastIndex = 0;
    if (isQuestion || /:\s*$/.test(lead) || INSTRUCTION_CUE.test(lead) || LABEL.exec(lead)?.index === 0) {
      ranges.push([ls, le]);
      if (isQuestion) asking.push([ls, le]);
    }
  }

  const merged = merge(ranges);
  const queryRanges = merge(asking.length > 0 ? asking : ranges.map((r) => [r[0], r[1]] as [number, number]));
  return { ranges: merged, query: queryRanges.map(([s, e]) => text.slice(s, e).trim()).join('\n') };
}
