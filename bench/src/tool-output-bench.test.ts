import { describe, expect, it } from 'vitest';
import { wordTokenizer } from '@ctxpress/core/testing';
import { compressToolOutputSync as compressToolOutput } from '@ctxpress/core';
import { headTruncate, runToolOutputBench, toolOutputCases } from './tool-output-bench.js';

describe('tool-output bench', () => {
  it('generates the same cases for the same seeds, with needles present in the input', () => {
    const a = toolOutputCases(2);
    const b = toolOutputCases(2);
    expect(a.map((c) => c.text)).toEqual(b.map((c) => c.text));
    expect(new Set(a.map((c) => c.scenario)).size).toBe(5);
    for (const c of a) {
      for (const n of c.needles) expect(c.text).toContain(n);
      if (c.kind === 'json') expect(() => JSON.parse(c.text) as unknown).not.toThrow();
    }
  });

  it('head truncation stays within the budget', () => {
    const tokenizer = wordTokenizer();
    const text = 'alpha beta gamma delta '.repeat(50);
    const out = headTruncate(text, 17, tokenizer);
    expect(tokenizer.count(out)).toBeLessThanOrEqual(17);
    expect(text.startsWith(out)).toBe(true);
  });

  it('ctxpress keeps JSON valid and within budget, and retains needles better than head truncation', async () => {
    const { rows, markdown } = await runToolOutputBench({ tokenizer: wordTokenizer(), engine: { compressToolOutput }, perScenario: 2 });
    expect(rows.length).toBe(5 * 5 * 3);
    const mean = (method: string, field: 'needleRetention' | 'withinBudget'): number => {
      const rs = rows.filter((r) => r.method === method);
      return rs.reduce((s, r) => s + r[field], 0) / rs.length;
    };
    for (const r of rows.filter((x) => x.method === 'ctxpress-tool')) {
      expect(r.withinBudget).toBe(1);
      if (r.kind === 'json') expect(r.jsonValid).toBe(1);
    }
    for (const r of rows.filter((x) => x.method === 'head' && x.kind === 'json')) expect(r.jsonValid).toBe(0);
    expect(mean('ctxpress-tool', 'needleRetention')).toBeGreaterThan(mean('head', 'needleRetention'));
    expect(markdown).toContain('| scenario | method |');
  });
});
