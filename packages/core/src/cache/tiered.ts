/**
 * `tieredCacheStore`: a small in-memory LRU in front of a slower store (on disk, Redis). Keys name their content, so a
 * value never changes under its key and the front needs no invalidation. Reads that hit the front answer synchronously
 * with the front's own bytes (the same array each time, so decoded entries are reused, see segment-cache.ts); misses go
 * to the back store and fill the front. Writes go to both.
 * @module
 */
import { memoryCacheStore, type CacheStore, type MemoryCacheStore } from './store.js';

export interface TieredCacheStoreOptions {
  /** The slow store behind the memory front. */
  readonly back: CacheStore;
  /** Bytes the memory front may hold (LRU). Default 64 MiB. */
  readonly frontMaxBytes?: number;
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

export function tieredCacheStore(options: TieredCacheStoreOptions): CacheStore & { readonly front: MemoryCacheStore; readonly back: CacheStore } {
  const { back } = options;
  const front = memoryCacheStore({ maxBytes: options.frontMaxBytes ?? 64 * 1024 * 1024 });
  /** Keeps a value read from the back store in front, and answers with the front's copy when it fits. */
  const fill = (key: string, value: Uint8Array | undefined): Uint8Array | undefined => {
    if (!(value instanceof Uint8Array)) return undefined;
    front.set(key, value);
    return front.get(key) ?? value;
  };
  return {
    name: `tiered:${back.name}`,
    front,
    back,
    get(key) {
      const hit = front.get(key);
      if (hit !== undefined) return hit;
      const value = back.get(key);
      return isPromise(value) ? value.then((v) => fill(key, v)) : fill(key, value);
    },
    getMany(keys) {
      const found: Array<Uint8Array | undefined> = keys.map((key) => front.get(key));
      const missing = keys.filter((_, i) => found[i] === undefined);
      if (missing.length === 0) return found;
      const fromBack = back.getMany !== undefined ? back.getMany(missing) : Promise.all(missing.map((key) => back.get(key)));
      const merge = (values: ReadonlyArray<Uint8Array | undefined>): Array<Uint8Array | undefined> => {
        let k = 0;
        return found.map((value, i) => value ?? fill(keys[i]!, values[k++]));
      };
      return isPromise(fromBack) ? fromBack.then(merge) : merge(fromBack);
    },
    set(key, value) {
      front.set(key, value);
      return back.set(key, value);
    },
    async delete(key) {
      front.delete(key);
      await back.delete?.(key);
    },
    async clear() {
      front.clear();
      await back.clear?.();
    },
    async close() {
      front.close();
      await back.close?.();
    },
  };
}
