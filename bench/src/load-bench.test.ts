import { describe, expect, it } from 'vitest';
import { buildContexts, MIXED_CLEAN, MIXED_SLOW, runLoadBench, slowBodies } from './load-bench.js';
import { getTokenizer } from '@ctxpress/node';

describe('load bench', () => {
  it('builds distinct contexts of at least the requested size', async () => {
    const contexts = await buildContexts(2000, 4);
    expect(new Set(contexts).size).toBe(4);
    const tokenizer = await getTokenizer('o200k_base');
    for (const text of contexts) expect(tokenizer.count(text)).toBeGreaterThanOrEqual(1900);
  });

  it('runs a short load in-process on both routes, twice, with the fault runs, and reports a table', async () => {
    const result = await runLoadBench({
      concurrencies: [1, 4],
      durationMs: 300,
      contextTokens: 1000,
      server: 'in-process',
      passes: 2,
      slowInputChars: 20_000,
    });
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
    // slow inputs mixed into normal traffic: the same lanes alone, then with a slow lane; every request answered
    expect(result.steps.filter((s) => s.phase.startsWith('mixed')).map((s) => `${s.phase}/${s.route}/${s.concurrency}`)).toEqual([
      `${MIXED_CLEAN}/compress/1`,
      `${MIXED_CLEAN}/proxy/1`,
      `${MIXED_SLOW}/compress/1`,
      `${MIXED_SLOW}/proxy/1`,
      `${MIXED_SLOW}/slow/2`,
    ]);
    expect(result.markdown).toContain('Normal requests with slow inputs mixed in');
    expect(result.rssAfterPassMB).toHaveLength(2);
    expect(result.markdown).toContain('| phase | route | connections | answered | errors | lost | req/s | p50 ms | p99 ms |');
  }, 60_000);

  it('builds the slow inputs: a one-letter run, a CJK block, a quadratic regex keep', () => {
    const [run, cjk, regex] = slowBodies(1000, 4).map((body) => JSON.parse(body) as { text: string; keep?: string[] });
    expect(run!.text).toBe('a'.repeat(1000));
    expect(cjk!.text).toHaveLength(126);
    expect(cjk!.text).toMatch(/^[\u4e00-\u9fff]+$/);
    expect(regex!.keep).toEqual(['/a+b/']);
  });
});
