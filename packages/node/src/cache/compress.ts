/**
 * `compress()` with a cache for @ctxpress/node: any store (sync or async) by prefetching the keys the synchronous core
 * will read, then writing back what it computed. See docs/decisions/0010-segment-cache.md.
 * @module
 */
import { createHash } from 'node:crypto';
import { compressSync, CtxpressError } from '@ctxpress/core';
import { checkLimitOptions, segmentCacheKeysFor } from '@ctxpress/core/internal';
import type { CompressInput, CompressOptions, CompressionResult, Tokenizer } from '@ctxpress/core';
import { memoryCacheStore } from '@ctxpress/core/cache';
import type { CacheStore, SegmentCacheOptions } from '@ctxpress/core/cache';
import { resolveTokenizer } from '../resolve-tokenizer.js';
import { memoHash, prefetch, type CacheEvent } from './prefetch.js';

export type { CacheEvent } from './prefetch.js';
import { isRedisUrl, redactRedisUrl } from './redis-store.js';
import { createCacheStore } from './create.js';

/**
 * The `cache` option of the node front door: a store you made (`createCacheStore(spec)`, `fileCacheStore`,
 * `redisCacheStore`, any `{ get, set }`), core's `{ store }` form, or two conveniences that hold no connection:
 * `'memory'` (one process-wide LRU of 256 MiB) and `{ directory, maxBytes? }` (one `fileCacheStore` per folder, with a
 * 64 MiB memory front). A Redis URL is not accepted here: a connection needs an owner who closes it — make the store
 * once with `createCacheStore('redis://…')`, pass it, and `close()` it when done. Keys are always hashed with SHA-256.
 */
export type NodeCacheOption = CacheStore | 'memory' | { readonly directory: string; readonly maxBytes?: number } | SegmentCacheOptions;

export type CachedCompressOptions = Omit<CompressOptions, 'tokenizer' | 'cache'> & {
  readonly tokenizer?: string | Tokenizer;
  readonly cache?: NodeCacheOption | undefined;
  /** Called for every cache lookup the compression makes (for metrics); never changes the result. */
  readonly onCacheEvent?: ((event: CacheEvent) => void) | undefined;
};

/** SHA-256 (hex) of a text: the key hash in @ctxpress/node. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

let sharedMemory: CacheStore | undefined;
const fileStores = new Map<string, CacheStore>();

/**
 * The store behind a `cache` option: the store itself, or the process-wide one for `'memory'` or a directory (the same
 * object for the same folder; a directory store holds no open handle between operations). INVALID_OPTION otherwise,
 * and for a Redis URL (see `NodeCacheOption`).
 */
export function resolveCacheStore(cache: NodeCacheOption): CacheStore {
  if (cache === 'memory') return (sharedMemory ??= memoryCacheStore({ maxBytes: 256 * 1024 * 1024 }));
  const given: unknown = cache; // a Redis URL is no longer in the type, but JavaScript callers may still pass one
  if (typeof given === 'string' && isRedisUrl(given)) {
    throw new CtxpressError(
      'INVALID_OPTION',
      `options.cache: a Redis URL needs a store you own — const store = createCacheStore('${redactRedisUrl(given.trim())}'); pass { cache: store }; await store.close() when done.`,
    );
  }
  if (typeof cache === 'object' && cache !== null) {
    if (typeof (cache as CacheStore).get === 'function' && typeof (cache as CacheStore).set === 'function') return cache as CacheStore;
    const store = (cache as { store?: unknown }).store;
    if (typeof store === 'object' && store !== null && typeof (store as CacheStore).get === 'function' && typeof (store as CacheStore).set === 'function') return store as CacheStore;
    const { directory, maxBytes } = cache as { directory?: unknown; maxBytes?: unknown };
    if (typeof directory === 'string' && directory.length > 0 && (maxBytes === undefined || (typeof maxBytes === 'number' && maxBytes >= 0))) {
      let found = fileStores.get(directory);
      if (found === undefined) {
        found = createCacheStore(maxBytes === undefined ? { directory } : { directory, maxBytes });
        fileStores.set(directory, found);
      }
      return found;
    }
  }
  throw new CtxpressError(
    'INVALID_OPTION',
    `options.cache must be 'memory', { directory: "path", maxBytes? } or a CacheStore { get, set } (createCacheStore(spec) makes one), got ${JSON.stringify(cache)}.`,
  );
}

/**
 * Compresses like `compress()`, reusing per-document work from `options.cache`. Outputs are identical with and without
 * a cache; a failing store only costs the time to compute.
 */
export async function compressWithCache(input: CompressInput, options: CachedCompressOptions): Promise<CompressionResult> {
  checkLimitOptions(options); // signal / timeLimitMs: checked before any await; the core checks the signal again before its work
  const { cache, onCacheEvent, ...rest } = options;
  const base: CompressOptions = { ...rest, tokenizer: await resolveTokenizer(options.tokenizer) };
  if (cache === undefined) return compressSync(input, base);
  const store = resolveCacheStore(cache);
  const hash = memoHash(sha256Hex);
  let keys: ReturnType<typeof segmentCacheKeysFor>;
  try {
    keys = segmentCacheKeysFor(input, base, hash);
  } catch {
    return compressSync(input, base); // invalid input: the core reports it
  }
  if (keys === undefined) return compressSync(input, base);
  const { view, flush } = await prefetch(store, [...keys.sourceKeys, keys.countsKey], onCacheEvent);
  const result = compressSync(input, { ...base, cache: { store: view, hash } });
  await flush();
  return result;
}
