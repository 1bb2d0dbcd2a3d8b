/**
 * Paragraphs (blank-line separated) and white-space tests over ranges of a text, without slices or regexes per
 * character. Shared by the chat path's question finder and its passage / pasted-document cutting.
 * @module
 */

/** Exactly the characters JavaScript's `\s` matches. */
export function isWhiteSpace(c: number): boolean {
  return (
    c === 32 ||
    (c >= 9 && c <= 13) ||
    c === 0xa0 ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0xfeff ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x3000 ||
    c === 0x1680 ||
    c === 0x202f ||
    c === 0x205f
  );
}

/** True when `[start, end)` of the text holds a character that is not white space. */
export function hasNonSpace(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (!isWhiteSpace(text.charCodeAt(i))) return true;
  return false;
}

/**
 * The paragraphs of `text[start, end)`: ranges between blank lines (LF or CRLF, with spaces or tabs on the blank line),
 * trimmed of white space; empty ones left out.
 */
export function paragraphRanges(text: string, start = 0, end = text.length): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const re = /\r?\n[ \t]*(?:\r?\n[ \t]*)+/g;
  re.lastIndex = start;
  const push = (s: number, e: number): void => {
    while (s < e && isWhiteSpace(text.charCodeAt(s))) s++;
    while (e > s && isWhiteSpace(text.charCodeAt(e - 1))) e--;
    if (e > s) out.push([s, e]);
  };
  let at = start;
  for (let m = re.exec(text); m !== null && m.index < end; m = re.exec(text)) {
    push(at, m.index);
    at = m.index + m[0].length;
  }
  push(at, end);
  return out;
}
