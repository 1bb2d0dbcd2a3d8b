/**
 * The bridge between an async cache store and the synchronous core: read every key a call may need first (one
 * `getMany` round trip when the store has it), run the core against an in-memory view of those values, then write back
 * what it computed. Store failures are misses and dropped writes, never errors.
 * @module
 */
import type { CacheStore } from '@ctxpress/core/cache';

/** One lookup the compression made in the cache: `hit` when the stored value was used. */
export interface CacheEvent {
  readonly type: 'hit' | 'miss';
  readonly key: string;
}

export async function quietly<T>(run: () => T | Promise<T>): Promise<T | undefined> {
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

/** A synchronous view of `keys` read from `store`, and `flush()` to write back what was set on the view. */
export interface PrefetchedView {
  readonly view: CacheStore;
  flush(): Promise<void>;
}

export async function prefetch(store: CacheStore, keys: readonly string[], onCacheEvent?: (event: CacheEvent) => void): Promise<PrefetchedView> {
  const wanted = [...new Set(keys)];
  const getMany = store.getMany;
  const many = getMany === undefined || wanted.length === 0 ? undefined : await quietly(() => getMany.call(store, wanted));
  const found = Array.isArray(many) && many.length === wanted.length ? many : await Promise.all(wanted.map((key) => quietly(() => store.get(key))));
  const values = new Map<string, Uint8Array>();
  wanted.forEach((key, i) => {
    const value = found[i];
    if (value instanceof Uint8Array) values.set(key, value);
  });
  const writes: Array<[string, Uint8Array]> = [];
  const view: CacheStore = {
    name: `prefetched:${store.name}`,
    get: (key) => {
      const value = values.get(key);
      if (onCacheEvent !== undefined) quietlySync(() => onCacheEvent({ type: value === undefined ? 'miss' : 'hit', key }));
      return value;
    },
    set: (key, value) => {
      values.set(key, value);
      writes.push([key, value]);
    },
  };
  return {
    view,
    flush: async () => {
      await Promise.all(writes.map(([key, value]) => quietly(() => store.set(key, value))));
    },
  };
}

/**
 * SHA-256 (hex) remembered for one call: keys hash a text's own hash (see SEGMENT_CACHE_SCHEMA), and a call hashes the
 * same texts to prefetch and again inside the core, so each text is hashed once.
 */
export function memoHash(hash: (text: string) => string): (text: string) => string {
  const seen = new Map<string, string>();
  return (text) => {
    let h = seen.get(text);
    if (h === undefined) seen.set(text, (h = hash(text)));
    return h;
  };
}
