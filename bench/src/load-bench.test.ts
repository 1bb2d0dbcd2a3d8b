import { describe, expect, it } from 'vitest';
import { buildContexts, runLoadBench } from './load-bench.js';
import { getTokenizer } from '@ctxpress/node';

describe('load bench', () => {
  it('builds distinct contexts of at least the requested size', async () => {
    const contexts = await buildContexts(2000, 4);
    expect(new Set(contexts).size).toBe(4);
    const tokenizer = await getTokenizer('o200k_base');
    for (const text of contexts) expect(tokenizer.count(text)).toBeGreaterThanOrEqual(1900);
  });

  it('runs a short load in-process and reports a table', async () => {
    const result = await runLoadBench({ concurrencies: [1, 4], durationMs: 300, contextTokens: 1000, server: 'in-process' });
    expect(result.steps.map((s) => s.concurrency)).toEqual([1, 4]);
    for (const step of result.steps) {
      expect(step.errors).toBe(0);
      expect(step.requests).toBeGreaterThan(0);
      expect(step.p99Ms).toBeGreaterThanOrEqual(step.p50Ms);
    }
    expect(result.markdown).toContain('| connections | requests | errors | req/s | p50 ms | p99 ms |');
  });
});
