/**
 * Optional peer dependencies of @ctxpress/node the server's configuration needs, checked at start: a Redis cache
 * without ioredis installed would otherwise only miss, silently, on every request. (The Llama 3 / Qwen tokenizers and
 * the tree-sitter parsers are per request: a request that needs a missing one gets a 500 with `DEPENDENCY_MISSING`.)
 * See docs/decisions/0016-optional-peer-dependencies.md.
 * @module
 */
import { isCtxpressError } from '@ctxpress/core';

/**
 * Throws `DEPENDENCY_MISSING` (whose message names the `npm install` line) when `cache` is a Redis URL and ioredis
 * cannot be loaded. A Redis server that is down is not an error here: the cache misses until it is back.
 */
export async function checkCacheDependency(cache: string | undefined): Promise<void> {
  if (cache === undefined || !/^rediss?:\/\//i.test(cache)) return;
  const node = await import('@ctxpress/node');
  let missing: Error | undefined;
  const probe = node.redisCacheStore({
    url: cache,
    connectTimeoutMs: 250,
    onError: (error) => {
      if (isCtxpressError(error) && error.code === 'DEPENDENCY_MISSING') missing = error;
    },
  });
  try {
    await probe.connect(); // loads ioredis first; its failure goes to onError
  } finally {
    await probe.close();
  }
  if (missing !== undefined) throw missing;
}
