/**
 * A hand-written matcher for o200k_base's pre-tokenizer regex on ASCII text, for `countRanges`: the regex (Unicode
 * property classes, run by irregexp once per piece) was most of the one-pass count's time.
 *
 * `o200kPieceEnd(text, p)` returns where the regex's match at `p` ends, or −1 when any character the decision depends
 * on is not ASCII; the caller then runs the regex itself at `p`. The regex has no look-behind, so its match at `p`
 * depends only on `text[p..]`, and answering for ASCII only keeps the result exact: the Unicode classes reduce to
 * letters, digits and the six ASCII white-space characters, and every character read here (a run's last character
 * and the one that ends the run, the look-ahead) is checked. The tests compare it with the regex piece by piece.
 * @module
 */

/**
 * gpt-tokenizer 4's o200k_base split regex (flags `gu`). Alternatives, tried in order at `p`:
 * 1. `[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?:'(?:[sS]|[dD]|[mM]|[tT]|[lL][lL]|[vV][eE]|[rR][eE]))?`
 * 2. `[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?:'(?:…))?`
 * 3. `\p{N}{1,3}`
 * 4. ` ?[^\s\p{L}\p{N}]+[\r\n/]*`
 * 5. `\s*[\r\n]+`
 * 6. `\s+(?!\S)`
 * 7. `\s+`
 */
export const O200K_SPLIT_SOURCE =
  "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?:'(?:[sS]|[dD]|[mM]|[tT]|[lL][lL]|[vV][eE]|[rR][eE]))?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?:'(?:[sS]|[dD]|[mM]|[tT]|[lL][lL]|[vV][eE]|[rR][eE]))?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

// ASCII character classes
const LOWER = 1;
const UPPER = 2;
const DIGIT = 3;
/** White space other than CR and LF: tab, vertical tab, form feed, space. */
const SPACE = 4;
const NEWLINE = 5;
/** Everything else below 128 (punctuation, symbols, `_`, control characters): not \s, \p{L} or \p{N}. */
const OTHER = 6;
/** Not ASCII: the caller falls back to the regex. */
const WIDE = 7;

const ASCII_CLASS = new Uint8Array(128).fill(OTHER);
for (let c = 97; c <= 122; c++) ASCII_CLASS[c] = LOWER;
for (let c = 65; c <= 90; c++) ASCII_CLASS[c] = UPPER;
for (let c = 48; c <= 57; c++) ASCII_CLASS[c] = DIGIT;
for (const c of [9, 11, 12, 32]) ASCII_CLASS[c] = SPACE;
ASCII_CLASS[10] = NEWLINE;
ASCII_CLASS[13] = NEWLINE;

function classAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  return c < 128 ? ASCII_CLASS[c]! : WIDE;
}

/** After a word's letters at `i`: the end of an optional contraction `'s 'd 'm 't 'll 've 're` (any case). */
function contractionEnd(text: string, i: number, length: number): number {
  if (i + 1 >= length || text.charCodeAt(i) !== 39) return i;
  const a = text.charCodeAt(i + 1) | 32;
  if (a === 115 || a === 100 || a === 109 || a === 116) return i + 2; // s d m t
  if (i + 2 >= length) return i;
  const b = text.charCodeAt(i + 2) | 32;
  if ((a === 108 && b === 108) || (a === 118 && b === 101) || (a === 114 && b === 101)) return i + 3; // ll ve re
  return i;
}

/** End of the o200k_base pre-tokenizer piece that starts at `p` (< text.length), or −1 to ask the regex. */
export function o200kPieceEnd(text: string, p: number): number {
  const length = text.length;
  const first = classAt(text, p);
  if (first === WIDE) return -1;

  // 1 and 2: an optional prefix character that is not a letter, digit, CR or LF, then letters. Without the prefix, the
  // first character would itself have to be a letter, so a failed attempt with the prefix fails the alternative.
  const q = first === SPACE || first === OTHER ? p + 1 : p;
  let u = q;
  let k = q < length ? classAt(text, q) : 0;
  while (k === UPPER) k = ++u < length ? classAt(text, u) : 0;
  let l = u;
  while (k === LOWER) k = ++l < length ? classAt(text, l) : 0;
  if (k === WIDE) return -1; // a Unicode letter or mark may continue the word
  if (l > u) return contractionEnd(text, l, length); // 1: upper-case run (backtracking cannot help it), then lower-case
  if (u > q) return contractionEnd(text, u, length); // 2: upper-case run, no lower-case after it

  // 3: one to three digits
  if (first === DIGIT) {
    let e = p + 1;
    while (e < length && e < p + 3) {
      const c = classAt(text, e);
      if (c === WIDE) return -1;
      if (c !== DIGIT) break;
      e++;
    }
    return e;
  }

  // 4: an optional space, then a run of characters that are not white space, letters or digits, then CR/LF/'/'
  const s = text.charCodeAt(p) === 32 ? p + 1 : p;
  let e = s;
  k = e < length ? classAt(text, e) : 0;
  while (k === OTHER) k = ++e < length ? classAt(text, e) : 0;
  if (k === WIDE) return -1;
  if (e > s) {
    // then `[\r\n/]*` (a '/' right after the run is already in it, but one after a CR or LF is not)
    while (e < length) {
      const c = text.charCodeAt(e);
      if (c !== 10 && c !== 13 && c !== 47) break;
      e++;
    }
    return e;
  }
  // (with the space taken and nothing after it, retrying without the space fails: a space is white space)

  // 5–7: white space. `first` is SPACE or NEWLINE here (letters, digits and others were matched above).
  let w = p;
  let lastNewline = -1;
  for (; w < length; w++) {
    const c = classAt(text, w);
    if (c === WIDE) return -1; // may be Unicode white space
    if (c === NEWLINE) lastNewline = w;
    else if (c !== SPACE) break;
  }
  // 5: `\s*` backtracks to the last CR/LF of the run, which `[\r\n]+` then takes
  if (lastNewline >= 0) return lastNewline + 1;
  // 6: the whole run at the end of the text; else all but its last character, which `(?!\S)` needs before a non-space
  if (w === length) return w;
  if (w - p >= 2) return w - 1;
  // 7: a single white-space character
  return p + 1;
}
