/**
 * Cache stores: one small byte-oriented key/value interface behind the in-memory LRU (here), the on-disk store
 * (`@ctxpress/node`) and, later, Redis. Methods may be synchronous or return promises: `compressSync` uses only stores
 * whose `get` answers synchronously (a promise counts as a miss); async front doors prefetch the keys they need.
 * @module
 */

/** A byte-valued key/value store. Keys are short ASCII strings (hex hashes with a prefix). */
export interface CacheStore {
  readonly name: string;
  get(key: string): Promise<Uint8Array | undefined> | Uint8Array | undefined;
  set(key: string, value: Uint8Array): Promise<void> | void;
  /** Optional batched read (one round trip for a network store, e.g. Redis MGET); same answers as `get` per key. */
  getMany?(keys: readonly string[]): Promise<ReadonlyArray<Uint8Array | undefined>> | ReadonlyArray<Uint8Array | undefined>;
  delete?(key: string): Promise<void> | void;
  clear?(): Promise<void> | void;
  close?(): Promise<void> | void;
}

export interface MemoryCacheStoreOptions {
  /** Upper bound on the bytes of the stored values (keys not counted); least recently used entries go first. Default 256 MiB. */
  readonly maxBytes?: number;
}

/** A synchronous in-memory store, LRU by bytes. A value larger than `maxBytes` is not stored. */
export interface MemoryCacheStore extends CacheStore {
  get(key: string): Uint8Array | undefined;
  set(key: string, value: Uint8Array): void;
  delete(key: string): void;
  clear(): void;
  close(): void;
  /** Bytes currently held. */
  readonly bytes: number;
  /** Entries currently held. */
  readonly size: number;
}

export function memoryCacheStore(options: MemoryCacheStoreOptions = {}): MemoryCacheStore {
  const maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
  if (typeof maxBytes !== 'number' || !(maxBytes >= 0)) throw new RangeError(`maxBytes must be a number ≥ 0, got ${String(maxBytes)}`);
  const entries = new Map<string, Uint8Array>();
  let bytes = 0;
  const remove = (key: string): void => {
    const old = entries.get(key);
    if (old === undefined) return;
    entries.delete(key);
    bytes -= old.byteLength;
  };
  return {
    name: 'memory',
    get(key) {
      const value = entries.get(key);
      if (value === undefined) return undefined;
      // most recently used goes last in the Map's insertion order
      entries.delete(key);
      entries.set(key, value);
      return value;
    },
    set(key, value) {
      remove(key);
      if (value.byteLength > maxBytes) return;
      const copy = value.slice();
      entries.set(key, copy);
      bytes += copy.byteLength;
      for (const oldest of entries.keys()) {
        if (bytes <= maxBytes) break;
        remove(oldest);
      }
    },
    delete: remove,
    clear() {
      entries.clear();
      bytes = 0;
    },
    close() {
      entries.clear();
      bytes = 0;
    },
    get bytes() {
      return bytes;
    },
    get size() {
      return entries.size;
    },
  };
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** `store.get` for synchronous callers: a throw, a promise or a non-byte value is a miss (a promise's rejection is swallowed). */
export function getSync(store: CacheStore, key: string): Uint8Array | undefined {
  try {
    const value = store.get(key);
    if (isPromise(value)) {
      value.then(undefined, () => undefined);
      return undefined;
    }
    return value instanceof Uint8Array ? value : undefined;
  } catch {
    return undefined;
  }
}

/** `store.set` that never throws and never leaves a rejected promise unhandled. */
export function setQuietly(store: CacheStore, key: string, value: Uint8Array): void {
  try {
    const done = store.set(key, value);
    if (isPromise(done)) done.then(undefined, () => undefined);
  } catch {
    // a cache failure degrades to computing
  }
}
