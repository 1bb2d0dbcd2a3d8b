import type { CacheSpec } from '@ctxpress/node';

/** The `createCacheStore` spec of the service's `cache` setting (`memory`, a directory, or a Redis URL). */
export function cacheSpec(setting: string, maxBytes: number | undefined): CacheSpec {
  const cache = setting.trim();
  if (/^rediss?:\/\//i.test(cache)) return cache as `redis://${string}`;
  if (cache === 'memory') return { memory: maxBytes === undefined ? {} : { maxBytes } };
  return maxBytes === undefined ? { directory: cache } : { directory: cache, maxBytes };
}
