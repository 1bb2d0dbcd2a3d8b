import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { compressSync } from './compress.js';
import { createSources } from './sources.js';
import { structuredTextSegmenter } from './segmenters/structured-text-segmenter.js';
import { wordTokenizer } from './testing/index.js';
import type { CompressionResult, DocumentInput, Tokenizer } from './types.js';

const WORDS = ['rover', 'battery', 'Dust', 'solar', 'the', 'of', 'night', 'heater', 'Mars', 'array', 'power', 'is', 'not', 'cold', 'getValue', 'user_id', 'Dr.', 'e.g.', 'café', '你好', '<|endoftext|>', '"quoted words"', 'https://x.io/a?b=1', '42', '3.5', '2023-05-08'];
const word = fc.constantFrom(...WORDS);
const sentence = fc.array(word, { minLength: 1, maxLength: 14 }).chain((ws) => fc.constantFrom('.', '!', '?', '', ':').map((p) => ws.join(' ') + p));
const line = fc.oneof(
  { weight: 6, arbitrary: fc.array(sentence, { minLength: 1, maxLength: 4 }).map((s) => s.join(' ')) },
  { weight: 1, arbitrary: sentence.map((s) => `# ${s}`) },
  { weight: 1, arbitrary: sentence.map((s) => `- ${s}`) },
  { weight: 1, arbitrary: fc.tuple(word, word).map(([a, b]) => `| ${a} | ${b} |`) },
  { weight: 1, arbitrary: fc.constant('|---|---|') },
  { weight: 1, arbitrary: sentence.map((s) => '```\n' + s + '\n\n' + s + '\n```') },
  { weight: 1, arbitrary: fc.constant('') },
  { weight: 1, arbitrary: sentence.map((s) => `Speaker: ${s}`) },
);
const text = fc.array(line, { minLength: 0, maxLength: 40 }).chain((ls) => fc.constantFrom('\n', '\r\n', '\n\n').map((nl) => ls.join(nl)));
const documents = fc.array(
  fc.record({ title: fc.option(sentence, { nil: undefined }), text }).map((d): DocumentInput => (d.title === undefined ? { text: d.text } : { title: d.title, text: d.text })),
  { minLength: 1, maxLength: 4 },
);
const input = fc.oneof(text, documents);
const budget = fc.oneof(fc.integer({ min: 1, max: 400 }).map((tokens) => ({ tokens })), fc.double({ min: 1, max: 30, noNaN: true }).map((ratio) => ({ ratio })));
const query = fc.option(fc.array(word, { minLength: 1, maxLength: 5 }).map((w) => w.join(' ')), { nil: undefined });
const prune = fc.constantFrom(false as const, false as const, 0.3, 0.6);

const tokenizer: Tokenizer = wordTokenizer();
const SEPARATORS = ['\n', '\n\n', ' '];

function tryCompress(inp: string | DocumentInput[], opts: Parameters<typeof compressSync>[1]): CompressionResult | undefined {
  try {
    return compressSync(inp, opts);
  } catch (error) {
    // the only acceptable failure is a budget that cannot hold the kept content (tiny budgets with keep patterns)
    expect((error as { code?: string }).code).toBe('BUDGET_UNSATISFIABLE');
    return undefined;
  }
}

/** Checks that `result.text` is exactly its kept spans joined by known separators; returns the kept slices. */
function checkRendering(result: CompressionResult, inp: string | DocumentInput[]): string[] {
  const sources = createSources(inp);
  const byId = new Map(sources.map((s) => [s.id, s]));
  const slices = result.kept.map((span) => {
    const src = byId.get(span.sourceId);
    expect(src).toBeDefined();
    expect(span.start).toBeGreaterThanOrEqual(0);
    expect(span.end).toBeLessThanOrEqual(src!.text.length);
    expect(span.end).toBeGreaterThan(span.start);
    return src!.text.slice(span.start, span.end);
  });
  // slices joined by separators, tried with backtracking (a white-space-only slice next to a separator is ambiguous)
  const matches = (i: number, pos: number): boolean => {
    if (i === slices.length) return pos === result.text.length;
    const slice = slices[i]!;
    if (i === 0) return result.text.startsWith(slice, pos) && matches(1, pos + slice.length);
    return SEPARATORS.some((sep) => result.text.startsWith(sep + slice, pos) && matches(i + 1, pos + sep.length + slice.length));
  };
  expect(matches(0, 0)).toBe(true);
  return slices;
}

describe('compress() invariants (property tests)', () => {
  it('never exceeds the budget; output is exactly spans of the input; deterministic', () => {
    fc.assert(
      fc.property(input, budget, query, prune, (inp, b, q, p) => {
        const opts = { budget: b, tokenizer, prune: p, ...(q === undefined ? {} : { query: q }) };
        const result = tryCompress(inp, opts);
        if (result === undefined) return;
        expect(tokenizer.count(result.text)).toBe(result.tokens.compressed);
        expect(result.tokens.compressed).toBeLessThanOrEqual(result.tokens.budget);
        checkRendering(result, inp);
        const again = compressSync(inp, opts);
        expect(again.text).toBe(result.text);
        expect(again.kept).toEqual(result.kept);
      }),
      { numRuns: 2500 },
    );
  });

  it('never cuts a unit without pruning (except one unit cut to fit when nothing fits whole): kept spans start and end on unit boundaries', () => {
    fc.assert(
      fc.property(input, budget, query, (inp, b, q) => {
        const result = tryCompress(inp, { budget: b, tokenizer, ...(q === undefined ? {} : { query: q }) });
        if (result === undefined || result.ratio === 1) return;
        const sources = createSources(inp);
        const seg = structuredTextSegmenter().segment(sources);
        for (const span of result.kept) {
          const src = sources.find((s) => s.id === span.sourceId)!;
          const units = seg.units.filter((u) => u.source === src.index);
          expect(units.some((u) => u.start === span.start)).toBe(true);
          // the one exception: nothing fitted whole, so the most valuable unit was cut to the budget (≥ 50 tokens)
          const cutToFit = result.kept.length === 1 && result.tokens.budget >= 50 && units.some((u) => u.start === span.start && u.end > span.end);
          expect(cutToFit || units.some((u) => u.end === span.end)).toBe(true);
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('keeps protected spans whole: keep patterns always, and numbers, quotes and URLs when pruning', () => {
    fc.assert(
      fc.property(input, fc.integer({ min: 60, max: 400 }), query, prune, (inp, tokens, q, p) => {
        const keep = ['Mars', /\d{4}-\d{2}-\d{2}/];
        const result = tryCompress(inp, { budget: { tokens }, tokenizer, keep, prune: p, ...(q === undefined ? {} : { query: q }) });
        if (result === undefined) return;
        const sources = createSources(inp);
        const all = sources.map((s) => s.text).join('\n');
        const mustStay = (all.match(/Mars|\d{4}-\d{2}-\d{2}/g) ?? []).length;
        const stayed = (result.text.match(/Mars|\d{4}-\d{2}-\d{2}/g) ?? []).length;
        expect(stayed).toBe(mustStay);
        // protected tokens are never cut in half by pruning
        for (const m of result.text.matchAll(/\d[\d.,-]*\d|\d/g)) {
          expect(all.includes(m[0])).toBe(true);
        }
        for (const m of result.text.matchAll(/https?:\S*/g)) expect(m[0].startsWith('https://x.io/a?b=1')).toBe(true);
        for (const m of result.text.matchAll(/"[^"\n]*"/g)) expect(m[0]).toBe('"quoted words"');
      }),
      { numRuns: 1500 },
    );
  });
});
