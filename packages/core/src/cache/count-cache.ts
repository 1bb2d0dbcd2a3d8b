/**
 * Cached token counts of whole texts (chat messages, tool results, tool-call arguments): one small entry per text,
 * keyed by the tokenizer's name and the text's hash. A conversation that grew by one turn recounts only the new turn.
 * Short texts are counted directly: hashing them would cost about as much as counting.
 * @module
 */
import type { Tokenizer } from '../types.js';
import { exactCount } from '../exact-count.js';
import { hash128 } from './hash.js';
import { SEGMENT_CACHE_SCHEMA } from './segment-cache.js';
import type { SegmentCacheOptions } from './segment-cache.js';
import { getSync, setQuietly } from './store.js';

/** Texts shorter than this (UTF-16 code units) are never looked up. */
export const COUNT_CACHE_MIN_CHARS = 128;
const COUNT_MAGIC = 0x43584e31; // "CXN1"

export function countCacheKey(hash: (text: string) => string, tokenizer: Tokenizer, text: string): string {
  return `cx${SEGMENT_CACHE_SCHEMA}:n:${hash(`${SEGMENT_CACHE_SCHEMA}\u0000${tokenizer.name}\u0000${hash(text)}`)}`;
}

function encodeCount(count: number): Uint8Array {
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint32(0, COUNT_MAGIC, true);
  view.setUint32(4, count, true);
  return out;
}

/** The count, or undefined when the entry is not one (a miss). A count above 4 tokens per code unit cannot be right. */
function decodeCount(bytes: Uint8Array, text: string): number | undefined {
  if (bytes.byteLength !== 8) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, 8);
  if (view.getUint32(0, true) !== COUNT_MAGIC) return undefined;
  const count = view.getUint32(4, true);
  return count <= text.length * 4 ? count : undefined;
}

/** The exact count (`exactCount`), read from and written to the cache for texts of `COUNT_CACHE_MIN_CHARS` or more. */
export function cachedCounter(tokenizer: Tokenizer, cache: SegmentCacheOptions | undefined): (text: string) => number {
  if (cache === undefined) return (text) => exactCount(tokenizer, text);
  const hash = cache.hash ?? hash128;
  return (text) => {
    if (text.length < COUNT_CACHE_MIN_CHARS) return exactCount(tokenizer, text);
    const key = countCacheKey(hash, tokenizer, text);
    const bytes = getSync(cache.store, key);
    const found = bytes === undefined ? undefined : decodeCount(bytes, text);
    if (found !== undefined) return found;
    const count = exactCount(tokenizer, text);
    setQuietly(cache.store, key, encodeCount(count));
    return count;
  };
}

/** The count keys a set of texts would read (only those long enough to be cached). */
export function countCacheKeys(hash: (text: string) => string, tokenizer: Tokenizer, texts: Iterable<string>): string[] {
  const keys: string[] = [];
  for (const text of texts) if (text.length >= COUNT_CACHE_MIN_CHARS) keys.push(countCacheKey(hash, tokenizer, text));
  return keys;
}
