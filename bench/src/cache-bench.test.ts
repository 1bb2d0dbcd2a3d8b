import { describe, it, expect } from 'vitest';
import { wordTokenizer } from '@ctxpress/core/testing';
import { dataDirectory, skipWithoutData } from './data.js';
import { runCacheBench } from './cache-bench.js';

describe.skipIf(skipWithoutData('cache bench', ['squad_article.jsonl', 'niah_paulgraham.jsonl', 'qmsum_meeting.jsonl']))('cache bench', () => {
  it('runs on a small set, reports every row, and the cached outputs equal the uncached ones', async () => {
    const result = await runCacheBench({ tokenizer: wordTokenizer(), dataDir: dataDirectory(), runs: 1, targetTokens: 5000 });
    expect(result.rows.map((r) => `${r.store}/${r.state}`)).toEqual(['none/uncached', 'memory/cold', 'memory/warm', 'memory/warm-again', 'none/grown-uncached', 'memory/grown', 'file/cold', 'file/warm']);
    expect(result.documents).toBeGreaterThan(1);
    expect(result.rows.every((r) => r.identical)).toBe(true);
    expect(result.markdown).toContain('| memory | warm |');
  });
});
