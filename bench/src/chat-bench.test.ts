import { describe, expect, it } from 'vitest';
import { wordTokenizer } from '@ctxpress/core/testing';
import { compressChatSync as compressChat } from '@ctxpress/core';
import { dataDirectory, skipWithoutData } from './data.js';
import { growingConversation, locomoMessages, runChatBench } from './chat-bench.js';

describe('chat bench', () => {
  it('turns LoCoMo lines into messages, session headers joining the next message', () => {
    const messages = locomoMessages(
      '[Session 1 - 1:56 pm on 8 May, 2023]\nCaroline: Hi Mel!\nMelanie: Hey!\nCaroline: News?\n[Session 2 - 9 am]\nMelanie: Yes.',
    );
    expect(messages).toEqual([
      { role: 'user', content: '[Session 1 - 1:56 pm on 8 May, 2023]\nCaroline: Hi Mel!' },
      { role: 'assistant', content: 'Melanie: Hey!' },
      { role: 'user', content: 'Caroline: News?' },
      { role: 'assistant', content: '[Session 2 - 9 am]\nMelanie: Yes.' },
    ]);
  });

  it('grows a conversation with a tool exchange every third turn', () => {
    const lines = locomoMessages('A: one\nB: two\nA: three\nB: four\nA: five\nB: six');
    const snapshots = growingConversation(lines, 6);
    expect(snapshots).toHaveLength(6);
    expect(snapshots[2]!.filter((m) => m.role === 'tool')).toHaveLength(1);
    expect(snapshots[5]!.slice(0, snapshots[4]!.length)).toEqual(snapshots[4]);
  });

  it.skipIf(skipWithoutData('chat bench', ['locomo_conversation.jsonl']))('beats both baselines at 4x and reports a Markdown table', async () => {
    const result = await runChatBench({ dataDir: dataDirectory(), tokenizer: wordTokenizer(), limit: 8, compressChat });
    const at4 = result.rows.find((r) => r.ratio === 4)!;
    expect(at4.examples).toBe(8);
    expect(at4.ctxpress).toBeGreaterThan(at4.lastTurns);
    expect(at4.ctxpress).toBeGreaterThan(at4.random);
    for (const row of result.rows) expect(row.fill).toBeLessThanOrEqual(1);
    expect(result.prefix.prefixStable).toBeGreaterThan(result.prefix.relevance);
    expect(result.prefix.prefixStable).toBeLessThanOrEqual(result.prefix.bound);
    expect(result.prefix.overBudgetCalls).toBeGreaterThan(0);
    expect(result.prefix.usePrefixStable).toBeGreaterThan(0.5);
    expect(result.prefix.usePrefixStable).toBeLessThanOrEqual(1);
    expect(result.markdown).toContain('| prefixStable: true |');
    expect(result.markdown).toContain('| 4x |');
  });
});
