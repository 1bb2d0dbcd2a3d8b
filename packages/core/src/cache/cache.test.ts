import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { compressSync } from '../compress.js';
import { createSources } from '../sources.js';
import { structuredTextSegmenter } from '../segmenters/structured-text-segmenter.js';
import { buildScoringContext } from '../scoring-context.js';
import { runCacheStoreContract, wordTokenizer, SAMPLE_DOCUMENTS, pieceTokenizer } from '../testing/index.js';
import { tieredCacheStore } from './tiered.js';
import type { CompressionResult, CompressOptions, DocumentInput, Tokenizer } from '../index.js';
import { memoryCacheStore } from './store.js';
import type { CacheStore } from './store.js';
import { hash128 } from './hash.js';
import { assembleSegmentation, buildSourceEntry, contextFromEntries, decodeSourceEntry, encodeSourceEntry, segmentCacheKeys } from './segment-cache.js';

runCacheStoreContract({ describe, it, expect }, 'memoryCacheStore', () => memoryCacheStore(), { bounded: (maxBytes) => memoryCacheStore({ maxBytes }) });
/** An async store over a memory store (as a disk or network store answers). */
const asyncStore = (inner = memoryCacheStore()): CacheStore => ({
  name: 'async',
  get: async (key) => inner.get(key),
  set: async (key, value) => inner.set(key, value),
  delete: async (key) => inner.delete(key),
  clear: async () => inner.clear(),
});
runCacheStoreContract({ describe, it, expect }, 'tieredCacheStore (memory front, async back)', () => tieredCacheStore({ back: asyncStore() }));
runCacheStoreContract({ describe, it, expect }, 'tieredCacheStore (front smaller than the values)', () =>
  tieredCacheStore({ back: asyncStore(), frontMaxBytes: 16 }),
);

describe('tieredCacheStore', () => {
  it('answers from the front synchronously with the same bytes each time, fills it from the back, and batches misses', async () => {
    const inner = memoryCacheStore();
    const reads: string[][] = [];
    const back: CacheStore = { ...asyncStore(inner), getMany: async (keys) => (reads.push([...keys]), keys.map((k) => inner.get(k))) };
    inner.set('a', new Uint8Array([1]));
    inner.set('b', new Uint8Array([2]));
    const store = tieredCacheStore({ back });
    expect(await store.getMany!(['a', 'x', 'b'])).toEqual([new Uint8Array([1]), undefined, new Uint8Array([2])]);
    expect(reads).toEqual([['a', 'x', 'b']]);
    const first = store.get('a');
    expect(first).toBeInstanceOf(Uint8Array); // synchronous now
    expect(store.get('a')).toBe(first);
    expect(await store.getMany!(['a', 'b', 'x'])).toEqual([new Uint8Array([1]), new Uint8Array([2]), undefined]);
    expect(reads).toEqual([['a', 'x', 'b'], ['x']]);
    store.set('c', new Uint8Array([3]));
    expect(store.get('c')).toEqual(new Uint8Array([3])); // at once, from the front
    await store.flush();
    expect(inner.get('c')).toEqual(new Uint8Array([3])); // and behind it, in the back store
  });

  it('never throws or rejects for a failing back store', async () => {
    const store = tieredCacheStore({
      back: {
        name: 'broken',
        get: () => Promise.reject(new Error('down')),
        set: () => {
          throw new Error('down');
        },
      },
    });
    expect(() => store.set('a', new Uint8Array([1]))).not.toThrow();
    expect(store.get('a')).toEqual(new Uint8Array([1]));
    await store.flush();
    expect(await store.get('b')).toBeUndefined(); // a failing read is a miss
    expect(await store.getMany!(['a', 'b'])).toEqual([new Uint8Array([1]), undefined]);
  });
});

/** A tokenizer with countRanges whose pieces cross word boundaries (a punctuation run takes the white space after it). */
function rangesTokenizer(): Tokenizer {
  return pieceTokenizer({
    name: 'test-ranges',
    piece: /[A-Za-z0-9\u0080-\uffff]+|[^\sA-Za-z0-9\u0080-\uffff]+\s*|\s+/g,
    tokens: (piece) => Math.ceil(piece.trim().length / 4) || 1,
  });
}

const WORDS = [
  'rover',
  'battery',
  'Dust',
  'solar',
  'the',
  'of',
  'night',
  'heater',
  'Mars',
  'array',
  'is',
  'not',
  'getValue',
  'user_id',
  'Dr.',
  'café',
  '你好',
  '42',
  '3.5',
  'parseHttpRequestHeaderValueFromSocketStreamBuffer',
];
const word = fc.constantFrom(...WORDS);
const sentence = fc.array(word, { minLength: 1, maxLength: 12 }).chain((ws) => fc.constantFrom('.', '!', '', ':').map((p) => ws.join(' ') + p));
const line = fc.oneof(
  { weight: 5, arbitrary: fc.array(sentence, { minLength: 1, maxLength: 3 }).map((s) => s.join(' ')) },
  { weight: 1, arbitrary: sentence.map((s) => `# ${s}`) },
  { weight: 1, arbitrary: sentence.map((s) => `- ${s}`) },
  { weight: 1, arbitrary: fc.tuple(word, word).map(([a, b]) => `| ${a} | ${b} |\n|---|---|\n| ${b} | ${a} |`) },
  { weight: 1, arbitrary: fc.constant('') },
);
const text = fc.array(line, { minLength: 0, maxLength: 25 }).map((ls) => ls.join('\n'));
const documents = fc.array(
  fc
    .record({ title: fc.option(sentence, { nil: undefined }), text })
    .map((d): DocumentInput => (d.title === undefined ? { text: d.text } : { title: d.title, text: d.text })),
  { minLength: 1, maxLength: 4 },
);
const input = fc.oneof(text, documents);
const query = fc.option(
  fc.array(word, { minLength: 1, maxLength: 4 }).map((w) => w.join(' ')),
  { nil: undefined },
);

function withoutTimings(r: CompressionResult): Record<string, unknown> {
  return Object.fromEntries(Object.entries(r).filter(([key]) => key !== 'timings'));
}

function outcome(inp: string | DocumentInput[], opts: CompressOptions): unknown {
  try {
    return withoutTimings(compressSync(inp, opts));
  } catch (error) {
    return { error: (error as { code?: string }).code };
  }
}

describe('segment cache', () => {
  for (const tokenizer of [wordTokenizer(), rangesTokenizer()]) {
    it(`gives the same output with and without a cache, cold and warm, across queries (${tokenizer.name})`, () => {
      fc.assert(
        fc.property(
          input,
          query,
          query,
          fc.integer({ min: 1, max: 300 }),
          fc.boolean(),
          fc.constantFrom(false as const, 0.4),
          (inp, q1, q2, tokens, explain, prune) => {
            const store = memoryCacheStore();
            for (const q of [q1, q2, q1]) {
              const base: CompressOptions = { tokenizer, budget: { tokens }, explain, prune, ...(q === undefined ? {} : { query: q }) };
              const plain = outcome(inp, base);
              expect(outcome(inp, { ...base, cache: { store } })).toEqual(plain);
              expect(outcome(inp, { ...base, cache: { store } })).toEqual(plain);
            }
          },
        ),
        { numRuns: 120 },
      );
    });
  }

  it('reuses documents across document sets (a set that grew by one document) with identical output', () => {
    fc.assert(
      fc.property(documents, documents, query, (a, b, q) => {
        const store = memoryCacheStore();
        const tokenizer = rangesTokenizer();
        const opts: CompressOptions = { tokenizer, budget: { ratio: 3 }, ...(q === undefined ? {} : { query: q }) };
        outcome(a, { ...opts, cache: { store } });
        for (const inp of [[...a, ...b], [...b, ...a], a.slice(1)]) expect(outcome(inp, { ...opts, cache: { store } })).toEqual(outcome(inp, opts));
      }),
      { numRuns: 60 },
    );
  });

  it('rebuilds the segmentation and scoring context array for array', () => {
    const tokenizer = rangesTokenizer();
    const sources = createSources([...SAMPLE_DOCUMENTS, { text: 'getValue getValue parseHttpRequestHeaderValueFromSocketStreamBuffer x.' }]);
    const segmenter = structuredTextSegmenter();
    const direct = segmenter.segment(sources);
    const entries = sources.map((s) => decodeSourceEntry(encodeSourceEntry(buildSourceEntry(segmenter, s)), s)!);
    const assembled = assembleSegmentation(sources, entries);
    expect(assembled).toEqual(direct);
    const a = buildScoringContext(direct, tokenizer, 'rover dust battery', undefined);
    const b = contextFromEntries(assembled, entries, tokenizer, 'rover dust battery', undefined);
    expect({ ...b, vocabulary: [...b.vocabulary] }).toEqual({ ...a, vocabulary: [...a.vocabulary] });
  });

  it('keeps the original count exact: it equals tokenizer.count(fullText), cold and warm', () => {
    const tokenizer = rangesTokenizer();
    const store = memoryCacheStore();
    const docs = [{ text: 'Ends with a dot.' }, { text: '...and starts with dots!!' }, { text: '  spaced  ' }, { text: '' }, { text: 'x' }];
    const fullText = docs
      .map((d) => d.text)
      .filter((t) => t.length > 0)
      .join('\n\n');
    for (let i = 0; i < 3; i++) {
      const r = compressSync(docs, { tokenizer, budget: { tokens: 3 }, cache: { store } });
      expect(r.tokens.original).toBe(tokenizer.count(fullText));
    }
    // a reordered set shares every source entry but not the counts: still exact
    const reordered = [...docs].reverse();
    const r = compressSync(reordered, { tokenizer, budget: { tokens: 3 }, cache: { store } });
    expect(r.tokens.original).toBe(
      tokenizer.count(
        reordered
          .map((d) => d.text)
          .filter((t) => t.length > 0)
          .join('\n\n'),
      ),
    );
  });

  it('skips cached sources: a warm call does not segment or count again', () => {
    const base = rangesTokenizer();
    let rangeCalls = 0;
    // counts only the one-pass count of the input (with ranges), not the recounts of the output (no ranges)
    const tokenizer: Tokenizer = { ...base, countRanges: (t, s, e) => ((rangeCalls += s.length > 0 ? 1 : 0), base.countRanges!(t, s, e)) };
    let segmentCalls = 0;
    const store = memoryCacheStore();
    const counting: CacheStore = {
      ...store,
      name: 'counting',
      get: (k) => store.get(k),
      set: (k, v) => ((segmentCalls += k.includes(':s:') ? 1 : 0), store.set(k, v)),
    };
    compressSync(SAMPLE_DOCUMENTS, { tokenizer, budget: { ratio: 3 }, query: 'dust', cache: { store: counting } });
    expect([rangeCalls, segmentCalls]).toEqual([1, SAMPLE_DOCUMENTS.length]);
    compressSync(SAMPLE_DOCUMENTS, { tokenizer, budget: { ratio: 3 }, query: 'radio', cache: { store: counting } });
    expect([rangeCalls, segmentCalls]).toEqual([1, SAMPLE_DOCUMENTS.length]);
  });

  it('degrades to computing when the store throws, answers asynchronously, or holds corrupt values', () => {
    const tokenizer = rangesTokenizer();
    const opts: CompressOptions = { tokenizer, budget: { ratio: 3 }, query: 'battery dust' };
    const plain = outcome(SAMPLE_DOCUMENTS, opts);
    const throwing: CacheStore = {
      name: 'throwing',
      get() {
        throw new Error('down');
      },
      set() {
        throw new Error('down');
      },
    };
    const asyncStore: CacheStore = { name: 'async', get: () => Promise.reject(new Error('down')), set: () => Promise.reject(new Error('down')) };
    expect(outcome(SAMPLE_DOCUMENTS, { ...opts, cache: { store: throwing } })).toEqual(plain);
    expect(outcome(SAMPLE_DOCUMENTS, { ...opts, cache: { store: asyncStore } })).toEqual(plain);
    const store = memoryCacheStore();
    outcome(SAMPLE_DOCUMENTS, { ...opts, cache: { store } });
    const keys = segmentCacheKeys(hash128, 'structured-text:default', tokenizer, '\n\n', createSources(SAMPLE_DOCUMENTS));
    for (const [i, key] of [...keys.sourceKeys, keys.countsKey].entries()) {
      const value = store.get(key)!;
      const bad = i % 3 === 0 ? value.slice(0, value.length - 5) : i % 3 === 1 ? new Uint8Array(value.length) : value.slice();
      if (i % 3 === 2) bad[bad.length >> 1]! ^= 0x40;
      store.set(key, bad);
    }
    expect(outcome(SAMPLE_DOCUMENTS, { ...opts, cache: { store } })).toEqual(plain);
    expect(outcome(SAMPLE_DOCUMENTS, { ...opts, cache: { store } })).toEqual(plain);
  });

  it('rejects a malformed cache option with INVALID_OPTION', () => {
    for (const cache of [{}, { store: {} }, { store: memoryCacheStore(), hash: 'sha' }, null]) {
      expect(outcome(SAMPLE_DOCUMENTS, { tokenizer: wordTokenizer(), budget: { ratio: 2 }, cache: cache as never })).toEqual({ error: 'INVALID_OPTION' });
    }
  });

  it('bypasses the cache for a custom segmenter without a cacheKey', () => {
    const store = memoryCacheStore();
    const segmenter = structuredTextSegmenter({ maxSentenceLength: 20 });
    const opts: CompressOptions = { tokenizer: wordTokenizer(), budget: { ratio: 2 }, pipeline: { segmenter } };
    expect(outcome(SAMPLE_DOCUMENTS, { ...opts, cache: { store } })).toEqual(outcome(SAMPLE_DOCUMENTS, opts));
    expect(store.size).toBe(0);
  });

  it('hash128 is stable, 32 hex digits, and separates near-identical texts', () => {
    expect(hash128('')).toMatch(/^[0-9a-f]{32}$/);
    expect(hash128('abc')).toBe(hash128('abc'));
    const seen = new Set<string>();
    for (let i = 0; i < 20000; i++) seen.add(hash128(`doc ${i}`));
    seen.add(hash128('a\u0000'));
    seen.add(hash128('a'));
    expect(seen.size).toBe(20002);
  });
});
