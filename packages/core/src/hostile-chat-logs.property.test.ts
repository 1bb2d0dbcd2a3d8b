/**
 * Issue 9's property suite, continued: chat requests and logs built from hostile text (long runs, emoji, CJK,
 * CR/LF/CRLF/lone-CR, fences) — a coded error or a valid, in-budget result without lone surrogates.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CtxpressError } from './errors.js';
import { wordTokenizer } from './testing/index.js';
import { compressChat, countChatTokens } from './chat/index.js';
import { compressLogs } from './logs/index.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const tokenizer = wordTokenizer();

const piece = fc.oneof(
  fc.constantFrom('The rover battery drains at night.', 'Heaters keep the electronics warm!', 'Dust cut the output by 40 percent?', '電池は夜に消耗する。', 'Привет, мир.'),
  fc.integer({ min: 50, max: 3000 }).map((n) => 'a'.repeat(n)),
  fc.integer({ min: 10, max: 400 }).map((n) => '😀'.repeat(n)),
  fc.integer({ min: 10, max: 400 }).map((n) => '👩‍👩‍👧'.repeat(n)),
  fc.integer({ min: 20, max: 2000 }).map((n) => '漢字'.repeat(n)),
  fc.constantFrom('```\ncode here\n', '```js\nlet x = 1;\n```', '| a | b |\n|---|---|\n| 1 | 2 |', '# Heading'),
);
const lineEnd = fc.constantFrom('\n', '\r\n', '\r', '\n\n', ' ');
const hostileText = fc.array(fc.tuple(piece, lineEnd), { minLength: 1, maxLength: 6 }).map((parts) => parts.map(([p, e]) => p + e).join(''));

/** An OpenAI request: system, older turns, maybe a tool exchange, the latest request. */
const chat = fc
  .record({
    turns: fc.array(fc.tuple(hostileText, hostileText), { minLength: 0, maxLength: 4 }),
    tool: fc.option(hostileText, { nil: undefined }),
    last: hostileText,
  })
  .map(({ turns, tool, last }) => {
    const messages: Array<Record<string, unknown>> = [{ role: 'system', content: 'You help.' }];
    for (const [u, a] of turns) messages.push({ role: 'user', content: u }, { role: 'assistant', content: a });
    if (tool !== undefined) {
      messages.push({ role: 'user', content: 'Look it up.' });
      messages.push({ role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'search', arguments: '{"q":"x"}' } }] });
      messages.push({ role: 'tool', tool_call_id: 'c1', content: tool });
    }
    messages.push({ role: 'user', content: last });
    return messages;
  });

function texts(messages: readonly unknown[]): string[] {
  return messages.map((m) => {
    const content = (m as { content?: unknown }).content;
    return typeof content === 'string' ? content : '';
  });
}

describe('hostile chat requests and logs (property tests, issue 9)', () => {
  it('compressChat: a coded error or a valid request within the budget, the latest request verbatim, no lone surrogates', () => {
    fc.assert(
      fc.property(chat, fc.double({ min: 0.05, max: 1, noNaN: true }), fc.boolean(), (messages, share, prefixStable) => {
        const original = countChatTokens(messages, { tokenizer });
        const tokens = Math.max(1, Math.floor(original * share));
        let result;
        try {
          result = compressChat(messages, { budget: { tokens }, tokenizer, prefixStable });
        } catch (error) {
          expect(error).toBeInstanceOf(CtxpressError);
          expect((error as CtxpressError).code).toBe('BUDGET_UNSATISFIABLE');
          return;
        }
        expect(result.tokens.compressed).toBeLessThanOrEqual(Math.max(tokens, original));
        expect(countChatTokens(result.messages, { tokenizer })).toBe(result.tokens.compressed);
        for (const t of texts(result.messages)) expect(LONE_SURROGATE.test(t)).toBe(false);
        const last = result.messages.at(-1) as { role: string; content: unknown };
        expect(last.role).toBe('user');
        // short requests stay whole; long ones keep their question part (at least the last paragraph's end)
        const wanted = (messages.at(-1) as { content: string }).content;
        if (typeof last.content === 'string' && wanted.length < 200) expect(last.content).toBe(wanted);
      }),
      { numRuns: 1000 },
    );
  });

  it('compressLogs: a coded error or a non-empty result within the budget with no lone surrogates', () => {
    const logLine = fc
      .tuple(fc.integer({ min: 0, max: 59 }), fc.constantFrom('INFO', 'WARN', 'ERROR', 'DEBUG'), piece)
      .map(([s, level, msg]) => `2026-12-01T10:00:${String(s).padStart(2, '0')}Z ${level} ${msg.replace(/[\r\n]+/g, ' ')}`);
    const log = fc.tuple(fc.array(logLine, { minLength: 1, maxLength: 60 }), lineEnd).map(([lines, nl]) => lines.join(nl.trim() === '' ? '\n' : nl));
    fc.assert(
      fc.property(log, fc.integer({ min: 1, max: 2000 }), (text, tokens) => {
        let result;
        try {
          result = compressLogs(text, { budget: { tokens }, tokenizer });
        } catch (error) {
          expect(error).toBeInstanceOf(CtxpressError);
          return;
        }
        expect(result.tokens.compressed).toBeLessThanOrEqual(Math.max(tokens, result.tokens.original));
        expect(LONE_SURROGATE.test(result.text)).toBe(false);
        if (result.tokens.original > tokens && tokens >= 50) expect(result.text.trim().length).toBeGreaterThan(0);
      }),
      { numRuns: 1000 },
    );
  });
});
