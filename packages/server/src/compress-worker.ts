/**
 * The worker thread of the compression pool: runs one `/v1/compress` request or one proxy chat compression at a time
 * and posts the result (or the error's code and message) back. See worker-pool.ts.
 * @module
 */
import { parentPort } from 'node:worker_threads';
import { isCtxpressError } from '@ctxpress/core';
import type { CacheStore, NodeCacheOption } from '@ctxpress/node';
import { planCompress } from './compress-request.js';
import type { WorkerJob, WorkerReply } from './worker-pool.js';

let memoryStore: Promise<CacheStore> | undefined;
/** One Redis store per worker and URL; its connection ends with the worker (terminate closes its sockets). */
const redisStores = new Map<string, Promise<CacheStore>>();

function cacheOf(job: WorkerJob): (() => Promise<NodeCacheOption | undefined>) | undefined {
  const cache = job.cache;
  if (cache === undefined) return undefined;
  if (/^rediss?:\/\//i.test(cache)) {
    return () => {
      let store = redisStores.get(cache);
      if (store === undefined) {
        store = import('@ctxpress/node').then((node) => node.tieredCacheStore({ back: node.redisCacheStore({ url: cache }) }));
        redisStores.set(cache, store);
      }
      return store;
    };
  }
  if (cache === 'memory') {
    return () => (memoryStore ??= import('@ctxpress/node').then((node) => node.memoryCacheStore({ maxBytes: job.cacheMaxBytes ?? 256 * 1024 * 1024 })));
  }
  return async () => ({ directory: cache, ...(job.cacheMaxBytes === undefined ? {} : { maxBytes: job.cacheMaxBytes }) });
}

async function run(job: WorkerJob): Promise<WorkerReply> {
  try {
    let hits = 0;
    let misses = 0;
    const cache = cacheOf(job);
    if (job.kind === 'chat') {
      const node = await import('@ctxpress/node');
      const store = await cache?.();
      const options = job.options as Parameters<typeof node.compressChat>[1];
      const value = await node.compressChat(
        job.messages,
        store === undefined ? options : { ...options, cache: store, onCacheEvent: (event) => (event.type === 'hit' ? hits++ : misses++) },
      );
      return { id: job.id, ok: true, value, hits, misses };
    }
    const plan = planCompress(job.body, {
      regexKeep: job.regexKeep,
      ...(job.responseLimit === undefined ? {} : { responseLimit: job.responseLimit }),
      ...(cache === undefined ? {} : { cache }),
      onCacheEvent: (event) => (event.type === 'hit' ? hits++ : misses++),
    });
    const value = await plan.run();
    return { id: job.id, ok: true, value, hits, misses };
  } catch (error) {
    return {
      id: job.id,
      ok: false,
      error: isCtxpressError(error) ? { code: error.code, message: error.message } : { message: error instanceof Error ? error.message : String(error) },
    };
  }
}

// Load the library and the default tokenizer, and run the code once, before the first request arrives.
const warm = import('@ctxpress/node')
  .then((node) => node.compress('The rover has two solar arrays. Cold nights drain the battery.', { query: 'battery', budget: { tokens: 8 } }))
  .catch(() => undefined);

parentPort?.on('message', (job: WorkerJob) => {
  void warm.then(() => run(job)).then((reply) => parentPort?.postMessage(reply));
});
