/**
 * Cached term bags of chat messages (what BM25 relevance needs of a message), so a grown conversation extracts terms
 * only from its new messages.
 * @module
 */
import { COUNT_CACHE_MIN_CHARS } from '../cache/count-cache.js';
import { hash128 } from '../cache/hash.js';
import { SEGMENT_CACHE_SCHEMA, type SegmentCacheOptions } from '../cache/segment-cache.js';
import { getSync, setQuietly } from '../cache/store.js';
import { messageText, termBag, termCounts, type TermBag } from './policy.js';
import type { ChatMessage } from './types.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function bagCacheKey(hash: (text: string) => string, text: string): string {
  return `cx${SEGMENT_CACHE_SCHEMA}:b:${hash(`${SEGMENT_CACHE_SCHEMA}\u0000bag\u0000${hash(text)}`)}`;
}

/**
 * Encoding: the occurrence count, then `\u0001term\u0002count` per distinct term, then `\u0001`. Reading a term's count is
 * one `indexOf` on the decoded string, so a cached bag is never parsed term by term (terms never contain U+0001/U+0002).
 */
function encodeBag(length: number, counts: ReadonlyMap<string, number>): Uint8Array | undefined {
  let out = String(length);
  for (const [term, count] of counts) {
    if (term.includes('\u0001') || term.includes('\u0002')) return undefined;
    out += `\u0001${term}\u0002${count}`;
  }
  return encoder.encode(`${out}\u0001`);
}

/** A miss (undefined) for anything not in the encoding above. */
function decodeBag(bytes: Uint8Array): TermBag | undefined {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return undefined;
  }
  const first = text.indexOf('\u0001');
  if (first < 1 || text.charCodeAt(text.length - 1) !== 1) return undefined;
  const length = Number(text.slice(0, first));
  if (!Number.isInteger(length) || length < 0) return undefined;
  const body = text.slice(first);
  return {
    length,
    count(term) {
      const at = body.indexOf(`\u0001${term}\u0002`);
      if (at < 0) return 0;
      const from = at + term.length + 2;
      const end = body.indexOf('\u0001', from);
      const count = Number(body.slice(from, end));
      return Number.isInteger(count) && count > 0 ? count : 0;
    },
  };
}

/** Decoded bags by the identity of the stored bytes (an in-memory store returns the same array on every read). */
const decodedBags = new WeakMap<Uint8Array, TermBag>();

/** `messageBag` through the cache (messages whose scored text is short are computed directly). */
export function cachedBags(cache: SegmentCacheOptions): (m: ChatMessage) => TermBag {
  const hash = cache.hash ?? hash128;
  return (m) => {
    const text = messageText(m);
    if (text.length < COUNT_CACHE_MIN_CHARS) return termBag(text);
    const key = bagCacheKey(hash, text);
    const bytes = getSync(cache.store, key);
    let found = bytes === undefined ? undefined : decodedBags.get(bytes);
    if (found === undefined && bytes !== undefined) {
      found = decodeBag(bytes);
      if (found !== undefined) decodedBags.set(bytes, found);
    }
    if (found !== undefined) return found;
    const { length, counts } = termCounts(text);
    const encoded = encodeBag(length, counts);
    if (encoded !== undefined) setQuietly(cache.store, key, encoded);
    return { length, count: (term) => counts.get(term) ?? 0 };
  };
}

/** The bag keys of messages (only those whose scored text is long enough to be cached). */
export function bagCacheKeys(hash: (text: string) => string, messages: readonly ChatMessage[]): string[] {
  const keys: string[] = [];
  for (const m of messages) {
    const text = messageText(m);
    if (text.length >= COUNT_CACHE_MIN_CHARS) keys.push(bagCacheKey(hash, text));
  }
  return keys;
}
