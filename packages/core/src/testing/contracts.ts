/**
 * Contract suites: every implementation of an extension point runs the one suite for its kind.
 * They take `describe`/`it`/`expect` from the caller so this module has no test-runner dependency.
 * @module
 */
import type { Allocator, Pruner, Scorer, Selector, Tokenizer } from '../types.js';
import type { Segmenter } from '../options.js';
import { createSources } from '../sources.js';
import { buildScoringContext } from '../scoring-context.js';
import { structuredTextSegmenter } from '../segmenters/structured-text-segmenter.js';
import { wordTokenizer } from './word-tokenizer.js';

export interface TestApi {
  describe: (name: string, body: () => void) => void;
  it: (name: string, body: () => void | Promise<void>) => void;
  expect: (value: unknown) => {
    toBe(v: unknown): void;
    toEqual(v: unknown): void;
    toBeGreaterThan(v: number): void;
    toBeGreaterThanOrEqual(v: number): void;
    toBeLessThanOrEqual(v: number): void;
    toBeLessThan(v: number): void;
    toBeTruthy(): void;
  };
}

export const SAMPLE_DOCUMENTS = [
  {
    id: 'rover',
    title: 'Rover power',
    text:
      'The rover carries two solar arrays. Dust on the arrays cut output by 40% in the first winter.\n\n' +
      'Cold nights drain the battery because heaters keep the electronics above -40 °C. Engineers call this the survival load.\n\n' +
      'The team cleans the arrays with scheduled tilts. "Dust devils" also clean them by chance.',
  },
  {
    id: 'lander',
    title: 'Lander radio',
    text: 'The lander relays data through an orbiter. The UHF link runs at 2 Mbit/s. Passes last about eight minutes.\n\nThe radio draws 30 W while transmitting.',
  },
  { id: 'empty-ish', text: 'Short note.' },
];

function sampleContext(query?: string) {
  const sources = createSources(SAMPLE_DOCUMENTS);
  const segmentation = structuredTextSegmenter().segment(sources);
  return buildScoringContext(segmentation, wordTokenizer(), query);
}

export function runTokenizerContract(t: TestApi, name: string, create: () => Promise<Tokenizer> | Tokenizer): void {
  t.describe(`Tokenizer contract: ${name}`, () => {
    t.it('counts 0 for the empty string and more for longer text', async () => {
      const tok = await create();
      t.expect(tok.count('')).toBe(0);
      t.expect(tok.count('hello')).toBeGreaterThan(0);
      t.expect(tok.count('hello world, hello world, hello world')).toBeGreaterThan(tok.count('hello world'));
    });
    t.it('counts special-token text as plain text without throwing', async () => {
      const tok = await create();
      for (const s of ['<|endoftext|>', 'a <|im_start|> b', '<|begin_of_text|><|eot_id|>', '<|fim_prefix|>x']) {
        t.expect(tok.count(s)).toBeGreaterThan(1);
      }
    });
    t.it('is deterministic and handles unicode, emoji, CRLF and control characters', async () => {
      const tok = await create();
      const text = 'Grüße 你好世界 🙂\r\n\tx\u0000y ' + 'é'.repeat(50);
      t.expect(tok.count(text)).toBe(tok.count(text));
      t.expect(tok.count(text)).toBeGreaterThan(5);
    });
  });
}

export function runSegmenterContract(t: TestApi, name: string, create: () => Segmenter): void {
  t.describe(`Segmenter contract: ${name}`, () => {
    t.it('returns ordered, non-overlapping units inside their sources that cover every non-space character', () => {
      const sources = createSources(SAMPLE_DOCUMENTS);
      const seg = create().segment(sources);
      for (const src of sources) {
        const covered = new Uint8Array(src.text.length);
        let lastEnd = -1;
        for (const u of seg.units.filter((x) => x.source === src.index)) {
          t.expect(u.start).toBeGreaterThanOrEqual(lastEnd);
          t.expect(u.end).toBeGreaterThan(u.start);
          t.expect(u.end).toBeLessThanOrEqual(src.text.length);
          for (let i = u.start; i < u.end; i++) covered[i] = 1;
          lastEnd = u.end;
        }
        for (let i = 0; i < src.text.length; i++) if (!/\s/.test(src.text[i]!)) t.expect(covered[i]).toBe(1);
      }
      seg.units.forEach((u, i) => t.expect(u.index).toBe(i));
    });
    t.it('gives every unit a block and a section that contain it', () => {
      const seg = create().segment(createSources(SAMPLE_DOCUMENTS));
      for (const u of seg.units) {
        const block = seg.blocks[u.block]!;
        t.expect(block.unitStart).toBeLessThanOrEqual(u.index);
        t.expect(block.unitEnd).toBeGreaterThan(u.index);
        const section = seg.sections[u.section]!;
        t.expect(section.unitStart).toBeLessThanOrEqual(u.index);
        t.expect(section.unitEnd).toBeGreaterThan(u.index);
      }
    });
    t.it('handles empty and whitespace-only sources', () => {
      const seg = create().segment(createSources([{ text: '' }, { text: '  \n\n ' }, { text: 'x' }]));
      t.expect(seg.units.length).toBe(1);
    });
  });
}

export function runScorerContract(t: TestApi, name: string, create: () => Scorer, options: { queryAware: boolean }): void {
  t.describe(`Scorer contract: ${name}`, () => {
    t.it('returns one finite, non-negative score per unit, deterministically', () => {
      const ctx = sampleContext('What drains the battery at night?');
      const a = create().score(ctx);
      const b = create().score(sampleContext('What drains the battery at night?'));
      t.expect(a.length).toBe(ctx.texts.length);
      for (let i = 0; i < a.length; i++) {
        t.expect(Number.isFinite(a[i])).toBe(true);
        t.expect(a[i]!).toBeGreaterThanOrEqual(0);
        t.expect(a[i]).toBe(b[i]);
      }
    });
    if (options.queryAware) {
      t.it('ranks the unit that answers the query above unrelated units', () => {
        const ctx = sampleContext('What drains the battery on cold nights?');
        const s = create().score(ctx);
        const answer = ctx.texts.findIndex((x) => x.startsWith('Cold nights drain'));
        const unrelated = ctx.texts.findIndex((x) => x.startsWith('The UHF link'));
        t.expect(s[answer]!).toBeGreaterThan(s[unrelated]!);
      });
    }
    t.it('copes with no units', () => {
      const seg = structuredTextSegmenter().segment(createSources(''));
      const s = create().score(buildScoringContext(seg, wordTokenizer(), 'x'));
      t.expect(s.length).toBe(0);
    });
  });
}

export function runAllocatorContract(t: TestApi, name: string, create: () => Allocator): void {
  t.describe(`Allocator contract: ${name}`, () => {
    t.it('gives every unit a group, caps within group sizes and summing to at most the budget', () => {
      const ctx = sampleContext('battery');
      const scores = new Float64Array(ctx.texts.length).map((_, i) => (i % 3) + 1);
      for (const budget of [0, 5, 20, 1000]) {
        const r = create().allocate({ context: ctx, unitScores: scores, budget, pinned: new Uint8Array(ctx.texts.length) });
        let total = 0;
        r.groups.forEach((g, i) => {
          let size = 0;
          for (let u = g.unitStart; u < g.unitEnd; u++) {
            size += ctx.tokens[u]!;
            t.expect(r.groupOfUnit[u]).toBe(i);
          }
          t.expect(r.caps[i]!).toBeLessThanOrEqual(size + 1e-9);
          total += r.caps[i]!;
        });
        t.expect(total).toBeLessThanOrEqual(budget + 1e-6);
      }
    });
  });
}

export function runSelectorContract(t: TestApi, name: string, create: () => Selector): void {
  t.describe(`Selector contract: ${name}`, () => {
    t.it('keeps pinned units, stays within the budget, and keeps more with a bigger budget', () => {
      const ctx = sampleContext('battery');
      const n = ctx.texts.length;
      const scores = new Float64Array(n).map((_, i) => 1 + ((i * 7) % 5));
      const pinned = new Uint8Array(n);
      pinned[1] = 1;
      let previous = -1;
      for (const budget of [ctx.tokens[1]! + 2, 30, 60, 10_000]) {
        const r = create().select({ context: ctx, unitScores: scores, allocation: undefined, pinned, budget, separatorTokens: 1 });
        t.expect(r.keep[1]).toBe(1);
        let used = 0;
        let kept = 0;
        for (let u = 0; u < n; u++) {
          if (!r.keep[u]) continue;
          used += ctx.tokens[u]!;
          kept++;
        }
        t.expect(used).toBeLessThanOrEqual(budget);
        t.expect(kept).toBeGreaterThanOrEqual(previous);
        previous = kept;
      }
    });
  });
}

export function runPrunerContract(t: TestApi, name: string, create: () => Pruner): void {
  t.describe(`Pruner contract: ${name}`, () => {
    t.it('returns ordered ranges inside the unit that keep numbers, names, quotes and query terms', () => {
      const sources = createSources('In the first winter of the mission, Dust Storm Alpha cut the output of the "north array" by 40% as the battery ran very low.');
      const seg = structuredTextSegmenter().segment(sources);
      const unit = seg.units[0]!;
      const ranges = create().prune(unit, { source: sources[0]!, queryTerms: new Set(['battery']), keep: [], information: (w) => w.length }, 0.5);
      let last = unit.start;
      const kept = ranges.map(([s, e]) => {
        t.expect(s).toBeGreaterThanOrEqual(last);
        t.expect(e).toBeLessThanOrEqual(unit.end);
        last = e;
        return sources[0]!.text.slice(s, e);
      }).join(' ');
      for (const must of ['40%', 'Dust', 'Storm', 'Alpha', '"north array"', 'battery']) t.expect(kept.includes(must)).toBe(true);
      t.expect(kept.length).toBeLessThan(unit.end - unit.start);
    });
  });
}
