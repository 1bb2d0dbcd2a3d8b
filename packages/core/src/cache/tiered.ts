/**
 * `tieredCacheStore`: a small in-memory LRU in front of a slower store (on disk, Redis). Keys name their content, so a
 * value never changes under its key and the front needs no invalidation. Reads that hit the front answer synchronously
 * with the front's own bytes (the same array each time, so decoded entries are reused, see segment-cache.ts); misses go
 * to the back store and fill the front. Writes go to the front at once and to the back store behind the caller (a
 * request does not wait for a disk or network write); `delete`, `clear` and `close` wait for the writes in flight.
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

export interface TieredCacheStore extends CacheStore {
  readonly front: MemoryCacheStore;
  readonly back: CacheStore;
  /** Resolves when every write to the back store so far has finished. */
  flush(): Promise<void>;
}

export function tieredCacheStore(options: TieredCacheStoreOptions): TieredCacheStore {
  const { back } = options;
  const front = memoryCacheStore({ maxBytes: options.frontMaxBytes ?? 64 * 1024 * 1024 });
  /** Keeps a value read from the back store in front, and answers with the front's copy when it fits. */
  const fill = (key: string, value: Uint8Array | undefined): Uint8Array | undefined => {
    if (!(value instanceof Uint8Array)) return undefined;
    front.set(key, value);
    return front.get(key) ?? value;
  };
  const pending = new Set<Promise<unknown>>();
  const settle = async (): Promise<void> => {
    while (pending.size > 0) await Promise.allSettled([...pending]);
  };
  return {
    name: `tiered:${back.name}`,
    front,
    back,
    get(key) {
      const hit = front.get(key);
      if (hit !== undefined) return hit;
      let value: ReturnType<CacheStore['get']>;
      try {
        value = back.get(key);
      } catch {
        return undefined; // a failing read is a miss
      }
      return isPromise(value) ? value.then((v) => fill(key, v), () => undefined) : fill(key, value);
    },
    getMany(keys) {
      const found: Array<Uint8Array | undefined> = keys.map((key) => front.get(key));
      const missing = keys.filter((_, i) => found[i] === undefined);
      if (missing.length === 0) return found;
      let fromBack: ReturnType<NonNullable<CacheStore['getMany']>>;
      try {
        fromBack = back.getMany !== undefined ? back.getMany(missing) : Promise.all(missing.map((key) => back.get(key)));
      } catch {
        return found; // a failing read is a miss
      }
      const merge = (values: ReadonlyArray<Uint8Array | undefined>): Array<Uint8Array | undefined> => {
        let k = 0;
        return found.map((value, i) => value ?? fill(keys[i]!, values[k++]));
      };
      return isPromise(fromBack) ? fromBack.then(merge, () => found) : merge(fromBack);
    },
    set(key, value) {
      front.set(key, value);
      let write: Promise<unknown>;
      try {
        write = Promise.resolve(back.set(key, value)).catch(() => undefined);
      } catch {
        return; // a failing back store costs the write, never the caller
      }
      pending.add(write);
      void write.finally(() => pending.delete(write));
    },
    async delete(key) {
      await settle();
      front.delete(key);
      await back.delete?.(key);
    },
    async clear() {
      await settle();
      front.clear();
      await back.clear?.();
    },
    async close() {
      await settle();
      front.close();
      await back.close?.();
    },
    /** Resolves when every write to the back store so far has finished. */
    flush: settle,
  };
}
