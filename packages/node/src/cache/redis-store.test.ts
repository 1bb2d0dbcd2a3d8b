import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { compressSync, isCtxpressError } from '@ctxpress/core';
import type { CompressionResult, DocumentInput } from '@ctxpress/core';
import { runCacheStoreContract } from '@ctxpress/core/testing';
import { getTokenizer } from '../tokenizers/registry.js';
import { freePort, skipRedisTests, startRedisServer, type RedisServer } from '../testing/redis-server.js';
import { compressWithCache, resolveCacheStore } from './compress.js';
import { createCacheStore } from './create.js';
import { redisCacheStore, redactRedisUrl, type RedisCacheStore } from './redis-store.js';

const DOCS: DocumentInput[] = [
  {
    id: 'a',
    title: 'Rover power',
    text: 'The rover carries two solar arrays. Dust on the arrays cut output by 40% in the first winter.\n\nCold nights drain the battery.',
  },
  { id: 'b', text: 'The lander relays data through an orbiter... The UHF link runs at 2 Mbit/s!!\n\n  Passes last about eight minutes.' },
  { id: 'c', text: '| system | watts |\n|---|---|\n| heaters | 40 |\n| radio | 15 |\n' },
  { id: 'd', text: '```\nconst x = getValue(user_id);\n```\nThe code above reads the id.' },
];
const QUERIES = ['How much power do the heaters draw?', 'How fast is the UHF link?'];

function strip(r: CompressionResult): Record<string, unknown> {
  return Object.fromEntries(Object.entries(r).filter(([key]) => key !== 'timings'));
}

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);
const list = (value: Uint8Array | undefined): number[] | undefined => (value === undefined ? undefined : Array.from(value));

describe('redisCacheStore options (no server needed)', () => {
  it('rejects a URL that is not redis:// or rediss:// at once, without leaking a password', () => {
    for (const url of ['http://127.0.0.1:6379', '127.0.0.1:6379', 'redis://', '', 'memcached://h:1', 'https://user:secret@host']) {
      let caught: unknown;
      try {
        redisCacheStore({ url });
      } catch (error) {
        caught = error;
      }
      expect(isCtxpressError(caught) && caught.code === 'INVALID_OPTION').toBe(true);
      expect((caught as Error).message).not.toContain('secret');
    }
    expect(() => redisCacheStore({ url: 'redis://h', ttlSeconds: 0 })).toThrow(/ttlSeconds/);
    expect(() => redisCacheStore({ url: 'redis://h', commandTimeoutMs: -1 })).toThrow(/commandTimeoutMs/);
    expect(() => createCacheStore('redis://')).toThrow(/redis:\/\//);
    expect(redactRedisUrl('redis://user:secret@host:6379/2')).toBe('redis://user:***@host:6379/2');
  });

  it('degrades to misses and reports once when ioredis cannot be loaded', async () => {
    vi.resetModules();
    vi.doMock('ioredis', () => {
      throw new Error('Cannot find package ioredis');
    });
    try {
      const fresh = (await import('./redis-store.js')) as typeof import('./redis-store.js');
      const errors: Error[] = [];
      const store = fresh.redisCacheStore({ url: 'redis://127.0.0.1:1', onError: (error) => errors.push(error) });
      expect(await store.get('k')).toBe(undefined);
      await store.set('k', bytes(1));
      expect(await store.getMany(['k', 'j'])).toEqual([undefined, undefined]);
      expect(await store.connect()).toBe(false);
      expect(errors).toHaveLength(1);
      expect(isCtxpressError(errors[0]) && errors[0].code === 'DEPENDENCY_MISSING').toBe(true);
      expect(errors[0]!.message).toMatch(/npm install ioredis/);
      await store.close();
    } finally {
      vi.doUnmock('ioredis');
      vi.resetModules();
    }
  });
});

describe.skipIf(skipRedisTests())('redisCacheStore on a real redis-server', () => {
  let server: RedisServer;
  let raw: Redis;
  const stores: RedisCacheStore[] = [];
  const servers: RedisServer[] = [];
  const open = (options: Omit<Parameters<typeof redisCacheStore>[0], 'url' | 'client'> & { url?: string } = {}): RedisCacheStore => {
    const store = redisCacheStore({ url: server.url, ...options } as Parameters<typeof redisCacheStore>[0]);
    stores.push(store);
    return store;
  };
  /** Calls per command since the server started (INFO commandstats). */
  const commandCalls = async (): Promise<Map<string, number>> => {
    const info = await raw.info('commandstats');
    return new Map([...info.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)].map((m) => [m[1]!, Number(m[2])]));
  };
  let prefixes = 0;
  const freshPrefix = (): string => `test:${process.pid}:${prefixes++}:`;

  beforeAll(async () => {
    server = await startRedisServer(); // fails with "apt-get install -y redis-server" when it is missing
    servers.push(server);
    raw = new Redis(server.url, { lazyConnect: true });
    await raw.connect();
  });
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    raw?.disconnect();
    await Promise.all(servers.map((s) => s.stop()));
  });

  runCacheStoreContract({ describe, it, expect }, 'redisCacheStore', () => open({ keyPrefix: freshPrefix() }));

  it('getMany answers in the order asked, with misses, in one MGET', async () => {
    const store = open({ keyPrefix: freshPrefix() });
    await store.set('a', bytes(1, 2));
    await store.set('c', bytes(3));
    const before = await commandCalls();
    const values = await store.getMany(['c', 'missing', 'a', 'a', '']);
    const after = await commandCalls();
    expect(values.map(list)).toEqual([[3], undefined, [1, 2], [1, 2], undefined]);
    expect((after.get('mget') ?? 0) - (before.get('mget') ?? 0)).toBe(1);
    expect((after.get('get') ?? 0) - (before.get('get') ?? 0)).toBe(0);
    expect(await store.getMany([])).toEqual([]);
  });

  it('keeps key prefixes apart and clear() removes only its own prefix (glob characters included)', async () => {
    const a = open({ keyPrefix: 'iso:[a]*:' });
    const b = open({ keyPrefix: 'iso:a:' });
    await raw.set('unrelated', 'stay');
    await a.set('k', bytes(1));
    await b.set('k', bytes(2));
    expect(list(await a.get('k'))).toEqual([1]);
    expect(list(await b.get('k'))).toEqual([2]);
    expect(await raw.exists('iso:[a]*:k', 'iso:a:k')).toBe(2);
    for (let i = 0; i < 1200; i++) await raw.set(`iso:[a]*:bulk${i}`, 'x'); // more than one SCAN page
    await a.clear();
    expect(await a.get('k')).toBe(undefined);
    expect(await raw.keys('iso:\\[a\\]\\*:*')).toEqual([]);
    expect(list(await b.get('k'))).toEqual([2]);
    expect(await raw.get('unrelated')).toBe('stay');
  });

  it('sets an expiry with ttlSeconds (SET … EX) and none without', async () => {
    const prefix = freshPrefix();
    const withTtl = open({ keyPrefix: prefix, ttlSeconds: 120 });
    const without = open({ keyPrefix: `${prefix}plain:` });
    await withTtl.set('k', bytes(1));
    await without.set('k', bytes(2));
    const ttl = await raw.ttl(`${prefix}k`);
    expect(ttl).toBeGreaterThan(100);
    expect(ttl).toBeLessThanOrEqual(120);
    expect(await raw.ttl(`${prefix}plain:k`)).toBe(-1);
  });

  it('works on a client the caller owns and leaves it open on close()', async () => {
    const client = new Redis(server.url, { lazyConnect: true, enableOfflineQueue: false });
    await client.connect();
    const store = redisCacheStore({ client, keyPrefix: freshPrefix() });
    await store.set('k', bytes(9, 8));
    expect(list(await store.get('k'))).toEqual([9, 8]);
    expect((await store.getMany(['k', 'x'])).map(list)).toEqual([[9, 8], undefined]);
    await store.close();
    expect(client.status).toBe('ready');
    client.disconnect();
  });

  it('compress with the Redis cache equals compress without; a new query over the same documents hits', async () => {
    const tokenizer = await getTokenizer('o200k_base');
    const store = open({ keyPrefix: freshPrefix() });
    expect(await store.connect()).toBe(true);
    for (const [i, query] of QUERIES.entries()) {
      const events: string[] = [];
      for (const budget of [{ tokens: 30 }, { ratio: 2 }]) {
        const plain = strip(compressSync(DOCS, { tokenizer, budget, query, explain: true }));
        const cached = await compressWithCache(DOCS, { budget, query, explain: true, cache: store, onCacheEvent: (e) => events.push(e.type) });
        expect(strip(cached)).toEqual(plain);
      }
      if (i === 0) expect(events.slice(0, DOCS.length + 1).every((e) => e === 'miss')).toBe(true);
      else expect(events.every((e) => e === 'hit')).toBe(true);
    }
    // a URL is made into a store the caller owns (createCacheStore), not a hidden process-wide connection
    const url = server.url as `redis://${string}`;
    expect(() => resolveCacheStore(url as never)).toThrow(/createCacheStore/);
    const owned = createCacheStore(url);
    const other = createCacheStore(url);
    expect(other).not.toBe(owned); // every call is a new store with its own connection
    await other.close();
    const viaUrl = await compressWithCache(DOCS, { budget: { ratio: 2 }, query: QUERIES[0]!, cache: owned });
    expect(strip(viaUrl)).toEqual(strip(compressSync(DOCS, { tokenizer, budget: { ratio: 2 }, query: QUERIES[0]! })));
    await owned.close();
  });

  it('a slow Redis (CLIENT PAUSE): gets miss and sets are not waited for past about commandTimeoutMs, then it recovers', async () => {
    const store = open({ keyPrefix: freshPrefix(), commandTimeoutMs: 200 });
    await store.set('k', bytes(1));
    expect(list(await store.get('k'))).toEqual([1]);
    expect(await raw.client('PAUSE', 1200, 'ALL')).toBe('OK');
    const pausedAt = performance.now();
    let started = performance.now();
    expect(await store.get('k')).toBe(undefined);
    expect(await store.getMany(['k', 'k'])).toEqual([undefined, undefined]);
    await store.set('other', bytes(2));
    expect(performance.now() - started).toBeLessThan(1000);
    started = performance.now();
    const tokenizer = await getTokenizer('o200k_base');
    const result = await compressWithCache(DOCS, { budget: { ratio: 2 }, query: QUERIES[0]!, cache: store });
    expect(strip(result)).toEqual(strip(compressSync(DOCS, { tokenizer, budget: { ratio: 2 }, query: QUERIES[0]! })));
    expect(performance.now() - started).toBeLessThan(1000);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1400 - (performance.now() - pausedAt))));
    expect(list(await store.get('k'))).toEqual([1]);
  });

  it('Redis stopped mid-way: compress gives the same output, does not throw and finishes quickly', async () => {
    const own = await startRedisServer();
    servers.push(own);
    const tokenizer = await getTokenizer('o200k_base');
    const errors: Error[] = [];
    const store = redisCacheStore({ url: own.url, onError: (error) => errors.push(error) });
    stores.push(store);
    const budget = { ratio: 2 };
    await compressWithCache(DOCS, { budget, query: QUERIES[0]!, cache: store });
    let hits = 0;
    await compressWithCache(DOCS, { budget, query: QUERIES[1]!, cache: store, onCacheEvent: (e) => (hits += e.type === 'hit' ? 1 : 0) });
    expect(hits).toBeGreaterThan(0);
    await own.stop();
    for (const query of QUERIES) {
      const started = performance.now();
      const result = await compressWithCache(DOCS, { budget, query, cache: store });
      expect(performance.now() - started).toBeLessThan(2000);
      expect(strip(result)).toEqual(strip(compressSync(DOCS, { tokenizer, budget, query })));
    }
    const started = performance.now();
    expect(await store.get('anything')).toBe(undefined);
    await store.set('anything', bytes(1));
    await store.clear();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(errors.length).toBeGreaterThanOrEqual(1); // reported, not thrown
    await store.close();
  });

  it('a URL pointing at a closed port: misses, not errors, no unhandled rejections', async () => {
    const port = await freePort();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const errors: Error[] = [];
      const store = redisCacheStore({ url: `redis://127.0.0.1:${port}`, onError: (error) => errors.push(error) });
      const tokenizer = await getTokenizer('o200k_base');
      const started = performance.now();
      expect(await store.connect()).toBe(false);
      for (let i = 0; i < 5; i++) {
        expect(await store.get(`k${i}`)).toBe(undefined);
        await store.set(`k${i}`, bytes(i));
      }
      expect(await store.getMany(['a', 'b'])).toEqual([undefined, undefined]);
      await store.delete('a');
      await store.clear();
      const result = await compressWithCache(DOCS, { budget: { ratio: 2 }, query: QUERIES[0]!, cache: store });
      expect(strip(result)).toEqual(strip(compressSync(DOCS, { tokenizer, budget: { ratio: 2 }, query: QUERIES[0]! })));
      expect(performance.now() - started).toBeLessThan(2000);
      expect(errors).toHaveLength(1); // once per outage, not once per command
      expect(String(errors[0]?.message)).toMatch(/ECONNREFUSED|connect/i);
      await store.close();
      expect(await store.get('k0')).toBe(undefined);
      await new Promise((resolve) => setTimeout(resolve, 300)); // room for a late rejection to surface
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('does not keep the process alive: not after close() against a closed port, not when idle against a live server', async () => {
    const distStore = new URL('../../dist/cache/redis-store.js', import.meta.url);
    const port = await freePort();
    const script = (url: string, close: boolean): string => `
      import { redisCacheStore } from ${JSON.stringify(distStore.href)};
      const store = redisCacheStore({ url: ${JSON.stringify(url)} });
      await store.set('child', new Uint8Array([7]));
      const value = await store.get('child');
      const many = await store.getMany(['child', 'none']);
      ${close ? 'await store.close();' : ''}
      console.log(JSON.stringify({ value: value && Array.from(value), many: many.map((v) => v && Array.from(v)) }));
    `;
    const run = (code: string): Promise<{ code: number | null; out: string; ms: number }> =>
      new Promise((resolve) => {
        const started = performance.now();
        const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
        const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
        child.on('exit', (code) => {
          clearTimeout(timer);
          resolve({ code, out, ms: performance.now() - started });
        });
      });
    expect(fileURLToPath(distStore)).toMatch(/redis-store\.js$/);
    const down = await run(script(`redis://127.0.0.1:${port}`, true));
    expect(down.code, down.out).toBe(0);
    expect(JSON.parse(down.out)).toEqual({ many: [null, null] });
    expect(down.ms).toBeLessThan(5000);
    const live = await run(script(`${server.url}/0`, false)); // never closed: the idle connection must not hold the process
    expect(live.code, live.out).toBe(0);
    expect(JSON.parse(live.out)).toEqual({ value: [7], many: [[7], null] });
    expect(live.ms).toBeLessThan(5000);
  });
});
