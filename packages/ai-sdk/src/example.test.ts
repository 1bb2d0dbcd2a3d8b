import { readFileSync } from 'node:fs';
import { MockLanguageModelV3 } from 'ai/test';
import { countChatTokens, getTokenizer } from '@ctxpress/node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { answer } from '../examples/basic.js';
import { ANSWER, documents, promptText, QUESTION, textResult, toolOutput } from '../test/fixtures.js';

const example = readFileSync(new URL('../examples/basic.ts', import.meta.url), 'utf8');
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('examples/basic.ts', () => {
  afterEach(() => vi.restoreAllMocks());

  it('is the README example, character for character', () => {
    expect(readme).toContain('```ts\n' + example + '```\n');
  });

  it('runs against the mock model: a long prompt reaches it compressed to 2,000 tokens, with the answer', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const model = new MockLanguageModelV3({ modelId: 'gpt-4o', doGenerate: textResult('The survival heater.') });
    const docs = [documents(), ...['sourdough', 'chess', 'tax', 'orchids', 'databases'].map((t) => toolOutput(t))].join('\n\n');
    const question = QUESTION;
    expect(await answer(model, docs, question)).toBe('The survival heater.');

    const prompt = model.doGenerateCalls[0]!.prompt;
    const tokenizer = await getTokenizer('o200k_base');
    const text = promptText(prompt);
    expect(text).toContain(`Question: ${question}`);
    expect(text).toContain(ANSWER);
    expect(countChatTokens(prompt, { tokenizer, format: 'ai-sdk' })).toBeLessThanOrEqual(2000);
    expect(log).toHaveBeenCalledWith('ctxpress', expect.objectContaining({ mode: 'relevance', tokenizer: 'o200k_base', budget: 2000 }));
    const stats = log.mock.calls[0]![1] as { originalTokens: number };
    expect(stats.originalTokens).toBeGreaterThan(2000);
  });

  it('sends a short prompt untouched', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const model = new MockLanguageModelV3({ modelId: 'gpt-4o', doGenerate: textResult('ok') });
    const plain = new MockLanguageModelV3({ modelId: 'gpt-4o', doGenerate: textResult('ok') });
    await answer(model, documents(), QUESTION);
    const { generateText } = await import('ai');
    await generateText({ model: plain, system: 'Answer from the documents only.', prompt: `${documents()}\n\nQuestion: ${QUESTION}` });
    expect(JSON.stringify(model.doGenerateCalls[0]!.prompt)).toBe(JSON.stringify(plain.doGenerateCalls[0]!.prompt));
  });
});
