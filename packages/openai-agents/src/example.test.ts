import { readFileSync } from 'node:fs';
import { setTracingDisabled } from '@openai/agents';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { answer } from '../examples/basic.js';
import { ANSWER, documents, inputText, inputTokens, QUESTION, ScriptedModel, toolOutput } from '../test/fixtures.js';

const example = readFileSync(new URL('../examples/basic.ts', import.meta.url), 'utf8');
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

beforeAll(() => setTracingDisabled(true));

describe('examples/basic.ts', () => {
  afterEach(() => vi.restoreAllMocks());

  it('is the README example, character for character', () => {
    expect(readme).toContain('```ts\n' + example + '```\n');
  });

  it('runs with a scripted model: the long search result reaches it compressed to 2,000 tokens, with the answer', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const model = new ScriptedModel([{ call: 'search_documents', args: { query: 'rover battery night' } }, { text: 'The survival heater.' }]);
    const docs = [documents(), ...['sourdough', 'chess', 'tax', 'orchids', 'databases'].map((t) => toolOutput(t))].join('\n\n');
    expect(await answer(model, docs, QUESTION)).toBe('The survival heater.');

    expect(model.received).toHaveLength(2);
    const [first, second] = model.received;
    expect(first!.input).toEqual([{ type: 'message', role: 'user', content: QUESTION }]);
    expect(second!.instructions).toBe('Answer from the documents only.');
    expect(inputText(second!.input)).toContain(QUESTION);
    expect(inputText(second!.input)).toContain(ANSWER);
    expect(await inputTokens(second!)).toBeLessThanOrEqual(2000);
    expect(log).toHaveBeenNthCalledWith(1, 'ctxpress', expect.objectContaining({ mode: 'skipped', agent: 'Researcher' }));
    expect(log).toHaveBeenNthCalledWith(2, 'ctxpress', expect.objectContaining({ mode: 'relevance', tokenizer: 'o200k_base', budget: 2000 }));
    const stats = log.mock.calls[1]![1] as { originalTokens: number };
    expect(stats.originalTokens).toBeGreaterThan(2000);
  });
});
