/**
 * The segment cache stores (export "@ctxpress/core/cache"): `compressSync({ cache })` reuses per-document work
 * through any `CacheStore`. The cache keys and hashes behind them are in `@ctxpress/core/internal`.
 * @module
 */
export { memoryCacheStore } from './store.js';
export { tieredCacheStore } from './tiered.js';
export type { TieredCacheStore, TieredCacheStoreOptions } from './tiered.js';
export type { CacheStore, MemoryCacheStore, MemoryCacheStoreOptions } from './store.js';
export type { SegmentCacheOptions } from './segment-cache.js';
// the CacheStore contract suite is a test helper: '@ctxpress/core/testing' (not shipped in this production entry)
