/**
 * Byte-faithful edits of a JSON request body: find the byte ranges of the top-level members of an object, replace one
 * member's value and remove others, leaving every other byte as the caller sent it (big integers, `1.0`, `\u` escapes,
 * key order and white space survive; re-serialising the parsed object would change them).
 *
 * The scanner works on the UTF-8 bytes: every structural character of JSON is ASCII, and no byte of a multi-byte UTF-8
 * sequence is below 0x80, so offsets are exact without decoding. It expects text that `JSON.parse` accepted.
 * @module
 */

/** One top-level member: `"key": value`, with the byte offsets of its key (first quote) and of its value. */
export interface JsonMember {
  /** The key, unescaped. */
  readonly key: string;
  readonly keyStart: number;
  readonly valueStart: number;
  /** One past the value's last byte. */
  readonly valueEnd: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function skipSpace(bytes: Uint8Array, at: number): number {
  while (at < bytes.length && isSpace(bytes[at])) at++;
  return at;
}

/** The offset one past the string starting at `at` (a quote), or -1 when it is not closed. */
function skipString(bytes: Uint8Array, at: number): number {
  for (let i = at + 1; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte === BACKSLASH) i++;
    else if (byte === QUOTE) return i + 1;
  }
  return -1;
}

/** The offset one past the value starting at `at`, or -1 when the text is not valid JSON there. */
function skipValue(bytes: Uint8Array, at: number): number {
  const first = bytes[at];
  if (first === QUOTE) return skipString(bytes, at);
  if (first === OPEN_OBJECT || first === OPEN_ARRAY) {
    let depth = 0;
    for (let i = at; i < bytes.length; i++) {
      const byte = bytes[i];
      if (byte === QUOTE) {
        i = skipString(bytes, i);
        if (i < 0) return -1;
        i--;
      } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) depth++;
      else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    return -1;
  }
  // number, true, false, null: up to the next delimiter
  let i = at;
  while (i < bytes.length && !isSpace(bytes[i]) && bytes[i] !== COMMA && bytes[i] !== CLOSE_OBJECT && bytes[i] !== CLOSE_ARRAY) i++;
  return i > at ? i : -1;
}

const decoder = new TextDecoder();

/**
 * The top-level members of a JSON object, in text order (duplicates included), or undefined when the text is not one
 * object (an array, a string, …) or not valid JSON.
 */
export function topLevelMembers(bytes: Uint8Array): JsonMember[] | undefined {
  let at = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) at = 3; // a byte-order mark
  at = skipSpace(bytes, at);
  if (bytes[at] !== OPEN_OBJECT) return undefined;
  at = skipSpace(bytes, at + 1);
  const members: JsonMember[] = [];
  if (bytes[at] === CLOSE_OBJECT) return skipSpace(bytes, at + 1) === bytes.length ? members : undefined;
  for (;;) {
    if (bytes[at] !== QUOTE) return undefined;
    const keyStart = at;
    const keyEnd = skipString(bytes, at);
    if (keyEnd < 0) return undefined;
    let key: string;
    try {
      key = JSON.parse(decoder.decode(bytes.subarray(keyStart, keyEnd))) as string;
    } catch {
      return undefined;
    }
    at = skipSpace(bytes, keyEnd);
    if (bytes[at] !== COLON) return undefined;
    const valueStart = skipSpace(bytes, at + 1);
    const valueEnd = skipValue(bytes, valueStart);
    if (valueEnd < 0) return undefined;
    members.push({ key, keyStart, valueStart, valueEnd });
    at = skipSpace(bytes, valueEnd);
    if (bytes[at] === COMMA) {
      at = skipSpace(bytes, at + 1);
      continue;
    }
    if (bytes[at] !== CLOSE_OBJECT) return undefined;
    return skipSpace(bytes, at + 1) === bytes.length ? members : undefined;
  }
}

export interface JsonEdit {
  /** Top-level members to remove (every occurrence), with the comma that separated them. */
  readonly remove?: readonly string[];
  /** New JSON text for the value of a top-level member (its last occurrence, the one `JSON.parse` reads). */
  readonly replace?: { readonly key: string; readonly json: string };
}

const encoder = new TextEncoder();

/**
 * The body with the edits applied and every other byte unchanged, or undefined when it is not a JSON object or a
 * member to replace is missing. Without anything to change it returns the very same bytes.
 */
export function editJsonObject(bytes: Uint8Array, edit: JsonEdit): Uint8Array | undefined {
  const members = topLevelMembers(bytes);
  if (members === undefined) return undefined;
  const removeKeys = new Set(edit.remove ?? []);
  const removed = members.map((member) => removeKeys.has(member.key));
  const ranges: { start: number; end: number; text: Uint8Array }[] = [];
  if (edit.replace !== undefined) {
    const { key, json } = edit.replace;
    let target: JsonMember | undefined;
    for (const member of members) if (member.key === key) target = member;
    if (target === undefined || removeKeys.has(key)) return undefined;
    ranges.push({ start: target.valueStart, end: target.valueEnd, text: encoder.encode(json) });
  }
  if (removed.some(Boolean)) {
    const empty = new Uint8Array(0);
    const firstKept = removed.indexOf(false);
    if (firstKept < 0) {
      // every member goes: the braces stay with the white space around them
      ranges.push({ start: members[0]!.keyStart, end: members.at(-1)!.valueEnd, text: empty });
    } else {
      // leading members go with the commas after them; later ones with the comma before them
      if (firstKept > 0) ranges.push({ start: members[0]!.keyStart, end: members[firstKept]!.keyStart, text: empty });
      for (let i = firstKept + 1; i < members.length; i++) {
        if (removed[i]) ranges.push({ start: members[i - 1]!.valueEnd, end: members[i]!.valueEnd, text: empty });
      }
    }
  }
  if (ranges.length === 0) return bytes;
  ranges.sort((a, b) => a.start - b.start);
  let size = bytes.length;
  for (const range of ranges) size += range.text.length - (range.end - range.start);
  const out = new Uint8Array(size);
  let from = 0;
  let to = 0;
  for (const range of ranges) {
    out.set(bytes.subarray(from, range.start), to);
    to += range.start - from;
    out.set(range.text, to);
    to += range.text.length;
    from = range.end;
  }
  out.set(bytes.subarray(from), to);
  return out;
}
