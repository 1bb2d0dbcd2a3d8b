/**
 * The segment cache: stores and the per-document cache used by `compressSync({ cache })`.
 * @module
 */
export { memoryCacheStore } from './store.js';
export { tieredCacheStore } from './tiered.js';
export type { TieredCacheStore, TieredCacheStoreOptions } from './tiered.js';
export type { CacheStore, MemoryCacheStore, MemoryCacheStoreOptions } from './store.js';
export { hash128 } from './hash.js';
export { SEGMENT_CACHE_SCHEMA, segmentCacheKeys, segmenterCacheId } from './segment-cache.js';
export type { SegmentCacheOptions, SegmentCacheKeys } from './segment-cache.js';
export { segmentCacheKeysFor } from './keys.js';
export { cachedCounter, countCacheKey, countCacheKeys, COUNT_CACHE_MIN_CHARS } from './count-cache.js';
// the CacheStore contract suite is a test helper: '@ctxpress/core/testing' (not shipped in this production entry)
