/**
 * The contract every `CacheStore` runs (exported from `@ctxpress/core/testing`). Sync and async stores alike.
 * @module
 */
import type { TestApi } from '../testing/contracts.js';
import type { CacheStore } from './store.js';

export interface CacheStoreContractOptions {
  /** For stores with a size bound: a store holding at most `maxBytes` of values, evicting least recently used first. */
  readonly bounded?: (maxBytes: number) => CacheStore | Promise<CacheStore>;
}

function bytesOf(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

async function readAll(store: CacheStore, key: string): Promise<number[] | undefined> {
  const value = await store.get(key);
  return value === undefined ? undefined : Array.from(value);
}

export function runCacheStoreContract(t: TestApi, name: string, create: () => CacheStore | Promise<CacheStore>, options: CacheStoreContractOptions = {}): void {
  t.describe(`CacheStore contract: ${name}`, () => {
    t.it('misses unknown keys, including odd ones, without throwing', async () => {
      const store = await create();
      for (const key of ['cx1:s:0123abcd', 'never-set', '', '../../etc/passwd', 'a/b\\c:d\u0000e', 'ü'.repeat(300)]) {
        t.expect(await store.get(key)).toBe(undefined);
      }
      await store.close?.();
    });
    t.it('returns exactly the bytes it was given (every byte value, empty values, a copy not a view)', async () => {
      const store = await create();
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      await store.set('all-bytes', all);
      await store.set('empty', new Uint8Array(0));
      const given = bytesOf(100, 7);
      await store.set('copy', given);
      given[0] = (given[0]! + 1) & 0xff;
      t.expect(await readAll(store, 'all-bytes')).toEqual(Array.from(all));
      t.expect(await readAll(store, 'empty')).toEqual([]);
      t.expect(await readAll(store, 'copy')).toEqual(Array.from(bytesOf(100, 7)));
      await store.close?.();
    });
    t.it('overwrites a key and keeps keys apart', async () => {
      const store = await create();
      for (let i = 0; i < 50; i++) await store.set(`k${i}`, bytesOf(10 + i, i + 1));
      await store.set('k3', bytesOf(5, 99));
      t.expect(await readAll(store, 'k3')).toEqual(Array.from(bytesOf(5, 99)));
      for (let i = 0; i < 50; i++) if (i !== 3) t.expect(await readAll(store, `k${i}`)).toEqual(Array.from(bytesOf(10 + i, i + 1)));
      await store.close?.();
    });
    t.it('holds a large value (4 MiB)', async () => {
      const store = await create();
      const big = bytesOf(4 * 1024 * 1024, 3);
      await store.set('big', big);
      const back = await store.get('big');
      t.expect(back?.byteLength).toBe(big.byteLength);
      let same = back !== undefined;
      for (let i = 0; same && i < big.length; i += 4099) same = back![i] === big[i];
      t.expect(same).toBe(true);
      await store.close?.();
    });
    t.it('deletes and clears when it supports them', async () => {
      const store = await create();
      await store.set('a', bytesOf(8, 1));
      await store.set('b', bytesOf(8, 2));
      if (store.delete !== undefined) {
        await store.delete('a');
        await store.delete('never-set');
        t.expect(await store.get('a')).toBe(undefined);
        t.expect(await readAll(store, 'b')).toEqual(Array.from(bytesOf(8, 2)));
      }
      if (store.clear !== undefined) {
        await store.clear();
        t.expect(await store.get('b')).toBe(undefined);
        await store.set('c', bytesOf(8, 3));
        t.expect(await readAll(store, 'c')).toEqual(Array.from(bytesOf(8, 3)));
      }
      await store.close?.();
    });
    if (options.bounded !== undefined) {
      const bounded = options.bounded;
      t.it('evicts the least recently used values beyond its byte bound, never the one just written', async () => {
        const store = await bounded(1000);
        await store.set('a', bytesOf(400, 1));
        await store.set('b', bytesOf(400, 2));
        t.expect(await readAll(store, 'a')).toEqual(Array.from(bytesOf(400, 1))); // a is now more recent than b
        await store.set('c', bytesOf(400, 3));
        t.expect(await store.get('b')).toBe(undefined);
        t.expect(await readAll(store, 'a')).toEqual(Array.from(bytesOf(400, 1)));
        t.expect(await readAll(store, 'c')).toEqual(Array.from(bytesOf(400, 3)));
        await store.set('huge', bytesOf(5000, 4)); // larger than the bound: not stored, nothing else lost
        t.expect(await store.get('huge')).toBe(undefined);
        t.expect(await readAll(store, 'c')).toEqual(Array.from(bytesOf(400, 3)));
        await store.close?.();
      });
    }
  });
}
