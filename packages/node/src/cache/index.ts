export { fileCacheStore } from './file-store.js';
export type { FileCacheStore, FileCacheStoreOptions } from './file-store.js';
export { compressWithCache, resolveCacheStore, sha256Hex } from './compress.js';
export type { CacheEvent, CachedCompressOptions, NodeCacheOption } from './compress.js';
