export { fileCacheStore } from './file-store.js';
export type { FileCacheStore, FileCacheStoreOptions } from './file-store.js';
export { redisCacheStore, isRedisUrl, isValidRedisUrl, redactRedisUrl } from './redis-store.js';
export type { RedisCacheStore, RedisCacheStoreOptions, RedisCacheStoreUrlOptions, RedisCacheStoreClientOptions } from './redis-store.js';
export { compressWithCache, resolveCacheStore, sha256Hex } from './compress.js';
export type { CacheEvent, CachedCompressOptions, NodeCacheOption } from './compress.js';
export { createCacheStore } from './create.js';
export type { CacheSpec, OwnedCacheStore } from './create.js';
