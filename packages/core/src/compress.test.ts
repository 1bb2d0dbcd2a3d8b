import { describe, it, expect } from 'vitest';
import { compressSync, prepareCompression } from './compress.js';
import { isCtxpressError } from './errors.js';
import { wordTokenizer } from './testing/index.js';

const tokenizer = wordTokenizer();
const ARTICLE = [
  'Rover power',
  '',
  'The rover carries two solar arrays that feed the main bus. The arrays were built by a team in Pasadena.',
  'Dust on the arrays cut their output by 40 percent in the first winter. Engineers measured the loss every sol.',
  '',
  'Cold nights drain the battery because heaters must keep the electronics warm. This survival load dominates in winter.',
  'The radio uses little power. It transmits twice a day through an orbiter.',
  '',
  'The wheels were redesigned after cracks appeared. Aluminium was replaced by titanium in the spare set.',
].join('\n');

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isCtxpressError(e) ? e.code : `not a CtxpressError: ${String(e)}`;
  }
  return undefined;
}

describe('compressSync', () => {
  it('keeps what the query asks about', () => {
    const r = compressSync(ARTICLE, { budget: { tokens: 40 }, query: 'What drains the battery at night?', tokenizer });
    expect(r.text).toContain('Cold nights drain the battery');
    expect(r.tokens.compressed).toBeLessThanOrEqual(40);
    expect(r.ratio).toBeGreaterThan(2);
  });

  it('without a query keeps informative content within the budget', () => {
    const r = compressSync(ARTICLE, { budget: { ratio: 3 }, tokenizer });
    expect(r.tokens.compressed).toBeLessThanOrEqual(Math.floor(r.tokens.original / 3));
    expect(r.kept.length).toBeGreaterThan(0);
  });

  it('returns the input unchanged when it fits', () => {
    const r = compressSync('short text.', { budget: { tokens: 100 }, tokenizer });
    expect(r.text).toBe('short text.');
    expect(r.ratio).toBe(1);
    expect(r.kept).toEqual([{ sourceId: '0', start: 0, end: 11 }]);
  });

  it('returns an empty result for empty input', () => {
    const r = compressSync('', { budget: { tokens: 10 }, tokenizer });
    expect(r.text).toBe('');
    expect(r.tokens).toEqual({ original: 0, compressed: 0, budget: 10 });
    expect(compressSync([], { budget: { ratio: 2 }, tokenizer }).text).toBe('');
  });

  it('reports document ids, titles and offsets', () => {
    const docs = [
      { id: 'a', title: 'Battery', text: 'Cold nights drain the battery. Heaters run all night.' },
      { id: 'b', title: 'Wheels', text: 'The wheels cracked. Titanium replaced aluminium.' },
    ];
    const r = compressSync(docs, { budget: { tokens: 12 }, query: 'battery cold nights', tokenizer, explain: true });
    expect(r.sources).toEqual([
      { id: 'a', titleLength: 8, length: 8 + docs[0]!.text.length },
      { id: 'b', titleLength: 7, length: 7 + docs[1]!.text.length },
    ]);
    for (const span of r.kept) {
      const src = span.sourceId === 'a' ? `Battery\n${docs[0]!.text}` : `Wheels\n${docs[1]!.text}`;
      expect(r.text).toContain(src.slice(span.start, span.end));
    }
    expect(r.units!.length).toBeGreaterThan(4);
    expect(r.units!.some((u) => u.decision === 'kept')).toBe(true);
    expect(r.units!.some((u) => u.decision === 'dropped')).toBe(true);
    expect(Object.keys(r.units![0]!.scores)).toContain('bm25');
  });

  it('keeps forced patterns and fails clearly when they alone exceed the budget', () => {
    const r = compressSync(ARTICLE, { budget: { tokens: 45 }, query: 'battery', keep: ['titanium', /Pasadena/], tokenizer });
    expect(r.text).toContain('titanium');
    expect(r.text).toContain('Pasadena');
    expect(codeOf(() => compressSync(ARTICLE, { budget: { tokens: 5 }, keep: ['titanium', 'Pasadena'], tokenizer }))).toBe('BUDGET_UNSATISFIABLE');
  });

  it('rejects bad options with coded errors', () => {
    expect(codeOf(() => compressSync(ARTICLE, { budget: { tokens: 0 }, tokenizer }))).toBe('INVALID_BUDGET');
    expect(codeOf(() => compressSync(ARTICLE, { budget: { ratio: 0.5 }, tokenizer }))).toBe('INVALID_BUDGET');
    expect(codeOf(() => compressSync(ARTICLE, { budget: {} as never, tokenizer }))).toBe('INVALID_BUDGET');
    expect(codeOf(() => compressSync(ARTICLE, { budget: { tokens: 5, ratio: 2 } as never, tokenizer }))).toBe('INVALID_BUDGET');
    expect(codeOf(() => compressSync(ARTICLE, undefined as never))).toBe('INVALID_OPTION');
    expect(codeOf(() => compressSync(42 as never, { budget: { tokens: 5 }, tokenizer }))).toBe('INVALID_INPUT');
    expect(codeOf(() => compressSync([{ text: 3 }] as never, { budget: { tokens: 5 }, tokenizer }))).toBe('INVALID_INPUT');
    expect(codeOf(() => compressSync([{ id: 'x', text: 'a' }, { id: 'x', text: 'b' }], { budget: { tokens: 5 }, tokenizer }))).toBe('INVALID_INPUT');
    expect(codeOf(() => compressSync(ARTICLE, { budget: { tokens: 5 }, tokenizer, prune: 2 }))).toBe('INVALID_OPTION');
    expect(codeOf(() => compressSync(ARTICLE, { budget: { tokens: 5 }, tokenizer: {} as never }))).toBe('INVALID_OPTION');
    expect(codeOf(() => compressSync(ARTICLE, { budget: { tokens: 5 }, tokenizer, format: 'html' as never }))).toBe('INVALID_OPTION');
  });

  it('prunes low-information words but keeps numbers and names', () => {
    const r = compressSync(ARTICLE, { budget: { tokens: 45 }, query: 'dust arrays output', tokenizer, prune: 0.4 });
    expect(r.text).toContain('40');
    expect(r.tokens.compressed).toBeLessThanOrEqual(45);
  });

  it('uses the separator between non-adjacent spans', () => {
    const r = compressSync(ARTICLE, { budget: { tokens: 35 }, query: 'titanium Pasadena', tokenizer, separator: ' … ' });
    expect(r.kept.length).toBeGreaterThan(1);
    expect(r.text).toContain(' … ');
  });
});

describe('prepareCompression', () => {
  const strip = (r: { timings: unknown }): unknown => ({ ...r, timings: undefined });
  it('gives what compressSync gives for every budget, in any order, with the work before selection done once', () => {
    const documents = [
      { id: 'a', title: 'Rover power', text: ARTICLE },
      { id: 'b', text: ARTICLE.replace(/rover/gi, 'lander') },
    ];
    for (const query of ['What drains the battery?', undefined]) {
      const options = { tokenizer, ...(query === undefined ? {} : { query }), keep: ['Pasadena'] };
      const prepared = prepareCompression(documents, options);
      expect(prepared.original).toBe(compressSync(documents, { ...options, budget: { ratio: 1 } }).tokens.original);
      for (const tokens of [120, 60, 500, 80, 60]) {
        expect(strip(prepared.compress(tokens))).toEqual(strip(compressSync(documents, { ...options, budget: { tokens } })));
        const spans = prepared.select(tokens);
        for (const span of spans) {
          const doc = documents.find((d) => d.id === span.sourceId)!;
          expect(span.end).toBeLessThanOrEqual((doc.title === undefined ? 0 : doc.title.length + 1) + doc.text.length);
        }
        // the keep match is always selected
        expect(spans.some((span) => span.sourceId === 'a')).toBe(true);
      }
    }
  });

  it('throws BUDGET_UNSATISFIABLE from select and compress when the keep matches alone do not fit', () => {
    const prepared = prepareCompression(ARTICLE, { tokenizer, keep: [/Dust[^.]*\./] });
    expect(codeOf(() => prepared.select(3))).toBe('BUDGET_UNSATISFIABLE');
    expect(codeOf(() => prepared.compress(3))).toBe('BUDGET_UNSATISFIABLE');
    expect(prepared.select(prepared.original).length).toBe(1);
  });
});

