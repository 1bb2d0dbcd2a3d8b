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

  it('runs a short load in-process on both routes, twice, with the fault runs, and reports a table', async () => {
    const result = await runLoadBench({ concurrencies: [1, 4], durationMs: 300, contextTokens: 1000, server: 'in-process', passes: 2 });
    const main = result.steps.filter((s) => s.phase.startsWith('pass'));
    expect(main.map((s) => `${s.phase}/${s.route}/${s.concurrency}`)).toEqual([
      'pass 1/compress/1',
      'pass 1/compress/4',
      'pass 1/compress-cold/1',
      'pass 1/proxy/1',
      'pass 1/proxy/4',
      'pass 2/compress/1',
      'pass 2/compress/4',
      'pass 2/compress-cold/1',
      'pass 2/proxy/1',
      'pass 2/proxy/4',
    ]);
    for (const step of result.steps) {
      expect(step.errors).toBe(0);
      expect(step.lost).toBe(0);
      expect(step.requests).toBeGreaterThan(0);
      expect(step.p99Ms).toBeGreaterThanOrEqual(step.p50Ms);
    }
    expect(result.steps.filter((s) => s.phase.startsWith('fault')).map((s) => Object.keys(s.statuses))).toEqual([['200'], ['502'], ['200']]);
    expect(result.rssAfterPassMB).toHaveLength(2);
    expect(result.markdown).toContain('| phase | route | connections | answered | errors | lost | req/s | p50 ms | p99 ms |');
  }, 60_000);
});
