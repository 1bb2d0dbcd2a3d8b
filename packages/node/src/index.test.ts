import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { compress, getTokenizer } from './index.js';

const TEXT = [
  '# Mission log',
  '',
  'The rover landed in Jezero crater on 18 February 2021. Its power comes from a radioisotope generator, not solar panels.',
  'The generator produces about 110 W at launch and loses a few watts every year.',
  '',
  'Two lithium-ion batteries cover peaks such as driving and drilling. <|endoftext|> appears in a log line here.',
  '',
  '| system | watts |',
  '|---|---|',
  '| heaters | 40 |',
  '| radio | 15 |',
].join('\n');

describe('compress() with real tokenizers', () => {
  it('counts in the requested tokenizer and never exceeds the budget', async () => {
    for (const tokenizer of ['o200k_base', 'cl100k_base', 'gpt-4o', 'gpt-3.5-turbo', 'llama3', 'qwen3']) {
      const r = await compress(TEXT, { budget: { tokens: 40 }, query: 'How much power does the generator produce?', tokenizer });
      const tok = await getTokenizer(tokenizer);
      expect(tok.count(r.text)).toBe(r.tokens.compressed);
      expect(r.tokens.compressed).toBeLessThanOrEqual(40);
      expect(r.text).toContain('110 W');
    }
  });

  it('defaults to o200k_base and accepts a Tokenizer object', async () => {
    const a = await compress(TEXT, { budget: { ratio: 2 } });
    const b = await compress(TEXT, { budget: { ratio: 2 }, tokenizer: await getTokenizer('o200k_base') });
    expect(a).toMatchObject({ text: b.text, tokens: b.tokens });
  });

  it('rejects an unknown tokenizer with a coded error', async () => {
    await expect(compress(TEXT, { budget: { ratio: 2 }, tokenizer: 'bogus' })).rejects.toMatchObject({ code: 'UNKNOWN_TOKENIZER' });
  });

  it('property: o200k budget is a hard limit on generated text with special tokens', async () => {
    const tok = await getTokenizer('o200k_base');
    const word = fc.constantFrom('rover', 'power', '<|endoftext|>', 'Mars.', '42', '\n', '\n\n', '# Head\n', '- item\n', '🙂', 'naïve', 'x_y', 'The');
    await fc.assert(
      fc.asyncProperty(fc.array(word, { maxLength: 300 }), fc.integer({ min: 1, max: 200 }), async (words, tokens) => {
        const text = words.join(' ');
        const r = await compress(text, { budget: { tokens }, query: 'rover power', tokenizer: tok });
        expect(tok.count(r.text)).toBeLessThanOrEqual(tokens);
        expect(r.tokens.compressed).toBe(tok.count(r.text));
      }),
      { numRuns: 400 },
    );
  });
});
