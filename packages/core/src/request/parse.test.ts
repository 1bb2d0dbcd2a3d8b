import { describe, expect, it } from 'vitest';
import { isCtxpressError } from '../errors.js';
import { defaultKeepPattern, parseCompressRequest, parseRegExpLiteral, readBudget } from './parse.js';
import { resolveRequestFormat } from './resolve.js';
import type { ParseRequestOptions } from './types.js';

const BUDGET = { budget: { tokens: 10 } };

function codeOf(body: unknown, options?: ParseRequestOptions): string {
  try {
    parseCompressRequest(body, options);
  } catch (error) {
    if (isCtxpressError(error)) return `${error.code}: ${error.message}`;
    throw error;
  }
  return 'OK';
}

describe('parseCompressRequest: every field', () => {
  it.each([
    ['text (format auto by default)', { text: 'a', ...BUDGET }, { kind: 'text', text: 'a', format: 'auto', budget: { tokens: 10 } }],
    ['text as markdown', { text: 'a', format: 'markdown', budget: { ratio: 2.5 } }, { kind: 'text', format: 'markdown', budget: { ratio: 2.5 } }],
    ['text as plain text', { text: 'a', format: 'text', ...BUDGET }, { kind: 'text', format: 'text' }],
    ['documents', { documents: [{ id: 'd', text: 'x' }], ...BUDGET }, { kind: 'documents', documents: [{ id: 'd', text: 'x' }], format: 'auto' }],
    [
      'prose options',
      { text: 'a', separator: ' … ', documentSeparator: '\n---\n', prune: 0.2, explain: true, ...BUDGET },
      { separator: ' … ', documentSeparator: '\n---\n', prune: 0.2, explain: true },
    ],
    ['prune: false', { text: 'a', prune: false, ...BUDGET }, { prune: false }],
    ['common fields', { text: 'a', query: 'q', tokenizer: 'cl100k_base', timeLimitMs: 250, ...BUDGET }, { query: 'q', tokenizer: 'cl100k_base', timeLimitMs: 250 }],
    ['json', { text: '{}', format: 'json', keep: ['id'], ...BUDGET }, { kind: 'json', text: '{}', keep: ['id'] }],
    ['logs', { text: 'INFO a', format: 'logs', ...BUDGET }, { kind: 'logs', text: 'INFO a' }],
    ['messages (format chat by default)', { messages: [{ role: 'user', content: 'hi' }], ...BUDGET }, { kind: 'messages', messages: [{ role: 'user', content: 'hi' }] }],
    [
      'messages with chat fields',
      { messages: [], system: 'be brief', keepLastTurns: 2, prefixStable: true, format: 'chat', ...BUDGET },
      { kind: 'messages', system: 'be brief', keepLastTurns: 2, prefixStable: true },
    ],
    ['messages with format auto', { messages: [], format: 'auto', ...BUDGET }, { kind: 'messages' }],
    [
      'code files (format code by default; language kept, other fields dropped)',
      { code: [{ path: 'a.ts', text: 'x', language: 'typescript', extra: 1 }], explain: true, ...BUDGET },
      { kind: 'code', files: [{ path: 'a.ts', text: 'x', language: 'typescript' }], explain: true },
    ],
    ['code with format auto', { code: [{ path: 'a.py', text: 'x' }], format: 'auto', ...BUDGET }, { kind: 'code' }],
  ])('%s', (_, body, expected) => {
    expect(parseCompressRequest(body)).toMatchObject(expected);
  });

  it('keep: "/re/flags" is a RegExp, anything else a literal; a custom keepPattern decides instead', () => {
    const request = parseCompressRequest({ text: 'a', keep: ['/err\\d+/i', 'literal', '/usr/bin'], ...BUDGET });
    if (request.kind !== 'text') throw new Error(request.kind);
    expect(request.keep?.[0]).toBeInstanceOf(RegExp);
    expect((request.keep?.[0] as RegExp).flags).toBe('i');
    expect(request.keep?.slice(1)).toEqual(['literal', '/usr/bin']);
    const seen: [string, number][] = [];
    const custom = parseCompressRequest({ text: 'a', keep: ['x', '/y/'], ...BUDGET }, { keepPattern: (pattern, index) => (seen.push([pattern, index]), pattern.toUpperCase()) });
    expect(custom).toMatchObject({ keep: ['X', '/Y/'] });
    expect(seen).toEqual([
      ['x', 0],
      ['/y/', 1],
    ]);
  });

  it('extraFields are left to the edge; legacyBudget takes top-level tokens / ratio', () => {
    expect(parseCompressRequest({ text: 'a', shape: 'full', ...BUDGET }, { extraFields: ['shape'] })).not.toHaveProperty('shape');
    expect(parseCompressRequest({ id: 1, text: 'a', tokens: 5 }, { extraFields: ['id'], legacyBudget: true })).toMatchObject({ budget: { tokens: 5 } });
    expect(parseCompressRequest({ text: 'a', ratio: 3 }, { legacyBudget: true })).toMatchObject({ budget: { ratio: 3 } });
    expect(parseCompressRequest({ text: 'a', ...BUDGET }, { legacyBudget: true })).toMatchObject(BUDGET);
  });
});

describe('parseCompressRequest: every error', () => {
  it.each<[string, unknown, ParseRequestOptions | undefined, string | RegExp]>([
    ['not an object', 'text', undefined, /^INVALID_INPUT: the request body must be a JSON object/],
    ['an array', [], undefined, /^INVALID_INPUT/],
    ['null', null, undefined, /^INVALID_INPUT/],
    ['unknown field', { text: 'a', tokenz: 1, ...BUDGET }, undefined, /^INVALID_OPTION: unknown field\(s\) tokenz; known: text, /],
    ['an edge field without extraFields', { text: 'a', shape: 'full', ...BUDGET }, undefined, /^INVALID_OPTION: unknown field\(s\) shape/],
    ['legacy fields without legacyBudget', { text: 'a', tokens: 5 }, undefined, /^INVALID_OPTION: unknown field\(s\) tokens/],
    ['no input', BUDGET, undefined, /^INVALID_INPUT: missing "text" \(a string\), "documents" .*: give exactly one\.$/],
    ['two inputs', { text: 'a', messages: [], ...BUDGET }, undefined, 'INVALID_INPUT: give exactly one of text, documents, messages or code (got text, messages).'],
    ['no budget', { text: 'a' }, undefined, 'INVALID_BUDGET: budget is required: { "tokens": N } or { "ratio": R }.'],
    ['tokens 0', { text: 'a', budget: { tokens: 0 } }, undefined, /^INVALID_BUDGET: budget must be/],
    ['fractional tokens', { text: 'a', budget: { tokens: 2.5 } }, undefined, /^INVALID_BUDGET/],
    ['ratio under 1', { text: 'a', budget: { ratio: 0.5 } }, undefined, /^INVALID_BUDGET/],
    ['both budgets', { text: 'a', budget: { tokens: 5, ratio: 2 } }, undefined, /^INVALID_BUDGET/],
    ['budget a number', { text: 'a', budget: 5 }, undefined, /^INVALID_BUDGET/],
    ['legacy: tokens and ratio', { text: 'a', tokens: 5, ratio: 2 }, { legacyBudget: true }, /^INVALID_BUDGET: give either "tokens" or "ratio"/],
    ['legacy: tokens and budget', { text: 'a', tokens: 5, ...BUDGET }, { legacyBudget: true }, /^INVALID_BUDGET: give either "budget"/],
    ['legacy: tokens "5"', { text: 'a', tokens: '5' }, { legacyBudget: true }, /^INVALID_BUDGET: "tokens" must be a positive integer/],
    ['legacy: ratio 0.5', { text: 'a', ratio: 0.5 }, { legacyBudget: true }, /^INVALID_BUDGET: "ratio" must be a number ≥ 1/],
    ['unknown format', { text: 'a', format: 'yaml', ...BUDGET }, undefined, 'INVALID_OPTION: format must be one of text, markdown, auto, chat, json, logs, code.'],
    ['format chat with text', { text: 'a', format: 'chat', ...BUDGET }, undefined, 'INVALID_INPUT: format chat takes messages, not text.'],
    ['format json with documents', { documents: [], format: 'json', ...BUDGET }, undefined, 'INVALID_INPUT: format json takes text, not documents.'],
    ['format text with messages', { messages: [], format: 'text', ...BUDGET }, undefined, /^INVALID_INPUT: format text takes text or documents, not messages/],
    ['format code with text', { text: 'a', format: 'code', ...BUDGET }, undefined, 'INVALID_INPUT: format code takes code, not text.'],
    ['query not a string', { text: 'a', query: 1, ...BUDGET }, undefined, 'INVALID_OPTION: query must be a string.'],
    ['tokenizer not a string', { text: 'a', tokenizer: {}, ...BUDGET }, undefined, /^INVALID_OPTION: tokenizer must be a name/],
    ['explain not a boolean', { text: 'a', explain: 'yes', ...BUDGET }, undefined, 'INVALID_OPTION: explain must be true or false.'],
    ['timeLimitMs 0', { text: 'a', timeLimitMs: 0, ...BUDGET }, undefined, /^INVALID_OPTION: timeLimitMs must be a positive number/],
    ['timeLimitMs "10"', { text: 'a', timeLimitMs: '10', ...BUDGET }, undefined, /^INVALID_OPTION: timeLimitMs/],
    ['keep not an array', { text: 'a', keep: 'x', ...BUDGET }, undefined, /^INVALID_OPTION: keep must be an array of strings/],
    ['keep with a number', { text: 'a', keep: ['x', 1], ...BUDGET }, undefined, /^INVALID_OPTION: keep must be an array of strings/],
    ['keep with a bad regex', { text: 'a', keep: ['x', '/(/'], ...BUDGET }, undefined, /^INVALID_OPTION: keep\[1\]: invalid regular expression/],
    ['chat fields on text', { text: 'a', keepLastTurns: 1, ...BUDGET }, undefined, 'INVALID_OPTION: keepLastTurns only apply to format chat.'],
    ['separator not a string', { text: 'a', separator: 1, ...BUDGET }, undefined, 'INVALID_OPTION: separator must be a string.'],
    ['documentSeparator not a string', { documents: [], documentSeparator: 1, ...BUDGET }, undefined, /^INVALID_OPTION: documentSeparator/],
    ['prune not a number', { text: 'a', prune: 'lots', ...BUDGET }, undefined, /^INVALID_OPTION: prune/],
    ['text not a string', { text: 5, ...BUDGET }, undefined, 'INVALID_INPUT: text must be a string.'],
    ['documents not an array', { documents: 'x', ...BUDGET }, undefined, /^INVALID_INPUT: documents must be an array/],
    ['explain on json', { text: '{}', format: 'json', explain: true, ...BUDGET }, undefined, /^INVALID_OPTION: explain only apply to text, markdown and auto/],
    ['json text not a string', { text: 1, format: 'logs', ...BUDGET }, undefined, 'INVALID_INPUT: text must be a string.'],
    ['prose fields on chat', { messages: [], prune: 0.1, ...BUDGET }, undefined, 'INVALID_OPTION: prune only apply to text formats.'],
    ['messages not an array', { messages: {}, ...BUDGET }, undefined, 'INVALID_INPUT: messages must be an array of chat messages.'],
    ['system not a string', { messages: [], system: 1, ...BUDGET }, undefined, /^INVALID_INPUT: system must be a string/],
    ['keepLastTurns not a number', { messages: [], keepLastTurns: '2', ...BUDGET }, undefined, /^INVALID_OPTION: keepLastTurns/],
    ['prefixStable not a boolean', { messages: [], prefixStable: 1, ...BUDGET }, undefined, 'INVALID_OPTION: prefixStable must be true or false.'],
    ['keep on code', { code: [], keep: ['x'], ...BUDGET }, undefined, 'INVALID_OPTION: keep only apply to other formats.'],
    ['bad code files', { code: [{ path: 1 }], ...BUDGET }, undefined, 'INVALID_INPUT: code must be an array of { path, text } files.'],
  ])('%s', (_, body, options, expected) => {
    const got = codeOf(body, options);
    if (typeof expected === 'string') expect(got).toBe(expected);
    else expect(got).toMatch(expected);
  });

  it('a keepPattern that throws stops the parse with its error', () => {
    const refuse = (): never => {
      throw new Error('no');
    };
    expect(() => parseCompressRequest({ text: 'a', keep: ['x'], ...BUDGET }, { keepPattern: refuse })).toThrow('no');
  });
});

describe('helpers', () => {
  it('parseRegExpLiteral and defaultKeepPattern', () => {
    expect(parseRegExpLiteral('/a+/gi')).toEqual({ source: 'a+', flags: 'gi' });
    expect(parseRegExpLiteral('/usr/bin')).toBeUndefined();
    expect(parseRegExpLiteral('//')).toBeUndefined();
    expect(parseRegExpLiteral('plain')).toBeUndefined();
    expect(defaultKeepPattern('/a/', 0)).toEqual(/a/);
    expect(() => defaultKeepPattern('/(/', 3)).toThrow(/keep\[3\]/);
  });

  it('readBudget', () => {
    expect(readBudget({ tokens: 3 })).toEqual({ tokens: 3 });
    expect(readBudget({ ratio: 1 })).toEqual({ ratio: 1 });
    expect(readBudget({ tokens: 3, extra: 1 })).toBeUndefined();
    expect(readBudget([3])).toBeUndefined();
  });

  it('resolveRequestFormat: auto text is detected (JSON, logs, Markdown, text); documents stay auto', () => {
    const resolve = (body: unknown): string => resolveRequestFormat(parseCompressRequest(body));
    expect(resolve({ text: '{"a": [1, 2]}', ...BUDGET })).toBe('json');
    expect(resolve({ text: '2024-01-01 10:00:00 INFO up\n2024-01-01 10:00:01 ERROR down\n', ...BUDGET })).toBe('logs');
    expect(resolve({ text: '# Title\n\n- one\n- two\n', ...BUDGET })).toBe('markdown');
    expect(resolve({ text: 'Just a sentence.', ...BUDGET })).toBe('text');
    expect(resolve({ text: '{"a": 1}', format: 'text', ...BUDGET })).toBe('text');
    expect(resolve({ documents: [{ text: '{"a": 1}' }], ...BUDGET })).toBe('auto');
    expect(resolve({ messages: [], ...BUDGET })).toBe('chat');
    expect(resolve({ code: [], ...BUDGET })).toBe('code');
    expect(resolve({ text: '{}', format: 'json', ...BUDGET })).toBe('json');
  });
});
