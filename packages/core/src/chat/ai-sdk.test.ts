import { describe, expect, it } from 'vitest';
import { wordTokenizer } from '../testing/index.js';
import { compressChat, countChatTokens } from './compress-chat.js';

describe('AI SDK messages: provider-executed tools', () => {
  const filler = 'The search result lists many unrelated pages about gardens, recipes and football scores today. ';
  const messages = [
    { role: 'system', content: 'You answer questions about the rover.' },
    { role: 'user', content: [{ type: 'text', text: 'Search the web for the rover battery.' }] },
    {
      role: 'assistant',
      content: [
        { type: 'tool-call', toolCallId: 'ws1', toolName: 'web_search', input: { query: 'rover battery' }, providerExecuted: true },
        {
          type: 'tool-result',
          toolCallId: 'ws1',
          toolName: 'web_search',
          output: { type: 'text', value: `${filler.repeat(30)}The rover battery is charged by a radioisotope generator. ${filler.repeat(30)}` },
        },
        { type: 'text', text: 'I found a page about the power system.' },
      ],
    },
    { role: 'user', content: [{ type: 'text', text: 'What charges the rover battery?' }] },
  ];

  it('is not an orphan call; its result is compressed by relevance inside the assistant message', () => {
    const tokenizer = wordTokenizer();
    const original = countChatTokens(messages, { tokenizer });
    const result = compressChat(messages, { tokenizer, budget: { tokens: Math.floor(original / 4) } });
    expect(result.tokens.compressed).toBeLessThanOrEqual(result.tokens.budget);
    const assistant = result.messages[2] as { content: Array<Record<string, unknown>> };
    expect(assistant.content[0]).toBe(messages[2]!.content[0]); // the call: verbatim, the same object
    const output = (assistant.content[1] as { output: { type: string; value: string } }).output;
    expect(output.value).toContain('radioisotope generator');
    expect(output.value.length).toBeLessThan(JSON.stringify(messages[2]).length / 2);
  });
});
