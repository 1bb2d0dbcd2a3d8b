/**
 * Rule-based sentence boundaries over a range of text, one pass over char codes.
 * A boundary is sentence punctuation (. ! ? and CJK 。！？) plus closing quotes/brackets, then white space (or, for run-together
 * text like "useful.To", an upper-case letter right after a lower-case word), where the word before a period is not a known
 * abbreviation, a single initial or a number.
 * @module
 */

const ABBREVIATIONS: ReadonlySet<string> = new Set(
  'mr mrs ms dr prof sr jr st mt vs etc al eg ie e.g i.e cf fig figs no nos vol vols ed eds inc ltd co corp dept univ approx est jan feb mar apr jun jul aug sep sept oct nov dec gen col lt sgt capt rev gov sen rep pp op u.s u.k a.m p.m'.split(
    ' ',
  ),
);

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 0xa0 || c === 0x3000;
}
function isUpper(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 0xc0 && c <= 0xde);
}
function isLower(c: number): boolean {
  return c >= 97 && c <= 122;
}
function isClosing(c: number): boolean {
  return c === 34 || c === 39 || c === 41 || c === 93 || c === 0x201d || c === 0x2019 || c === 125;
}
function isCjkTerminal(c: number): boolean {
  return c === 0x3002 || c === 0xff01 || c === 0xff1f;
}

/** True when the period at `dot` ends an abbreviation, an initial or a number rather than a sentence. */
function isAbbreviationAt(text: string, dot: number, from: number): boolean {
  let s = dot;
  while (s > from) {
    const c = text.charCodeAt(s - 1);
    if (isLower(c) || isUpper(c) || c === 46) s--;
    else break;
  }
  const word = text.slice(s, dot).toLowerCase();
  if (word.length === 0) return false;
  if (word.length === 1 && isUpper(text.charCodeAt(s))) return true; // initial: "J. K. Rowling"
  if (ABBREVIATIONS.has(word)) return true;
  if (word.includes('.')) return true; // "U.S.", "e.g."
  return false;
}

/**
 * Splits `text[start, end)` into sentences; calls `emit(s, e)` for each, trimmed of surrounding white space.
 * Every non-space character of the range lies in exactly one emitted sentence.
 */
export function forEachSentence(text: string, start: number, end: number, emit: (s: number, e: number) => void): void {
  let sentenceStart = start;
  const push = (to: number): void => {
    let s = sentenceStart;
    let e = to;
    while (s < e && isSpace(text.charCodeAt(s))) s++;
    while (e > s && isSpace(text.charCodeAt(e - 1))) e--;
    if (e > s) emit(s, e);
  };
  let i = start;
  while (i < end) {
    const c = text.charCodeAt(i);
    const terminal = c === 46 || c === 33 || c === 63;
    if (!terminal && !isCjkTerminal(c)) {
      i++;
      continue;
    }
    if (isCjkTerminal(c)) {
      let j = i + 1;
      while (j < end && isClosing(text.charCodeAt(j))) j++;
      push(j);
      sentenceStart = j;
      i = j;
      continue;
    }
    // run of terminal punctuation ("?!", "...")
    let j = i + 1;
    while (j < end) {
      const d = text.charCodeAt(j);
      if (d === 46 || d === 33 || d === 63) j++;
      else break;
    }
    while (j < end && isClosing(text.charCodeAt(j))) j++;
    if (j >= end) break;
    const next = text.charCodeAt(j);
    if (isSpace(next)) {
      let k = j;
      while (k < end && isSpace(text.charCodeAt(k))) k++;
      if (k >= end) break;
      const first = text.charCodeAt(k);
      const startsSentence = !isLower(first);
      if (startsSentence && !(c === 46 && j === i + 1 && isAbbreviationAt(text, i, sentenceStart))) {
        push(j);
        sentenceStart = k;
      }
      i = k;
      continue;
    }
    // run-together sentences: "useful.To start" (lower-case word, period, capital then lower-case)
    if (
      c === 46 &&
      j === i + 1 &&
      isUpper(next) &&
      j + 1 < end &&
      isLower(text.charCodeAt(j + 1)) &&
      i - 2 >= sentenceStart &&
      isLower(text.charCodeAt(i - 1)) &&
      isLower(text.charCodeAt(i - 2))
    ) {
      push(j);
      sentenceStart = j;
    }
    i = j;
  }
  push(end);
}
