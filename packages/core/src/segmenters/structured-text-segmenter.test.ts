import { describe, it, expect } from 'vitest';
import { structuredTextSegmenter } from './structured-text-segmenter.js';
import { createSources } from '../sources.js';

function segment(text: string, format: 'text' | 'markdown' | 'auto' = 'auto') {
  const sources = createSources(text, format);
  const seg = structuredTextSegmenter().segment(sources);
  return { seg, parts: seg.units.map((u) => [u.kind, text.slice(u.start, u.end)] as const) };
}

describe('structuredTextSegmenter', () => {
  it('keeps Markdown headings, list items, table rows and code fences whole', () => {
    const md = [
      '# Power',
      '',
      'Solar arrays feed the bus. Batteries store the rest.',
      '',
      '- first item. It has two sentences.',
      '  continued here',
      '- second item',
      '',
      '| part | watts |',
      '|------|-------|',
      '| heater | 30 |',
      '| radio | 20 |',
      '',
      '```ts',
      'const x = 1;',
      '',
      'const y = 2;',
      '```',
      '## Next',
      'Done.',
    ].join('\n');
    const { parts, seg } = segment(md);
    expect(parts).toEqual([
      ['heading', '# Power'],
      ['sentence', 'Solar arrays feed the bus.'],
      ['sentence', 'Batteries store the rest.'],
      ['list-item', '- first item. It has two sentences.\n  continued here'],
      ['list-item', '- second item'],
      ['table-row', '| part | watts |\n|------|-------|'],
      ['table-row', '| heater | 30 |'],
      ['table-row', '| radio | 20 |'],
      ['code-block', '```ts\nconst x = 1;\n\nconst y = 2;\n```'],
      ['heading', '## Next'],
      ['sentence', 'Done.'],
    ]);
    // table rows anchor to the header; headings start sections
    expect(seg.units[6]!.anchor).toBe(5);
    expect(seg.units[7]!.anchor).toBe(5);
    expect(seg.units[9]!.section).not.toBe(seg.units[0]!.section);
  });

  it('treats each line of a transcript as a unit under its block header', () => {
    const text = '[Session 1 - 8 May, 2023]\nCaroline: Hi! How are you?\nMel: Fine. Busy with work.';
    const { parts, seg } = segment(text, 'text');
    expect(parts).toEqual([
      ['heading', '[Session 1 - 8 May, 2023]'],
      ['line', 'Caroline: Hi! How are you?'],
      ['line', 'Mel: Fine. Busy with work.'],
    ]);
    expect(seg.units[1]!.anchor).toBe(0);
    expect(seg.units[2]!.anchor).toBe(0);
  });

  it('joins hard-wrapped prose and splits it into sentences', () => {
    const text = 'That is what a lot of us were\ntaught essays should be. But I think\nwe can aim higher.';
    const { parts } = segment(text, 'text');
    expect(parts.map((p) => p[1])).toEqual(['That is what a lot of us were\ntaught essays should be.', 'But I think\nwe can aim higher.']);
  });

  it('does not read # lines as headings in plain text', () => {
    const { parts } = segment('# not a heading\n# another line', 'text');
    expect(parts.every((p) => p[0] !== 'heading' || p[1] === '# not a heading')).toBe(true);
  });

  it('cuts over-long sentences at clause punctuation', () => {
    const long = Array.from({ length: 200 }, (_, i) => `clause number ${i}`).join(', ') + '.';
    const sources = createSources(long, 'text');
    const seg = structuredTextSegmenter({ maxSentenceLength: 300 }).segment(sources);
    expect(seg.units.length).toBeGreaterThan(5);
    for (const u of seg.units) expect(u.end - u.start).toBeLessThanOrEqual(300);
  });
});
