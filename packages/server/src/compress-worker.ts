/**
 * The worker thread of the compression pool: runs one `/v1/compress` request or one proxy chat compression at a time
 * and posts the result (or the error's code and message) back. See worker-pool.ts.
 * @module
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { isCtxpressError } from '@ctxpress/core';
import type { NodeCacheOption, OwnedCacheStore } from '@ctxpress/node';
import { cacheSpec } from './cache-spec.js';
import { planCompress } from './compress-request.js';
import type { WorkerJob, WorkerReply } from './worker-pool.js';

/**
 * The worker's cache store, made on the first job that names one (every job of an app names the same setting); its
 * files or connection end with the worker thread (terminate closes its sockets).
 */
let opened: { readonly key: string; readonly store: Promise<OwnedCacheStore> } | undefined;

function cacheOf(job: WorkerJob): (() => Promise<NodeCacheOption | undefined>) | undefined {
  const cache = job.cache;
  if (cache === undefined) return undefined;
  const key = `${cache}\u0000${job.cacheMaxBytes ?? ''}`;
  return () => {
    if (opened?.key !== key) {
      void opened?.store.then((store) => store.close());
      opened = { key, store: import('@ctxpress/node').then((node) => node.createCacheStore(cacheSpec(cache, job.cacheMaxBytes))) };
    }
    return opened.store;
  };
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
    return { id: job.id, ok: true, value, hits, misses, ...(plan.format === undefined ? {} : { format: plan.format }) };
  } catch (error) {
    return {
      id: job.id,
      ok: false,
      error: isCtxpressError(error) ? { code: error.code, message: error.message } : { message: error instanceof Error ? error.message : String(error) },
    };
  }
}

// Load the library and the default tokenizer, and run the code once, before the first request arrives.
// a heavy-lane worker lowers its own thread's priority (on Linux, setpriority on 0 is the calling thread only), so
// normal requests' workers run first when the cores are busy (worker-pool.ts)
const lane = workerData as { readonly background?: boolean; readonly nice?: number } | undefined;
if (lane?.background === true) {
  try {
    setPriority(0, lane.nice ?? 10);
  } catch {
    // not permitted or not supported here: the lane still keeps heavy jobs off the normal workers
  }
}

const warm = import('@ctxpress/node')
  .then((node) => node.compress('The rover has two solar arrays. Cold nights drain the battery.', { query: 'battery', budget: { tokens: 8 } }))
  .catch(() => undefined);

parentPort?.on('message', (job: WorkerJob) => {
  void warm.then(() => run(job)).then((reply) => parentPort?.postMessage(reply));
});
