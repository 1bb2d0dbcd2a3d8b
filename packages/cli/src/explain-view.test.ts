import { describe, expect, it } from 'vitest';
import { type ExplainResult, renderExplainView, summaryLine } from './explain-view.js';

// "Alpha one. Beta two. Gamma three.\n\nDelta four." — units at [0,10) [11,20) [21,33) [35,46)
const TEXT = 'Alpha one. Beta two. Gamma three.\n\nDelta four.';

function result(overrides: Partial<ExplainResult> = {}): ExplainResult {
  return {
    tokens: { original: 12, compressed: 6, budget: 6 },
    ratio: 2,
    sources: [{ id: '0', titleLength: 0, length: TEXT.length }],
    kept: [
      { sourceId: '0', start: 0, end: 10 },
      { sourceId: '0', start: 35, end: 46 },
    ],
    dropped: [
      { sourceId: '0', start: 11, end: 20 },
      { sourceId: '0', start: 21, end: 33 },
    ],
    timings: { segment: 1.25, score: 2, total: 4.5 },
    ...overrides,
  };
}

describe('renderExplainView', () => {
  it('without colour, marks dropped text with [-…-] and merges a run of dropped sentences on one line', () => {
    const view = renderExplainView(result(), [TEXT], { color: false });
    expect(view).toBe(
      'Alpha one. [-Beta two. Gamma three.-]\n\nDelta four.\n\n' +
        'tokens 12 → 6 (budget 6) · ratio 2.00x · kept 2 spans, dropped 2 · 4.5 ms\n',
    );
    expect(view).not.toContain('\x1b[');
  });

  it('with colour, dims and strikes dropped text and leaves kept text plain', () => {
    const view = renderExplainView(result(), [TEXT], { color: true });
    expect(view).toContain('Alpha one. \x1b[2m\x1b[9mBeta two. Gamma three.\x1b[0m\n\nDelta four.');
    expect(view).not.toContain('[-');
  });

  it('styles a multi-line dropped span line by line, skipping empty lines', () => {
    const text = 'Keep.\nDrop a\n\nDrop b';
    const view = renderExplainView(
      result({
        sources: [{ id: '0', titleLength: 0, length: text.length }],
        kept: [{ sourceId: '0', start: 0, end: 5 }],
        dropped: [{ sourceId: '0', start: 6, end: text.length }],
      }),
      [text],
      { color: true },
    );
    expect(view.startsWith('Keep.\n\x1b[2m\x1b[9mDrop a\x1b[0m\n\n\x1b[2m\x1b[9mDrop b\x1b[0m\n')).toBe(true);
  });

  it('shows text between two kept units as kept and text outside any unit next to a dropped one as dropped', () => {
    const text = 'A. -- B. ~~ C.';
    const view = renderExplainView(
      result({
        sources: [{ id: '0', titleLength: 0, length: text.length }],
        kept: [
          { sourceId: '0', start: 0, end: 2 },
          { sourceId: '0', start: 6, end: 8 },
        ],
        dropped: [{ sourceId: '0', start: 12, end: 14 }],
      }),
      [text],
      { color: false },
    );
    expect(view.split('\n')[0]).toBe('A. -- B. [-~~ C.-]');
  });

  it('puts a header before each source when there are several, in source order', () => {
    const view = renderExplainView(
      result({
        sources: [
          { id: 'a.md', titleLength: 0, length: 5 },
          { id: 'b.md', titleLength: 0, length: 5 },
        ],
        kept: [{ sourceId: 'a.md', start: 0, end: 5 }],
        dropped: [{ sourceId: 'b.md', start: 0, end: 5 }],
      }),
      ['First', 'Other'],
      { color: false },
    );
    expect(view).toMatch(/^── a\.md ──\nFirst\n\n── b\.md ──\n\[-Other-\]\n\ntokens/);
  });

  it('warns when the given text does not match the length the library saw', () => {
    const view = renderExplainView(result(), ['short'], { color: false });
    expect(view).toContain('has 5 characters here but 46 in the result');
  });

  it('summary: explicit time wins, otherwise timings.total, otherwise the sum of the stages', () => {
    expect(summaryLine(result(), { timeMs: 12.34 })).toMatch(/· 12\.3 ms$/);
    expect(summaryLine(result())).toMatch(/· 4\.5 ms$/);
    expect(summaryLine(result({ timings: { a: 1, b: 2.5 } }))).toMatch(/· 3\.5 ms$/);
  });

  it('summary: an infinite ratio (everything dropped) prints ∞', () => {
    expect(summaryLine(result({ ratio: Infinity }))).toContain('ratio ∞');
  });
});
