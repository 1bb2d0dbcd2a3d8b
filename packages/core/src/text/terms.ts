/**
 * Identifier-aware term extraction for lexical scoring: lower-cased words, numbers kept whole ("3.5", "1,000"),
 * camelCase / snake_case identifiers emitted whole and split into parts, CJK characters one term each,
 * English stop words dropped, a light suffix stemmer so "limits" matches "limit".
 * One pass over char codes, no regular expressions on the hot path.
 * @module
 */

const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a about above after again against all am an and any are aren as at be because been before being below between both but by ' +
    'can cannot could couldn did didn do does doesn doing don down during each few for from further had hadn has hasn have haven ' +
    'having he her here hers herself him himself his how i if in into is isn it its itself just let me more most mustn my myself ' +
    'no nor not of off on once only or other ought our ours ourselves out over own same shan she should shouldn so some such than ' +
    'that the their theirs them themselves then there these they this those through to too under until up very was wasn we were ' +
    'weren what when where which while who whom why will with won would wouldn you your yours yourself yourselves s t ll re ve d m ' +
    'also yes yeah oh ok okay uh um hmm really like get got just much many well one would could'
  ).split(' '),
);

/** True when `word` (lower-case) is an English stop word. */
export function isStopWord(word: string): boolean {
  return STOP_WORDS.has(word);
}

/** Light English suffix stemmer (plural and -ing/-ed), applied identically to query and text. */
export function stem(word: string): string {
  const n = word.length;
  if (n <= 3) return word;
  const last = word.charCodeAt(n - 1);
  if (last === 115 /* s */) {
    if (word.endsWith('ies') && n > 4) return word.slice(0, -3) + 'y';
    if (word.endsWith('sses')) return word.slice(0, -2);
    if (word.endsWith('ss') || word.endsWith('us') || word.endsWith('is')) return word;
    return word.slice(0, -1);
  }
  if (n > 5 && word.endsWith('ing')) return word.slice(0, -3);
  if (n > 4 && word.endsWith('ed') && !word.endsWith('eed')) return word.slice(0, -2);
  return word;
}

function isAsciiLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isUpper(c: number): boolean {
  return c >= 65 && c <= 90;
}
function isCjk(c: number): boolean {
  return (c >= 0x3040 && c <= 0x30ff) || (c >= 0x3400 && c <= 0x9fff) || (c >= 0xac00 && c <= 0xd7af) || (c >= 0xf900 && c <= 0xfaff);
}
const UNICODE_WORD = /[\p{L}\p{N}\p{M}]/u;
function isWordChar(text: string, c: number, i: number): boolean {
  if (c < 128) return isAsciiLetter(c) || isDigit(c) || c === 95; /* _ */
  if (isCjk(c)) return false;
  return UNICODE_WORD.test(text[i] ?? '');
}

/** Word flags passed by `forEachWord`. */
export const WORD_DIGITS = 1;
export const WORD_APOSTROPHE = 2;
export const WORD_IDENTIFIER = 4;
export const WORD_CJK = 8;

/**
 * Calls `onWord(start, end, flags)` for every word of `text[start, end)`: runs of letters, digits and `_` (numbers keep
 * "3.5" and "1,000" whole, "don't" stays one word, a possessive 's is left out), and each CJK character on its own.
 * The flags depend only on the word's characters, so callers may cache by the word's text.
 */
export function forEachWord(text: string, start: number, end: number, onWord: (wordStart: number, wordEnd: number, flags: number) => void): void {
  const word = new Int32Array(3);
  for (let i = nextWord(text, start, end, word); i >= 0; i = nextWord(text, i, end, word)) onWord(word[0]!, word[1]!, word[2]!);
}

/**
 * The next word of `text[i, end)` as `forEachWord` finds it, without a callback (for hot loops): writes its start, end
 * and flags to `out[0..2]` and returns where to continue scanning, or returns -1 when there is no further word.
 */
export function nextWord(text: string, i: number, end: number, out: Int32Array): number {
  while (i < end) {
    const c = text.charCodeAt(i);
    const ascii = c < 128;
    if (ascii ? !((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95) : !isWordChar(text, c, i)) {
      if (!ascii && isCjk(c)) {
        out[0] = i;
        out[1] = i + 1;
        out[2] = WORD_CJK;
        return i + 1;
      }
      i++;
      continue;
    }
    const wordStart = i;
    let hasUpperInside = false;
    let hasUnderscore = false;
    let allDigits = true;
    let hasLower = false;
    let hasApostrophe = false;
    while (i < end) {
      const d = text.charCodeAt(i);
      if (d >= 97 && d <= 122) {
        allDigits = false;
        hasLower = true;
        i++;
        continue;
      }
      if (d >= 48 && d <= 57) {
        i++;
        continue;
      }
      if (d >= 65 && d <= 90) {
        allDigits = false;
        if (i > wordStart) hasUpperInside = true;
        i++;
        continue;
      }
      if (d === 95) {
        allDigits = false;
        hasUnderscore = true;
        i++;
        continue;
      }
      if (d >= 128 && isWordChar(text, d, i)) {
        allDigits = false;
        i++;
        continue;
      }
      // numbers keep their decimal point / thousands separator: 3.5, 1,000
      if ((d === 46 || d === 44) && allDigits && i + 1 < end && isDigit(text.charCodeAt(i + 1))) {
        i++;
        continue;
      }
      // apostrophe inside a word: keep "don't" as one word, leave out a possessive 's
      if ((d === 39 || d === 0x2019) && i + 1 < end && isAsciiLetter(text.charCodeAt(i + 1))) {
        const next = text.charCodeAt(i + 1) | 32;
        const after = i + 2 < end ? text.charCodeAt(i + 2) : 32;
        if (next === 115 /* s */ && !isWordChar(text, after, i + 2)) break; // possessive
        hasApostrophe = true;
        i++;
        continue;
      }
      break;
    }
    out[0] = wordStart;
    out[1] = i;
    out[2] = (allDigits ? WORD_DIGITS : 0) | (hasApostrophe ? WORD_APOSTROPHE : 0) | (hasUnderscore || (hasUpperInside && hasLower) ? WORD_IDENTIFIER : 0);
    // possessive: skip "'s"
    if (i < end && (text.charCodeAt(i) === 39 || text.charCodeAt(i) === 0x2019)) i += 2;
    return i;
  }
  return -1;
}

/**
 * Calls `emit(term, start, end)` for every term of `text[start, end)`; `start`/`end` are the word's offsets.
 * Identifier parts are emitted with the offsets of the whole word.
 */
export function forEachTerm(text: string, start: number, end: number, emit: (term: string, wordStart: number, wordEnd: number) => void): void {
  forEachWord(text, start, end, (ws, we, flags) => {
    termsOfWord(text.slice(ws, we), flags, (t) => emit(t, ws, we));
  });
}

/** The terms of one word (flags from `forEachWord`): its normalised form (unless a stop word) and, for identifiers, its parts. */
export function termsOfWord(raw: string, flags: number, emit: (term: string) => void): void {
  if (flags & WORD_CJK) {
    emit(raw);
    return;
  }
  const lower = flags & WORD_APOSTROPHE ? raw.toLowerCase().replace(/['\u2019]/g, '') : raw.toLowerCase();
  if (flags & WORD_DIGITS || lower.length === 0) {
    emit(lower);
    return;
  }
  if (!STOP_WORDS.has(lower)) emit(stem(lower));
  if (flags & WORD_IDENTIFIER) emitParts(raw, 0, 0, emit);
}

function emitParts(raw: string, wordStart: number, wordEnd: number, emit: (term: string, s: number, e: number) => void): void {
  let partStart = 0;
  const flush = (to: number): void => {
    if (to > partStart) {
      const part = raw.slice(partStart, to).toLowerCase();
      if (part.length > 1 && !STOP_WORDS.has(part)) emit(stem(part), wordStart, wordEnd);
    }
  };
  for (let k = 0; k < raw.length; k++) {
    const c = raw.charCodeAt(k);
    if (c === 95) {
      flush(k);
      partStart = k + 1;
    } else if (k > partStart && isUpper(c)) {
      const prev = raw.charCodeAt(k - 1);
      const next = k + 1 < raw.length ? raw.charCodeAt(k + 1) : 0;
      // boundary before an upper-case letter after a lower-case one (fooBar), or at the end of an acronym (HTTPServer)
      if (!isUpper(prev) || (next >= 97 && next <= 122)) {
        flush(k);
        partStart = k;
      }
    }
  }
  flush(raw.length);
}

/** All terms of `text`, in order (convenience; the pipeline uses `forEachTerm`). */
export function terms(text: string): string[] {
  const out: string[] = [];
  forEachTerm(text, 0, text.length, (t) => out.push(t));
  return out;
}
