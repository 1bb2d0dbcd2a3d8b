import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compressCode, loadCodeSegmenter, parseErrors, treeSitterSegmenter } from './index.js';
import type { CodeSegmenter } from './core-code.js';
import { runSegmenterContract, wordTokenizer } from '@ctxpress/core/testing';

const tokenizer = wordTokenizer();
const sample = (file: string): string => readFileSync(fileURLToPath(new URL(`./samples/${file}`, import.meta.url)), 'utf8');

/** Expected outline (kind:name, members and blocks indented) of each sample, written by hand-checking the parse. */
const CASES = [
  {
    language: 'java',
    file: 'Sample.java.txt',
    expected: [
      'import:',
      'import:',
      'import:',
      'class:Library',
      '  statement:books',
      '  method:Library',
      '  block:',
      '  method:add',
      '  block:',
      '  method:byAuthor',
      '  block:',
      '  class:Listener',
      '  statement:onLoan',
      '  class:Book',
    ],
  },
  {
    language: 'c',
    file: 'sample.c.txt',
    expected: [
      'import:',
      'import:',
      'statement:RING_CAPACITY',
      'class:ring',
      '  statement:data',
      '  statement:head',
      '  statement:len',
      'class:ring_t',
      'function:ring_index',
      '  block:',
      'function:ring_push',
      '  block:',
      'function:ring_pop',
      '  block:',
    ],
  },
  {
    language: 'cpp',
    file: 'sample.cpp.txt',
    expected: [
      'import:',
      'import:',
      'class:geo',
      '  class:Point',
      '  statement:x',
      '  statement:y',
      '  class:Polygon',
      '  statement:',
      '  method:Polygon',
      '  method:area',
      '  block:',
      '  statement:name',
      '  statement:',
      '  statement:points_',
      '  method:name',
      '  block:',
      '  method:clamp',
      '  block:',
      'statement:',
    ],
  },
  {
    language: 'go',
    file: 'sample.go.txt',
    expected: [
      'import:',
      'import:',
      'statement:',
      'class:Item',
      '  statement:SKU',
      '  statement:Quantity',
      'class:Store',
      '  statement:Get',
      '  statement:Put',
      'class:memoryStore',
      '  statement:items',
      'function:NewMemoryStore',
      '  block:',
      'function:Get',
      '  block:',
      'function:Put',
      '  block:',
      'function:SKUs',
      '  block:',
      '  block:',
    ],
  },
  {
    language: 'javascript',
    file: 'sample.js.txt',
    expected: [
      'statement:EventEmitter',
      'function:retry',
      '  block:',
      'class:Queue',
      '  method:constructor',
      '  block:',
      '  method:push',
      '  block:',
      '  method:drain',
      '  block:',
      'statement:',
    ],
  },
  {
    language: 'python',
    file: 'sample.py.txt',
    expected: [
      'import:',
      'import:',
      'import:',
      'class:Reading',
      '  statement:',
      '  statement:',
      'class:Aggregator',
      '  statement:',
      '  method:__init__',
      '  block:',
      '  method:add',
      '  block:',
      '  method:sensors',
      '  block:',
      '  method:mean',
      '  block:',
      '  block:',
      'function:load_readings',
      '  block:',
      'function:summarize',
      '  block:',
    ],
  },
  {
    language: 'rust',
    file: 'sample.rs.txt',
    expected: [
      'import:',
      'import:',
      'class:Bucket',
      '  statement:capacity',
      '  statement:tokens',
      'class:Decision',
      '  statement:Allow',
      '  statement:Deny',
      'class:Bucket',
      '  method:new',
      '  block:',
      '  method:take',
      '  block:',
      'class:Bucket',
      '  method:fmt',
      '  block:',
      'class:Limiter',
      '  statement:check',
      'function:limiter_for',
      '  block:',
    ],
  },
  {
    language: 'typescript',
    file: 'sample.ts.txt',
    expected: [
      'import:',
      'import:',
      'statement:TAX_RATE',
      'class:PriceRule',
      '  statement:sku',
      '  statement:apply',
      'function:totalOf',
      '  block:',
      '  block:',
      'class:PriceBook',
      '  statement:rules',
      '  method:constructor',
      '  method:load',
      '  block:',
      '  method:priceOf',
      '  block:',
      'function:formatPrice',
      '  block:',
    ],
  },
] as const;

describe('treeSitterSegmenter', () => {
  const segmenters = new Map<string, CodeSegmenter>();
  beforeAll(async () => {
    for (const c of CASES) segmenters.set(c.language, await treeSitterSegmenter(c.language));
  });
  /** The tree-sitter segmenter loaded for `language`; throws (never falls back to indentation) when it did not load. */
  const treeSitter = (language: string): CodeSegmenter => {
    const segmenter = segmenters.get(language);
    if (segmenter === undefined) throw new Error(`tree-sitter did not load for ${language}`);
    return segmenter;
  };
  it('loads a tree-sitter grammar for every sample language', () => {
    expect(CASES.map((c) => treeSitter(c.language).name)).toEqual(CASES.map((c) => `tree-sitter:${c.language}`));
  });
  for (const c of CASES) {
    describe(c.language, () => {
      it('segments imports, classes, methods, functions and their blocks', () => {
        const text = sample(c.file);
        const o = treeSitter(c.language).outline(text);
        expect(o.errors).toBe(0);
        expect(o.items.map((it) => (it.parent >= 0 ? '  ' : '') + `${it.kind}:${it.name}`)).toEqual([...c.expected]);
        for (const it of o.items) {
          expect(it.start).toBeLessThanOrEqual(it.declStart);
          expect(it.end).toBeLessThanOrEqual(text.length);
          if (it.bodyStart >= 0) expect(it.bodyEnd).toBeLessThanOrEqual(it.end);
        }
      });
      it('keeps the output parseable at 2x, 4x and 10x (skeletons re-parse without ERROR nodes)', async () => {
        const text = sample(c.file);
        for (const ratio of [2, 4, 10]) {
          for (const query of [undefined, 'add the value to the totals and return it']) {
            const r = await compressCode(text, { language: c.language, budget: { ratio }, tokenizer, ...(query === undefined ? {} : { query }) });
            expect(r.tokens.compressed).toBeLessThanOrEqual(r.tokens.budget);
            expect(await parseErrors(c.language, r.text)).toBe(0);
          }
        }
      });
    });
  }
  runSegmenterContract({ describe, it, expect }, 'treeSitterSegmenter(typescript)', () => treeSitter('typescript'));

  it('reports offsets in UTF-16 code units (non-ASCII before an item)', () => {
    const text = sample('sample.ts.txt');
    const o = treeSitter('typescript').outline(text);
    const tax = o.items.find((it) => it.name === 'TAX_RATE')!;
    expect(text.slice(tax.declStart, tax.end)).toBe('export const TAX_RATE = 0.2;');
  });

  it('segments what parsed and falls back to indentation for ERROR regions, without throwing', async () => {
    const broken = 'def ok(a):\n    return a + 1\n\n)))) this is not python ((((\n\ndef also_ok(b):\n    return b * 2\n';
    const seg = treeSitter('python');
    const o = seg.outline(broken);
    expect(o.errors).toBeGreaterThan(0);
    expect(o.items.some((it) => it.name === 'ok')).toBe(true);
    const r = await compressCode([{ path: 'broken.py', text: broken }], { budget: { ratio: 2 }, tokenizer, query: 'also_ok' });
    expect(r.tokens.compressed).toBeLessThanOrEqual(r.tokens.budget);
    expect(r.files[0]!.parseErrors).toBeGreaterThan(0);
  });
});

describe('loadCodeSegmenter and compressCode', () => {
  it('picks tree-sitter by extension and the indentation fallback for unknown languages', async () => {
    expect((await loadCodeSegmenter('src/a.rs')).name).toBe('tree-sitter:rust');
    expect((await loadCodeSegmenter('notes.xyz')).name).toBe('indentation');
    expect((await loadCodeSegmenter('haskell')).name).toBe('indentation');
    await expect(treeSitterSegmenter('cobol')).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });
  it('compresses a multi-language repository, pulling in the helpers the query calls', async () => {
    const files = [
      { path: 'agg.py', text: sample('sample.py.txt') },
      { path: 'ring.c', text: sample('sample.c.txt') },
      { path: 'lib/Library.java', text: sample('Sample.java.txt') },
      { path: 'misc.unknown', text: 'proc a() {\n  b()\n}\n' },
    ];
    const r = await compressCode(files, { budget: { ratio: 4 }, tokenizer, query: 'int v; ring_pop(&r, &v); ring_index(&r, 0);', explain: true });
    expect(r.tokens.compressed).toBeLessThanOrEqual(r.tokens.budget);
    expect(r.text).toContain('int ring_pop(ring_t *r, int *out)');
    expect(r.text).toContain('static size_t ring_index(const ring_t *r, size_t i)');
    expect(r.files.map((f) => f.language)).toEqual(['python', 'c', 'java', 'text']);
    const c = r.files[1]!;
    for (const s of [...c.kept, ...c.skeleton]) expect(r.text).toContain(files[1]!.text.slice(s.start, s.end));
  });
});
