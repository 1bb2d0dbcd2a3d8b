import { describe, it, expect } from 'vitest';
import { wordTokenizer } from '@ctxpress/core/testing';
import { codeBeatsBaselines, codeRetention, headTruncate, loadCodeRepos, runCodeBench } from './code-bench.js';

describe('code bench', () => {
  it('has fixtures in TypeScript, Python, Go and Java with completion points whose dependencies exist', () => {
    const repos = loadCodeRepos();
    const extensions = new Set(repos.flatMap((r) => r.files.map((f) => f.path.split('.').pop())));
    for (const ext of ['ts', 'py', 'go', 'java']) expect(extensions.has(ext)).toBe(true);
    for (const r of repos) expect(r.tasks.length).toBeGreaterThanOrEqual(3);
  });
  it('head truncation stays within the budget', () => {
    const t = wordTokenizer();
    const text = 'a b c\nd e f\ng h i\n';
    expect(t.count(headTruncate(text, 7, t))).toBeLessThanOrEqual(7);
    expect(headTruncate(text, 7, t)).toBe('a b c\nd e f');
  });
  it('ctxpress-code keeps more dependency definitions than head truncation and plain-text compression at 4x', async () => {
    const { rows, markdown } = await runCodeBench({ tokenizer: wordTokenizer(), ratios: [4] });
    for (const r of rows) expect(r.tokens).toBeLessThanOrEqual(r.budget);
    const code = codeRetention(rows, 'ctxpress-code', 4);
    const plain = codeRetention(rows, 'plain-text', 4);
    const head = codeRetention(rows, 'head', 4);
    expect(code.signatures).toBeGreaterThan(plain.signatures);
    expect(code.signatures).toBeGreaterThan(head.signatures);
    expect(code.bodies).toBeGreaterThan(plain.bodies);
    expect(codeBeatsBaselines(rows)).toBe(true);
    expect(markdown).toContain('| ctxpress-code |');
  });
});
