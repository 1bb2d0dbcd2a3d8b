import { describe, it, expect } from 'vitest';
import { dataDirectory, skipWithoutData } from './data.js';
import { agentConversation, runConversationBench } from './conversation-bench.js';

describe.skipIf(skipWithoutData('conversation bench', ['squad_article.jsonl']))('conversation bench', () => {
  it('grows the conversation by one turn (four messages) per snapshot', () => {
    const snapshots = agentConversation(dataDirectory(), 3);
    expect(snapshots.map((s) => s.length)).toEqual([5, 9, 13]);
    expect(snapshots[2]!.slice(0, 9)).toEqual(snapshots[1]);
  });

  it('sends every turn through a real proxy with each store, and the cached runs forward what the uncached one forwards', async () => {
    const result = await runConversationBench({ dataDir: dataDirectory(), turns: 6, budgetTokens: 6500 });
    expect(result.rows.map((r) => r.store)).toEqual(['none', 'memory', 'file']);
    for (const row of result.rows) {
      expect(row.identical).toBe(true);
      expect(row.lastBefore).toBeGreaterThan(row.lastAfter);
      expect(row.lastAfter).toBeLessThanOrEqual(6500);
    }
    expect(result.markdown).toContain('| memory |');
  }, 60_000);
});
