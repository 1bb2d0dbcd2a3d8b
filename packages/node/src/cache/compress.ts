/**
 * `compress()` with a cache for @ctxpress/node: any store (sync or async) by prefetching the keys the synchronous core
 * will read, then writing back what it computed. See docs/decisions/0010-segment-cache.md.
 * @module
 */
import { createHash } from 'node:crypto';
import { compressSync, CtxpressError } from '@ctxpress/core';
import type { CompressInput, CompressOptions, CompressionResult, Tokenizer } from '@ctxpress/core';
import { memoryCacheStore, segmentCacheKeysFor } from '@ctxpress/core/cache';
import type { CacheStore, SegmentCacheOptions } from '@ctxpress/core/cache';
import { resolveTokenizer } from '../structured.js';
import { fileCacheStore } from './file-store.js';

/**
 * A store, `'memory'` (one process-wide LRU of 256 MiB), `{ directory, maxBytes? }` (a `fileCacheStore`, one per
 * folder) or core's `{ store }` form. Keys are always hashed with SHA-256 here.
 */
export type NodeCacheOption = CacheStore | 'memory' | { readonly directory: string; readonly maxBytes?: number } | SegmentCacheOptions;

/** One lookup the compression made in the cache: `hit` when the stored value was used. */
export interface CacheEvent {
  readonly type: 'hit' | 'miss';
  readonly key: string;
}

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

/** The store behind a `cache` option (the same object for the same `'memory'` or directory). */
export function resolveCacheStore(cache: NodeCacheOption): CacheStore {
  if (cache === 'memory') return (sharedMemory ??= memoryCacheStore({ maxBytes: 256 * 1024 * 1024 }));
  if (typeof cache === 'object' && cache !== null) {
    if (typeof (cache as CacheStore).get === 'function' && typeof (cache as CacheStore).set === 'function') return cache as CacheStore;
    const store = (cache as { store?: unknown }).store;
    if (typeof store === 'object' && store !== null && typeof (store as CacheStore).get === 'function' && typeof (store as CacheStore).set === 'function') return store as CacheStore;
    const { directory, maxBytes } = cache as { directory?: unknown; maxBytes?: unknown };
    if (typeof directory === 'string' && directory.length > 0 && (maxBytes === undefined || (typeof maxBytes === 'number' && maxBytes >= 0))) {
      let found = fileStores.get(directory);
      if (found === undefined) {
        found = fileCacheStore(maxBytes === undefined ? { directory } : { directory, maxBytes });
        fileStores.set(directory, found);
      }
      return found;
    }
  }
  throw new CtxpressError('INVALID_OPTION', `options.cache must be 'memory', { directory: "path", maxBytes? } or a CacheStore { get, set }, got ${JSON.stringify(cache)}.`);
}

async function quietly<T>(run: () => T | Promise<T>): Promise<T | undefined> {
  try {
    return await run();
  } catch {
    return undefined;
  }
}

function quietlySync(run: () => void): void {
  try {
    run();
  } catch {
    // a failing listener must not change the compression
  }
}

/**
 * Compresses like `compress()`, reusing per-document work from `options.cache`. Outputs are identical with and without
 * a cache; a failing store only costs the time to compute.
 */
export async function compressWithCache(input: CompressInput, options: CachedCompressOptions): Promise<CompressionResult> {
  const { cache, onCacheEvent, ...rest } = options;
  const base: CompressOptions = { ...rest, tokenizer: await resolveTokenizer(options.tokenizer) };
  if (cache === undefined) return compressSync(input, base);
  const store = resolveCacheStore(cache);
  let keys: ReturnType<typeof segmentCacheKeysFor>;
  try {
    keys = segmentCacheKeysFor(input, base, sha256Hex);
  } catch {
    return compressSync(input, base); // invalid input: the core reports it
  }
  if (keys === undefined) return compressSync(input, base);
  const wanted = [...new Set([...keys.sourceKeys, keys.countsKey])];
  const getMany = store.getMany;
  const many = getMany === undefined ? undefined : await quietly(() => getMany.call(store, wanted));
  const found = Array.isArray(many) && many.length === wanted.length ? many : await Promise.all(wanted.map((key) => quietly(() => store.get(key))));
  const prefetched = new Map<string, Uint8Array>();
  wanted.forEach((key, i) => {
    const value = found[i];
    if (value instanceof Uint8Array) prefetched.set(key, value);
  });
  const writes: Array<[string, Uint8Array]> = [];
  const view: CacheStore = {
    name: `prefetched:${store.name}`,
    get: (key) => {
      const value = prefetched.get(key);
      if (onCacheEvent !== undefined) quietlySync(() => onCacheEvent({ type: value === undefined ? 'miss' : 'hit', key }));
      return value;
    },
    set: (key, value) => {
      prefetched.set(key, value);
      writes.push([key, value]);
    },
  };
  const result = compressSync(input, { ...base, cache: { store: view, hash: sha256Hex } });
  await Promise.all(writes.map(([key, value]) => quietly(() => store.set(key, value))));
  return result;
}
