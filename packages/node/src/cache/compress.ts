/**
 * `compress()` with a cache for @ctxpress/node: any store (sync or async) by prefetching the keys the synchronous core
 * will read, then writing back what it computed. See docs/decisions/0010-segment-cache.md.
 * @module
 */
import { createHash } from 'node:crypto';
import { checkLimitOptions, compressSync, CtxpressError } from '@ctxpress/core';
import type { CompressInput, CompressOptions, CompressionResult, Tokenizer } from '@ctxpress/core';
import { memoryCacheStore, segmentCacheKeysFor, tieredCacheStore } from '@ctxpress/core/cache';
import type { CacheStore, SegmentCacheOptions } from '@ctxpress/core/cache';
import { resolveTokenizer } from '../structured.js';
import { fileCacheStore } from './file-store.js';
import { memoHash, prefetch, type CacheEvent } from './prefetch.js';

export type { CacheEvent } from './prefetch.js';
import { isRedisUrl, redisCacheStore } from './redis-store.js';

/**
 * A store, `'memory'` (one process-wide LRU of 256 MiB), `{ directory, maxBytes? }` (a `fileCacheStore`, one per
 * folder), a `redis://…` / `rediss://…` URL (a `redisCacheStore` with its defaults, one per URL, kept for the process's
 * life; it does not keep the process alive when idle) or core's `{ store }` form. Keys are always hashed with SHA-256 here.
 */
export type NodeCacheOption =
  | CacheStore
  | 'memory'
  | `redis://${string}`
  | `rediss://${string}`
  | { readonly directory: string; readonly maxBytes?: number }
  | SegmentCacheOptions;

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
const redisStores = new Map<string, CacheStore>();

/**
 * The store behind a `cache` option (the same object for the same `'memory'`, directory or Redis URL). A directory or
 * a Redis URL gets a 64 MiB in-memory front per process (`tieredCacheStore`): repeated documents are then read from
 * memory, and the disk or Redis holds what outlives the process or is shared between processes.
 */
export function resolveCacheStore(cache: NodeCacheOption): CacheStore {
  if (cache === 'memory') return (sharedMemory ??= memoryCacheStore({ maxBytes: 256 * 1024 * 1024 }));
  if (isRedisUrl(cache)) {
    const url = cache.trim();
    let found = redisStores.get(url);
    if (found === undefined) {
      found = tieredCacheStore({ back: redisCacheStore({ url }) }); // throws INVALID_OPTION for a malformed URL
      redisStores.set(url, found);
    }
    return found;
  }
  if (typeof cache === 'object' && cache !== null) {
    if (typeof (cache as CacheStore).get === 'function' && typeof (cache as CacheStore).set === 'function') return cache as CacheStore;
    const store = (cache as { store?: unknown }).store;
    if (typeof store === 'object' && store !== null && typeof (store as CacheStore).get === 'function' && typeof (store as CacheStore).set === 'function') return store as CacheStore;
    const { directory, maxBytes } = cache as { directory?: unknown; maxBytes?: unknown };
    if (typeof directory === 'string' && directory.length > 0 && (maxBytes === undefined || (typeof maxBytes === 'number' && maxBytes >= 0))) {
      let found = fileStores.get(directory);
      if (found === undefined) {
        found = tieredCacheStore({ back: fileCacheStore(maxBytes === undefined ? { directory } : { directory, maxBytes }) });
        fileStores.set(directory, found);
      }
      return found;
    }
  }
  throw new CtxpressError('INVALID_OPTION', `options.cache must be 'memory', { directory: "path", maxBytes? }, a redis:// or rediss:// URL or a CacheStore { get, set }, got ${JSON.stringify(cache)}.`);
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
