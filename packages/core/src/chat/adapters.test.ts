import { describe, expect, it } from 'vitest';
import { wordTokenizer } from '../testing/index.js';
import { isCtxpressError } from '../errors.js';
import { ADAPTERS } from './adapters.js';
import { detectChatFormat } from './detect.js';
import { rebuildMessage } from './shared.js';
import { compressChat, countChatTokens } from './compress-chat.js';
import { SAMPLES } from './samples.js';
import type { ChatFormat } from './types.js';

const tokenizer = wordTokenizer();

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (isCtxpressError(error)) return `${error.code}: ${error.message}`;
    throw error;
  }
  return 'no error';
}

describe.each(Object.keys(SAMPLES) as ChatFormat[])('%s adapter', (format) => {
  const sample = SAMPLES[format];
  const adapter = ADAPTERS[format];

  it('reads text, tool calls and tool results', () => {
    const parsed = adapter.parse(sample.messages);
    expect(parsed).toHaveLength(sample.messages.length);
    const calls = parsed.flatMap((m) => m.calls);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.name).toBe('search_docs');
    expect(JSON.parse(calls[0]!.args)).toEqual({ q: 'token budget' });
    const results = parsed.flatMap((m) => m.slots.filter((s) => s.kind === 'result'));
    expect(results).toHaveLength(1);
    expect(results[0]!.toolName).toBe('search_docs');
    expect(results[0]!.text).toContain('floor(original / ratio)');
  });

  it('round-trips an unchanged conversation as identity', () => {
    const parsed = adapter.parse(sample.messages);
    expect(
      parsed.map((m) =>
        rebuildMessage(
          m,
          m.slots.map((s) => s.text),
        ),
      ),
    ).toEqual(sample.messages);
    const result = compressChat(sample.messages, { budget: { tokens: 100_000 }, tokenizer, ...(sample.system ? { system: sample.system } : {}) });
    expect(result.messages).toEqual(sample.messages);
    expect(result.format).toBe(format);
    expect(result.ratio).toBe(1);
    expect(countChatTokens(sample.messages, { tokenizer, ...(sample.system ? { system: sample.system } : {}) })).toBe(result.tokens.original);
  });

  it('rewrites only the text it is told to, in a copy', () => {
    const before = JSON.stringify(sample.messages);
    const parsed = adapter.parse(sample.messages);
    const withResult = parsed.find((m) => m.resultIds.length > 0)!;
    const rebuilt = rebuildMessage(
      withResult,
      withResult.slots.map(() => 'X'),
    );
    expect(JSON.stringify(sample.messages)).toBe(before);
    expect(JSON.stringify(rebuilt)).toContain('"X"');
    expect(adapter.parse([...sample.messages.slice(0, withResult.index), rebuilt]).at(-1)!.slots[0]!.text).toBe('X');
  });

  it('detects its format', () => {
    expect(detectChatFormat(sample.messages)).toBe(format);
  });
});

describe('bad input', () => {
  it('names the message index and the problem', () => {
    expect(
      code(() =>
        compressChat(
          [
            { role: 'user', content: 'hi' },
            { role: 'wizard', content: 'x' },
          ],
          { budget: { tokens: 5 }, tokenizer, format: 'openai' },
        ),
      ),
    ).toMatch(/^INVALID_INPUT: messages\[1\]: unknown role "wizard"/);
    expect(
      code(() =>
        compressChat(
          [
            { role: 'user', content: 'hi' },
            { role: 'tool', tool_call_id: 'nope', content: 'r' },
          ],
          { budget: { tokens: 5 }, tokenizer },
        ),
      ),
    ).toMatch(/^INVALID_INPUT: messages\[1\]: tool result for "nope" has no matching tool call/);
    expect(
      code(() =>
        compressChat(
          [
            { role: 'user', content: 'hi' },
            { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] },
          ],
          { budget: { tokens: 5 }, tokenizer },
        ),
      ),
    ).toMatch(/^INVALID_INPUT: messages\[1\]: tool call "c" has no tool result/);
    expect(code(() => compressChat([null], { budget: { tokens: 5 }, tokenizer }))).toMatch(/^INVALID_INPUT: messages\[0\]: expected a message object/);
    expect(code(() => compressChat([{ role: 'user', content: 42 }], { budget: { tokens: 5 }, tokenizer }))).toMatch(
      /^INVALID_INPUT: messages\[0\]: content must be/,
    );
    expect(code(() => compressChat('x' as unknown as unknown[], { budget: { tokens: 5 }, tokenizer }))).toMatch(/^INVALID_INPUT/);
    expect(code(() => compressChat([{ role: 'system', content: 'x' }], { budget: { tokens: 5 }, tokenizer, format: 'anthropic' }))).toMatch(
      /^INVALID_INPUT: messages\[0\]: unknown role "system"/,
    );
    expect(code(() => compressChat([], { budget: { tokens: 5 }, tokenizer, keepLastTurns: -1 }))).toMatch(/^INVALID_OPTION/);
  });

  it('rejects a tool result that is separated from its call (Anthropic: not in the next message)', () => {
    const m = SAMPLES.anthropic.messages;
    const broken = [m[0], m[1], { role: 'user', content: 'wait' }, { role: 'assistant', content: 'ok' }, m[2]];
    expect(code(() => compressChat(broken, { budget: { tokens: 5 }, tokenizer }))).toMatch(
      /^INVALID_INPUT: messages\[1\]: tool call "toolu_1" has no tool result/,
    );
  });
});
