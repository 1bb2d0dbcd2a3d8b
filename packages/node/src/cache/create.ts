/**
 * `createCacheStore(spec)`: a new cache store that the caller owns and closes. The one place a spec (a word, a folder,
 * a URL) becomes a store, for the library, the CLI, the service and its worker threads alike.
 * @module
 */
import { CtxpressError } from '@ctxpress/core';
import { memoryCacheStore, tieredCacheStore } from '@ctxpress/core/cache';
import type { CacheStore } from '@ctxpress/core/cache';
import { fileCacheStore } from './file-store.js';
import { isRedisUrl, redisCacheStore, type RedisCacheStoreOptions } from './redis-store.js';

/**
 * What store to make:
 * - `'memory'` or `{ memory: { maxBytes? } }`: an in-process LRU (default 256 MiB);
 * - `{ directory, maxBytes? }`: files in that folder (0600/0700), behind a 64 MiB memory front;
 * - `'redis://…'` / `'rediss://…'` or `{ redis: RedisCacheStoreOptions }`: a shared Redis (needs the optional `ioredis`),
 *   behind a 64 MiB memory front.
 */
export type CacheSpec =
  | 'memory'
  | { readonly memory: { readonly maxBytes?: number } }
  | { readonly directory: string; readonly maxBytes?: number }
  | `redis://${string}`
  | `rediss://${string}`
  | { readonly redis: RedisCacheStoreOptions };

/** A store made by `createCacheStore`: `close()` writes what is in flight and releases files or the connection. */
export type OwnedCacheStore = CacheStore & { close(): Promise<void> };

const DEFAULT_MEMORY_BYTES = 256 * 1024 * 1024;

/** A new store for `spec` (INVALID_OPTION for a bad spec, with what to write instead). Close it when done. */
export function createCacheStore(spec: CacheSpec): OwnedCacheStore {
  if (spec === 'memory') return withClose(memoryCacheStore({ maxBytes: DEFAULT_MEMORY_BYTES }));
  if (typeof spec === 'string') {
    if (isRedisUrl(spec)) return withClose(tieredCacheStore({ back: redisCacheStore({ url: spec.trim() }) }));
  } else if (typeof spec === 'object' && spec !== null) {
    if ('memory' in spec && typeof spec.memory === 'object' && spec.memory !== null) {
      const maxBytes = spec.memory.maxBytes ?? DEFAULT_MEMORY_BYTES;
      checkBytes(maxBytes, 'memory.maxBytes');
      return withClose(memoryCacheStore({ maxBytes }));
    }
    if ('redis' in spec && typeof spec.redis === 'object' && spec.redis !== null) return withClose(tieredCacheStore({ back: redisCacheStore(spec.redis) }));
    if ('directory' in spec && typeof spec.directory === 'string' && spec.directory.length > 0) {
      if (spec.maxBytes !== undefined) checkBytes(spec.maxBytes, 'maxBytes');
      const back = fileCacheStore(spec.maxBytes === undefined ? { directory: spec.directory } : { directory: spec.directory, maxBytes: spec.maxBytes });
      return withClose(tieredCacheStore({ back }));
    }
  }
  throw new CtxpressError(
    'INVALID_OPTION',
    `createCacheStore: expected 'memory', { memory: { maxBytes } }, { directory, maxBytes? }, a redis:// or rediss:// URL or { redis: options }, got ${JSON.stringify(spec)}.`,
  );
}

function checkBytes(value: unknown, name: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new CtxpressError('INVALID_OPTION', `createCacheStore: ${name} must be a number of bytes ≥ 0, got ${JSON.stringify(value)}.`);
  }
}

function withClose(store: CacheStore): OwnedCacheStore {
  const close = store.close?.bind(store);
  return Object.assign(store, {
    async close(): Promise<void> {
      await close?.();
    },
  });
}
