import { describe, it, expect } from 'vitest';
import { runTokenizerContract } from '@ctxpress/core/testing';
import { getTokenizer, resolveTokenizerName } from './registry.js';

const t = { describe, it, expect: expect as never };
runTokenizerContract(t, 'o200k_base', () => getTokenizer('o200k_base'));
runTokenizerContract(t, 'cl100k_base', () => getTokenizer('cl100k_base'));
runTokenizerContract(t, 'llama3', () => getTokenizer('llama3'));
runTokenizerContract(t, 'qwen3', () => getTokenizer('qwen3'));

describe('tokenizer registry', () => {
  it('maps model names to their tokenizers', () => {
    expect(resolveTokenizerName('gpt-4o')).toBe('o200k_base');
    expect(resolveTokenizerName('gpt-4o-mini')).toBe('o200k_base');
    expect(resolveTokenizerName('openai/gpt-4.1')).toBe('o200k_base');
    expect(resolveTokenizerName('gpt-4')).toBe('cl100k_base');
    expect(resolveTokenizerName('gpt-4-turbo')).toBe('cl100k_base');
    expect(resolveTokenizerName('gpt-3.5-turbo')).toBe('cl100k_base');
    expect(resolveTokenizerName('meta-llama/Llama-3.1-8B-Instruct')).toBe('llama3');
    expect(resolveTokenizerName('Qwen/Qwen2.5-7B-Instruct')).toBe('qwen3');
    expect(resolveTokenizerName('CL100K_BASE')).toBe('cl100k_base');
    expect(resolveTokenizerName('claude-3')).toBeUndefined();
  });

  it('gives exact known counts', async () => {
    expect((await getTokenizer('o200k_base')).count('Hello world')).toBe(2);
    expect((await getTokenizer('cl100k_base')).count('Hello world')).toBe(2);
    expect((await getTokenizer('llama3')).count('Hello world')).toBe(2);
    expect((await getTokenizer('qwen3')).count('Hello world')).toBe(2);
    // special-token text is plain text: far more than one token
    expect((await getTokenizer('o200k_base')).count('<|endoftext|>')).toBeGreaterThan(3);
    expect((await getTokenizer('llama3')).count('<|eot_id|>')).toBeGreaterThan(3);
  });

  it('rejects unknown names with a coded error', async () => {
    await expect(getTokenizer('no-such-model')).rejects.toMatchObject({ code: 'UNKNOWN_TOKENIZER' });
  });
});
