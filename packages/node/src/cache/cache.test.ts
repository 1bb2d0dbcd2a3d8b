import { describe, it, expect, afterAll } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compressSync } from '@ctxpress/core';
import type { CompressionResult, DocumentInput } from '@ctxpress/core';
import { runCacheStoreContract } from '@ctxpress/core/testing';
import { memoryCacheStore } from '@ctxpress/core/cache';
import type { CacheStore, TieredCacheStore } from '@ctxpress/core/cache';
import { getTokenizer } from '../tokenizers/registry.js';
import { compressWithCache, fileCacheStore, resolveCacheStore, sha256Hex } from './index.js';

const roots: string[] = [];
function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ctxpress-cache-'));
  roots.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of roots) rmSync(dir, { recursive: true, force: true });
});

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

runCacheStoreContract({ describe, it, expect }, 'fileCacheStore', () => fileCacheStore({ directory: freshDir() }), {
  bounded: (maxBytes) => fileCacheStore({ directory: freshDir(), maxBytes }),
});

const DOCS: DocumentInput[] = [
  { id: 'a', title: 'Rover power', text: 'The rover carries two solar arrays. Dust on the arrays cut output by 40% in the first winter.\n\nCold nights drain the battery.' },
  { id: 'b', text: 'The lander relays data through an orbiter... The UHF link runs at 2 Mbit/s!!\n\n  Passes last about eight minutes.' },
  { id: 'c', text: '| system | watts |\n|---|---|\n| heaters | 40 |\n| radio | 15 |\n' },
  { id: 'd', text: '```\nconst x = getValue(user_id);\n```\nThe code above reads the id.' },
];

function strip(r: CompressionResult): Omit<CompressionResult, 'timings'> {
  const { timings, ...rest } = r;
  void timings;
  return rest;
}

describe('fileCacheStore', () => {
  it('writes atomically under hashed names and treats corrupt or truncated files as misses', async () => {
    const dir = freshDir();
    const store = fileCacheStore({ directory: dir });
    await store.set('../../key with spaces', new Uint8Array([1, 2, 3, 4]));
    const files = listFiles(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/[0-9a-f]{2}[\\/][0-9a-f]{64}\.bin$/);
    expect(files[0]).toContain(sha256Hex('../../key with spaces'));
    expect(Array.from((await store.get('../../key with spaces'))!)).toEqual([1, 2, 3, 4]);
    expect(Array.from(store.getSync('../../key with spaces')!)).toEqual([1, 2, 3, 4]);
    writeFileSync(files[0]!, readFileSync(files[0]!).subarray(0, 9)); // truncated
    expect(await store.get('../../key with spaces')).toBe(undefined);
    await store.set('k', new Uint8Array([5]));
    writeFileSync(listFiles(dir)[0]!, 'garbage');
    expect(await store.get('k')).toBe(undefined);
  });

  it('degrades when the directory is unusable', async () => {
    const dir = freshDir();
    const blocker = join(dir, 'file');
    writeFileSync(blocker, 'x');
    const store = fileCacheStore({ directory: join(blocker, 'sub') });
    await store.set('k', new Uint8Array([1]));
    expect(await store.get('k')).toBe(undefined);
  });
});

describe('compressWithCache', () => {
  it('gives the same output as compressSync with the memory, file and failing stores, cold and warm', async () => {
    const tokenizer = await getTokenizer('o200k_base');
    const failing: CacheStore = { name: 'failing', get: () => Promise.reject(new Error('down')), set: () => Promise.reject(new Error('down')) };
    const dir = freshDir();
    for (const query of ['How much power do the heaters draw?', 'How fast is the UHF link?', '']) {
      for (const budget of [{ tokens: 30 }, { ratio: 2 }, { ratio: 1 }]) {
        const plain = strip(compressSync(DOCS, { tokenizer, budget, query, explain: true }));
        for (const cache of ['memory', { directory: dir }, failing, memoryCacheStore()] as const) {
          for (let i = 0; i < 2; i++) expect(strip(await compressWithCache(DOCS, { budget, query, explain: true, cache }))).toEqual(plain);
        }
      }
    }
    // a directory gets a memory front that writes to disk behind the caller: wait for those writes
    await (resolveCacheStore({ directory: dir }) as TieredCacheStore).flush();
    expect(listFiles(dir).some((f) => f.endsWith('.tmp'))).toBe(false);
    expect(listFiles(dir).length).toBe(DOCS.length + 1);
  });

  it('keeps the original count exact with o200k_base across document junctions (= tokenizer.count(fullText))', async () => {
    const tokenizer = await getTokenizer('o200k_base');
    const piece = fc.constantFrom('word', ' ', '.', '\n', '\n\n', '...', '!!', 'Über', '42', '  ', '- item', '# Head', '\t', '"', ')');
    const doc = fc.array(piece, { minLength: 0, maxLength: 12 }).map((ps) => ({ text: ps.join('') }));
    const store = memoryCacheStore();
    await fc.assert(
      fc.asyncProperty(fc.array(doc, { minLength: 1, maxLength: 4 }), fc.constantFrom('\n\n', '\n', ''), async (docs, documentSeparator) => {
        const full = docs.map((d) => d.text).filter((t) => t.length > 0).join(documentSeparator);
        const plain = strip(compressSync(docs, { tokenizer, budget: { tokens: 3 }, documentSeparator }));
        for (const order of [docs, [...docs].reverse()]) {
          const r = await compressWithCache(order, { budget: { tokens: 3 }, documentSeparator, cache: store });
          const orderedFull = order.map((d) => d.text).filter((t) => t.length > 0).join(documentSeparator);
          expect(r.tokens.original).toBe(tokenizer.count(orderedFull));
        }
        expect(strip(await compressWithCache(docs, { budget: { tokens: 3 }, documentSeparator, cache: store }))).toEqual(plain);
        expect(plain.tokens.original).toBe(tokenizer.count(full));
      }),
      { numRuns: 80 },
    );
  });
});

describe('compressWithCache options', () => {
  it("accepts core's { store } form, uses getMany when present, and rejects a bad cache option", async () => {
    const store = memoryCacheStore();
    let batched = 0;
    const withMany: CacheStore = { name: 'many', get: (k) => store.get(k), set: (k, v) => store.set(k, v), getMany: (keys) => (batched++, keys.map((k) => store.get(k))) };
    const tokenizer = await getTokenizer('o200k_base');
    const plain = strip(compressSync(DOCS, { tokenizer, budget: { ratio: 2 }, query: 'radio' }));
    expect(strip(await compressWithCache(DOCS, { budget: { ratio: 2 }, query: 'radio', cache: { store } }))).toEqual(plain);
    expect(strip(await compressWithCache(DOCS, { budget: { ratio: 2 }, query: 'radio', cache: withMany }))).toEqual(plain);
    expect(batched).toBe(1);
    await expect(compressWithCache(DOCS, { budget: { ratio: 2 }, cache: 42 as unknown as 'memory' })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });
});

describe('compressWithCache onCacheEvent', () => {
  it('reports misses on a cold store and hits on a warm one, without changing the output', async () => {
    const store = memoryCacheStore();
    const events: { type: string; key: string }[] = [];
    const options = { budget: { ratio: 2 }, query: 'battery', tokenizer: 'o200k_base' } as const;
    const plain = await compressWithCache(DOCS, options);
    const cold = await compressWithCache(DOCS, { ...options, cache: store, onCacheEvent: (event) => events.push(event) });
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((event) => event.type === 'miss')).toBe(true);
    events.length = 0;
    const warm = await compressWithCache(DOCS, { ...options, query: 'radio', cache: store, onCacheEvent: (event) => events.push(event) });
    expect(events.some((event) => event.type === 'hit')).toBe(true);
    const throwing = await compressWithCache(DOCS, {
      ...options,
      cache: store,
      onCacheEvent: () => {
        throw new Error('listener failed');
      },
    });
    expect(strip(cold)).toEqual(strip(plain));
    expect(strip(throwing)).toEqual(strip(plain));
    expect(strip(warm)).toEqual(strip(await compressWithCache(DOCS, { ...options, query: 'radio' })));
  });
});
